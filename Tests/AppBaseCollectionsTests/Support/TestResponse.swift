import AppBaseCore
import AppBaseHTTP

/// A finished response, with its body as bytes and (when it is JSON) as a value.
struct TestResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONParser.parse(body, maxDepth: 64)) ?? .null }
    func header(_ name: String) -> String? { headers[name] }

    /// `error.code` of an error body.
    var errorCode: String? { json["error"]?["code"]?.stringValue }
    /// The `items` of a list body.
    var items: [JSONValue] { json["items"]?.arrayValue ?? [] }
}

extension JSONValue {
    /// Builds a value from JSON text in tests (`.null` when it does not parse).
    static func parse(_ text: String) -> JSONValue { (try? JSONParser.parse(text, maxDepth: 64)) ?? .null }
}
