/// A test's set-up or wait that did not go as the test needs (an upload refused, a state never
/// reached): thrown by test helpers so the test fails with the reason.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
