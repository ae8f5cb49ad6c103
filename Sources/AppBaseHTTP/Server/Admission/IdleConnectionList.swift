/// The idle keep-alive connections, oldest first: an intrusive doubly linked list through
/// `HTTPConnection.idleLinks`, so entering and leaving idle (twice per request) is O(1) with
/// no allocation, and reaping under pressure takes the oldest idle connection of a scope.
/// Loop thread only.
struct IdleConnectionList {
    private(set) var oldest: HTTPConnection?
    private var newest: HTTPConnection?
    private(set) var count = 0

    /// Appends `connection` as the newest idle one; a no-op when it is listed already.
    mutating func append(_ connection: HTTPConnection) {
        guard !connection.idleLinks.listed else { return }
        connection.idleLinks = IdleLinks(listed: true, previous: newest, next: nil)
        if let newest { newest.idleLinks.next = connection } else { oldest = connection }
        newest = connection
        count += 1
    }

    /// Unlinks `connection`; a no-op when it is not listed.
    mutating func remove(_ connection: HTTPConnection) {
        guard connection.idleLinks.listed else { return }
        let links = connection.idleLinks
        if let previous = links.previous { previous.idleLinks.next = links.next } else { oldest = links.next }
        if let next = links.next { next.idleLinks.previous = links.previous } else { newest = links.previous }
        connection.idleLinks = IdleLinks()
        count -= 1
    }

    /// The oldest idle connection that `matches`, walking from the oldest.
    func first(where matches: (HTTPConnection) -> Bool) -> HTTPConnection? {
        var cursor = oldest
        while let connection = cursor {
            if matches(connection) { return connection }
            cursor = connection.idleLinks.next
        }
        return nil
    }
}

/// A connection's place in the idle list. `previous` is weak-free on purpose: every link is
/// cleared when the connection leaves the list (which `close` guarantees), so the strong
/// references never outlive the membership and form no lasting cycle.
struct IdleLinks {
    var listed = false
    var previous: HTTPConnection?
    var next: HTTPConnection?
}
