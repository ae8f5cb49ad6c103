-- Shared by the wrk scripts. Inputs come from files named in environment variables
-- (written by compare-pocketbase), so tokens never appear on a command line:
--   WRK_HEADERS_FILE  one "Name: value" per line
--   WRK_BODY_FILE     POST body template; "__N__" is replaced by a rotating integer
--   WRK_PATHS_FILE    one request path per line (rotated in order)
local M = {}

function M.lines(path)
  local t = {}
  if path == nil or path == "" then return t end
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  return t
end

function M.read(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

function M.headers()
  local h = {}
  for _, line in ipairs(M.lines(os.getenv("WRK_HEADERS_FILE"))) do
    local k, v = line:match("^([^:]+):%s*(.*)$")
    if k then h[k] = v end
  end
  return h
end

return M
