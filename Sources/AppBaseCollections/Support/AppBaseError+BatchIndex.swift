import AppBaseCore
import OrderedCollections

extension AppBaseError {
    /// The same error with `details.index` naming the batch operation that caused it
    /// (other details kept).
    func atBatchIndex(_ index: Int) -> AppBaseError {
        var error = self
        if case .object(var members)? = details {
            members["index"] = .int(Int64(index))
            error.details = .object(members)
        } else {
            error.details = .object(["index": .int(Int64(index))])
        }
        return error
    }
}
