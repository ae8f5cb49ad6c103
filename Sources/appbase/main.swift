import AppBaseHTTP
import AppBaseCore
import Logging

let loop = EventLoop()
let server = HTTPServer(loop: loop)
var table = RouteTable()
table.addInline(.GET, "/health") { _, ctx in HTTPResponse.json(200, ["status": "ok", "app": .string(ctx.app)]) }
table.add(.POST, "/echo", auth: .none) { req, _ in
    let body = try await req.body.collect(upTo: 1 << 20)
    return HTTPResponse(status: 200, body: .bytes(body))
}
let router = Router(app: "master", routes: table, cors: CORSPolicy(), limits: HTTPLimits(), authenticator: nil, logger: Logger(label: "t"))
let port = try await server.listen(host: "127.0.0.1", port: 8099, dispatcher: router)
print("listening", port)
try await Task.sleep(for: .seconds(3600))
