import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP over one `URLSession` (Apple platforms and Linux alike), answers delivered as they arrive.
final class HTTPTransport: Sendable {
    private let session: URLSession
    private let delegate: TransportDelegate

    init() {
        let configuration = URLSessionConfiguration.ephemeral
        // No cookies, no cache: every answer comes from the server, and `ETag`s are the app's business.
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // The idle time between two packets; event streams send a heartbeat every 15 s.
        configuration.timeoutIntervalForRequest = 60
        let delegate = TransportDelegate()
        let queue = OperationQueue()
        // Callbacks of one task arrive in order (body bytes after the head, completion last).
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        self.delegate = delegate
    }

    deinit {
        // The session keeps its delegate alive until invalidated.
        session.invalidateAndCancel()
    }

    /// Starts `request` and returns its answer as it arrives. Ending the iteration (or cancelling
    /// the reading task) cancels the request.
    func open(_ request: URLRequest, body: RequestBody = .none, progress: UploadProgress? = nil) -> AsyncThrowingStream<TransportPart, any Error> {
        let (parts, continuation) = AsyncThrowingStream.makeStream(of: TransportPart.self, throwing: (any Error).self)
        let task: URLSessionTask
        switch body {
        case .none: task = session.dataTask(with: request)
        case .data(let data): task = session.uploadTask(with: request, from: data)
        case .file(let url): task = session.uploadTask(with: request, fromFile: url)
        }
        delegate.register(task, route: TransportDelegate.Route(parts: continuation, progress: progress))
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        task.resume()
        return parts
    }

    /// Sends `request` and collects the whole answer.
    /// - Throws: `network_error` when no answer came, `CancellationError` when the caller was cancelled.
    func send(_ request: URLRequest, body: RequestBody = .none, progress: UploadProgress? = nil) async throws -> HTTPResponse {
        var head: HTTPHead?
        var data = Data()
        do {
            for try await part in open(request, body: body, progress: progress) {
                switch part {
                case .head(let received): head = received
                case .body(let chunk): data.append(chunk)
                }
            }
        } catch {
            try Task.checkCancellation()
            throw AppBaseError.network(error)
        }
        try Task.checkCancellation()
        guard let head else { throw AppBaseError.invalidResponse("The connection closed before an answer.") }
        return HTTPResponse(head: head, body: data)
    }
}
