-- GET the URL given to wrk, with the headers from WRK_HEADERS_FILE (list / filtered list).
local common = dofile((os.getenv("WRK_DIR") or "wrk") .. "/common.lua")
for k, v in pairs(common.headers()) do wrk.headers[k] = v end
