import AppBaseCore
import OrderedCollections

/// Why a filter or sort text was rejected: a syntax error or an exceeded limit.
///
/// `position` is a 0-based offset counted in Unicode scalar values (code points) from the
/// start of the text; for an unexpected end of input it is the text's length.
public struct FilterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based offset, in Unicode scalar values, of the offending character or token.
    public var position: Int
    /// Human-readable explanation, safe to show to clients.
    public var message: String

    /// Creates an error at `position` with `message`.
    public init(position: Int, message: String) {
        self.position = position
        self.message = message
    }

    /// `"<message> at position <n>"`.
    public var description: String { "\(message) at position \(position)" }

    /// The client-facing error: HTTP 400 with `code` (`invalid_filter` by default, `invalid_sort`
    /// for sort text) and `details: {"position": n}`.
    public func appBaseError(code: ErrorCode = .invalidFilter) -> AppBaseError {
        AppBaseError(
            status: 400, code: code, message: "\(message) at position \(position).",
            details: .object(["position": .int(Int64(position))]))
    }
}

/// Limits applied while parsing a filter; exceeding any of them is a `FilterError`.
public struct FilterLimits: Sendable, Hashable {
    /// Maximum filter length in Unicode scalar values. Default 2048.
    public var maxLength: Int
    /// Maximum nesting: the number of open parentheses and `!` operators around any point. Default 16.
    public var maxDepth: Int
    /// Maximum number of terms (comparisons, `~`, `in`, `exists`). Default 32.
    public var maxTerms: Int
    /// Maximum number of values in one `in [...]` list. Default 100.
    public var maxInListCount: Int

    /// Creates limits; every argument defaults to the documented default.
    public init(maxLength: Int = 2048, maxDepth: Int = 16, maxTerms: Int = 32, maxInListCount: Int = 100) {
        self.maxLength = maxLength
        self.maxDepth = maxDepth
        self.maxTerms = maxTerms
        self.maxInListCount = maxInListCount
    }
}
