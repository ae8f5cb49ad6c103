import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The one `URLSessionDataDelegate` of a client's session: routes each task's callbacks to the
/// stream its caller reads (by task identifier).
///
/// Delegate callbacks are what make streaming work on Linux too: FoundationNetworking has no
/// `URLSession.bytes(for:)`, but it calls `urlSession(_:dataTask:didReceive:)` for every chunk as
/// libcurl receives it (ADR 0035), which is exactly what Server-Sent Events need.
final class TransportDelegate: NSObject, URLSessionDataDelegate, Sendable {
    /// Where one task's callbacks go.
    struct Route: Sendable {
        let parts: AsyncThrowingStream<TransportPart, any Error>.Continuation
        let progress: UploadProgress?
    }

    /// Routes of tasks in flight, by `taskIdentifier`. Touched from the session's delegate queue
    /// and from callers registering tasks, hence the lock.
    private let routes = Mutex<[Int: Route]>([:])

    /// Registers `task` before it is resumed (no callback can come earlier).
    func register(_ task: URLSessionTask, route: Route) {
        routes.withLock { $0[task.taskIdentifier] = route }
    }

    private func route(of task: URLSessionTask) -> Route? {
        routes.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            route(of: dataTask)?.parts.yield(.head(HTTPHead(status: http.statusCode, headers: headers)))
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        route(of: dataTask)?.parts.yield(.body(data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didSendBodyData bytesSent: Int64,
                    totalBytesSent: Int64, totalBytesExpectedToSend: Int64) {
        route(of: task)?.progress?(totalBytesSent, totalBytesExpectedToSend)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let route = routes.withLock { $0.removeValue(forKey: task.taskIdentifier) }
        if let error {
            route?.parts.finish(throwing: error)
        } else {
            route?.parts.finish()
        }
    }

    /// Never follows redirects: AppBase sends none, and a redirect would carry the API key and
    /// token to another origin.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
