/// A certificate or key could not be created, read or used; `message` says which file and why.
public struct TLSError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
