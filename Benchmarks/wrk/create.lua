-- POST a JSON body (template in WRK_BODY_FILE, "__N__" replaced) to the URL given to wrk.
-- 1,000 distinct bodies are formatted once in init() and rotated, so wrk spends no time
-- building requests during the run.
local common = dofile((os.getenv("WRK_DIR") or "wrk") .. "/common.lua")
local requests = {}
local i = 0

function init(args)
  local template = common.read(os.getenv("WRK_BODY_FILE"))
  for k = 1, 1000 do
    local headers = common.headers()
    headers["Content-Type"] = "application/json"
    local body = (template:gsub("__N__", tostring((k * 7919) % 10000)))
    requests[k] = wrk.format("POST", nil, headers, body)
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end
