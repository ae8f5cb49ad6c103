-- GET each path of WRK_PATHS_FILE in turn (get by id over a list of ids), with headers.
local common = dofile((os.getenv("WRK_DIR") or "wrk") .. "/common.lua")
local requests = {}
local i = 0

function init(args)
  local paths = common.lines(os.getenv("WRK_PATHS_FILE"))
  assert(#paths > 0, "WRK_PATHS_FILE is empty")
  for _, p in ipairs(paths) do
    requests[#requests + 1] = wrk.format("GET", p, common.headers())
  end
end

function request()
  i = i % #requests + 1
  return requests[i]
end
