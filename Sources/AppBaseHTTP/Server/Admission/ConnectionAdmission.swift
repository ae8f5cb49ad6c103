/// Which slots a new connection may take: the server's total, one port's share, one client
/// address over every port and on one port. Pure bookkeeping on the loop thread; the server
/// asks `verdict(for:)` on accept, reaps an idle connection in the returned scope when one
/// exists, and refuses otherwise.
///
/// The per-port share works by reserve: every listening port keeps
/// `reservedConnectionsPerPort` slots that only its own clients can take, so the clients of
/// one app (or a flood at one port) can fill the server only up to what the other ports'
/// unused reserves leave — the control plane and every other app always get their first
/// slots.
struct ConnectionAdmission {
    /// Who a connection counts against.
    struct Key: Hashable {
        let address: String
        let port: Int
    }

    /// The cap a refused connection hit; also where an idle connection may be reaped to make room.
    enum Scope: Equatable {
        /// This address holds its share on this port.
        case addressOnPort(Key)
        /// This address holds its share over every port.
        case address(String)
        /// The server is full once every other port's reserve is set aside; an idle connection
        /// on this port or on a port above its reserve may make room.
        case server(port: Int)

        /// The log's name for the cap.
        var capName: String {
            switch self {
            case .addressOnPort: return "per-address-per-port"
            case .address: return "per-address"
            case .server: return "server"
            }
        }
    }

    enum Verdict: Equatable {
        case admit
        case full(Scope)
    }

    private let maxTotal: Int
    private let maxPerAddress: Int
    private let maxPerAddressPerPort: Int
    private let reservePerPort: Int
    private let uncapped: Set<String>
    private(set) var total = 0
    private var perAddress: [String: Int] = [:]
    private var perKey: [Key: Int] = [:]
    private var perPort: [Int: Int] = [:]
    /// Σ over listening ports of the reserve they do not use yet.
    private var unusedReserve = 0

    init(limits: HTTPLimits) {
        maxTotal = limits.maxConnections
        maxPerAddress = limits.maxConnectionsPerAddress
        maxPerAddressPerPort = limits.maxConnectionsPerAddressPerPort
        reservePerPort = limits.reservedConnectionsPerPort
        uncapped = limits.uncappedAddresses
    }

    /// A port starts listening: its reserve is set aside.
    mutating func portOpened(_ port: Int) {
        guard perPort[port] == nil else { return }
        perPort[port] = 0
        unusedReserve += reservePerPort
    }

    /// A port stops listening: its reserve is released (its open connections still count).
    mutating func portClosed(_ port: Int) {
        guard let count = perPort[port] else { return }
        unusedReserve -= max(0, reservePerPort - count)
        perPort[port] = nil
    }

    /// Whether one more connection from `key` fits, and which cap it hits if not.
    func verdict(for key: Key) -> Verdict {
        if !uncapped.contains(key.address) {
            if perKey[key, default: 0] >= maxPerAddressPerPort { return .full(.addressOnPort(key)) }
            if perAddress[key.address, default: 0] >= maxPerAddress { return .full(.address(key.address)) }
        }
        if total + 1 + reserveHeldForOthers(than: key.port) > maxTotal { return .full(.server(port: key.port)) }
        return .admit
    }

    /// True when closing a connection on `port` would make room in `.server(port: forPort)`:
    /// the same port, or one holding more than its reserve (closing a connection inside another
    /// port's reserve frees a slot only that port may use).
    func reapingOn(_ port: Int, makesRoomFor forPort: Int) -> Bool {
        port == forPort || perPort[port, default: 0] > reservePerPort
    }

    mutating func add(_ key: Key) {
        total += 1
        perAddress[key.address, default: 0] += 1
        perKey[key, default: 0] += 1
        if let count = perPort[key.port] {
            if count < reservePerPort { unusedReserve -= 1 }
            perPort[key.port] = count + 1
        }
    }

    mutating func remove(_ key: Key) {
        total -= 1
        Self.decrement(&perAddress, key.address)
        Self.decrement(&perKey, key)
        if let count = perPort[key.port], count > 0 {
            if count <= reservePerPort { unusedReserve += 1 }
            perPort[key.port] = count - 1
        }
    }

    /// Connections open on `port` (tests, metrics).
    func count(onPort port: Int) -> Int { perPort[port, default: 0] }

    /// Connections open from `address` (tests, metrics).
    func count(fromAddress address: String) -> Int { perAddress[address, default: 0] }

    private func reserveHeldForOthers(than port: Int) -> Int {
        let own = perPort[port].map { max(0, reservePerPort - $0) } ?? 0
        return unusedReserve - own
    }

    private static func decrement<K: Hashable>(_ counts: inout [K: Int], _ key: K) {
        guard let count = counts[key] else { return }
        if count <= 1 { counts[key] = nil } else { counts[key] = count - 1 }
    }
}
