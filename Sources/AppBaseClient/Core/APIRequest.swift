import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One call to the API, before the key, token and endpoint are added.
struct APIRequest: Sendable {
    /// Whether the call carries the user's bearer token.
    enum Authorization: Sendable {
        /// Never (register, login, refresh).
        case none
        /// When a user is signed in (reads of public collections work without one).
        case whenSignedIn
        /// Always: without a signed-in user the call fails with `signed_out`.
        case user
    }

    var method: String
    /// Path segments after the endpoint, each percent-encoded here (`["db", "collections", name]`).
    var path: [String]
    var query: [(String, String)] = []
    var headers: [String: String] = [:]
    var body = RequestBody.none
    var authorization = Authorization.whenSignedIn
    var progress: UploadProgress?

    init(_ method: String, _ path: [String], query: [(String, String)] = [], authorization: Authorization = .whenSignedIn) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
    }

    /// A request whose body is `value` as JSON.
    init<Body: Encodable>(_ method: String, _ path: [String], json value: Body, authorization: Authorization = .whenSignedIn) throws {
        self.init(method, path, authorization: authorization)
        body = .data(try JSONCoding.encode(value))
        headers["Content-Type"] = "application/json"
    }

    /// Characters left as they are in a path segment or query value (RFC 3986 unreserved).
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// The URL of this request under `endpoint` (which may carry a path prefix of its own).
    func url(endpoint: URL) -> URL {
        var text = endpoint.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + path.map(Self.escape).joined(separator: "/")
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        // Every piece above is percent-encoded, so the text is a valid URL.
        return URL(string: text) ?? endpoint
    }

    /// The `URLRequest` with the key, the token (if any) and this request's headers.
    func urlRequest(endpoint: URL, apiKey: String, accessToken: String?) -> URLRequest {
        var request = URLRequest(url: url(endpoint: endpoint))
        request.httpMethod = method
        request.setValue(apiKey, forHTTPHeaderField: "X-API-Key")
        if let accessToken { request.setValue("Bearer \(accessToken)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
    }
}
