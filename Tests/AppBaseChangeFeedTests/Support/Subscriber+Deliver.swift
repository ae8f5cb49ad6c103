@testable import AppBaseChangeFeed

extension Subscriber {
    /// One change offered to this stream alone, as the hub offers it to each of a collection's
    /// streams, its direct write (if any) queued at once.
    func deliver(_ candidate: inout ChangeCandidate) {
        var flushes = DirectFlushes()
        deliver(&candidate, flushes: &flushes)
        flushes.submit()
    }
}
