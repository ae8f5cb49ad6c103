-- POST the bytes of WRK_BODY_FILE (raw, Content-Type: application/octet-stream) to the URL
-- given to wrk (path and query, e.g. /storage/buckets/bench/upload?name=small.bin), with the
-- headers of WRK_HEADERS_FILE. The request is formatted once in init() and re-sent as is.
local common = dofile((os.getenv("WRK_DIR") or "wrk") .. "/common.lua")
local req

function init(args)
  local body = common.read(os.getenv("WRK_BODY_FILE"))
  local headers = common.headers()
  headers["Content-Type"] = "application/octet-stream"
  req = wrk.format("POST", nil, headers, body)
end

function request()
  return req
end
