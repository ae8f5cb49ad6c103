import AppBaseCore
import AppBaseHTTP

/// `POST /db/batch`: up to `batchMaxOperations` record operations across collections, applied
/// atomically in one writer transaction.
extension CollectionService {
    func registerBatchRoute(on routes: inout RouteTable) {
        routes.add(.POST, "/db/batch", auth: .apiKey, bodyLimit: settings.batchMaxBodyBytes) { [self] request, context in
            try await runBatch(request, context)
        }
    }

    /// 200 `{"results":[{"status","record"?}…]}` in order; the first failing operation's error
    /// (with `details.index`) and nothing applied otherwise. The whole batch is one writer job:
    /// throwing from its closure rolls back its savepoint, change-log entries included.
    private func runBatch(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let maxOperations = settings.batchMaxOperations
        // Data objects sit three levels down: {"operations":[{"data":{…}}]}.
        let operations = try await readBody(request, limit: settings.batchMaxBodyBytes, maxDepth: settings.maxDepth + 3) {
            value in try BatchOperation.parseList(value, maxOperations: maxOperations)
        }
        let outcomes = try await transaction(context) { write in
            var outcomes: [WriteOutcome] = []
            outcomes.reserveCapacity(operations.count)
            for (index, operation) in operations.enumerated() {
                do {
                    outcomes.append(try operation.apply(write))
                } catch let error as AppBaseError {
                    throw error.atBatchIndex(index)
                } catch {
                    throw AppBaseError.internalError(cause: String(describing: error)).atBatchIndex(index)
                }
            }
            return outcomes
        }
        var body: [UInt8] = []
        RecordJSON.appendLiteral(#"{"results":["#, to: &body)
        for (index, outcome) in outcomes.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            RecordJSON.appendLiteral(#"{"status":"#, to: &body)
            body.append(contentsOf: String(outcome.status).utf8)
            if let record = outcome.record {
                RecordJSON.appendLiteral(#","record":"#, to: &body)
                body.append(contentsOf: record)
            }
            body.append(UInt8(ascii: "}"))
        }
        RecordJSON.appendLiteral("]}", to: &body)
        for outcome in outcomes { await audit(outcome, request, context) }
        let sequence = outcomes.last.map { String($0.sequence) } ?? "0"
        return .json(200, body, headers: HTTPHeaders("X-Change-Seq", sequence))
    }
}
