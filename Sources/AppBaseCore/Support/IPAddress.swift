#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as 128 bits; IPv4 is held in its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`),
/// so `10.0.0.1` and `::ffff:10.0.0.1` (how a dual-stack socket reports an IPv4 peer) are one address.
public struct IPAddress: Sendable, Hashable {
    /// Bits 127…64.
    public let high: UInt64
    /// Bits 63…0.
    public let low: UInt64

    /// True for IPv4 (and IPv4-mapped IPv6) addresses.
    public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (no zone id, no port, no brackets); nil otherwise.
    public init?(parsing text: some StringProtocol) {
        guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
        var bytes = (UInt64(0), UInt64(0))
        let parsed: Bool = withUnsafeMutableBytes(of: &bytes) { raw in
            guard let base = raw.baseAddress else { return false }
            return String(text).withCString { pointer in
                if inet_pton(AF_INET, pointer, base + 12) == 1 {
                    raw[10] = 0xFF
                    raw[11] = 0xFF
                    return true
                }
                return inet_pton(AF_INET6, pointer, base) == 1
            }
        }
        guard parsed else { return nil }
        high = UInt64(bigEndian: bytes.0)
        low = UInt64(bigEndian: bytes.1)
    }

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Canonical text: dotted quad for IPv4 (mapped or not), RFC 5952 form for IPv6.
    public var text: String {
        var bytes = (high.bigEndian, low.bigEndian)
        var output = [CChar](repeating: 0, count: 64)
        return withUnsafeBytes(of: &bytes) { raw -> String in
            output.withUnsafeMutableBufferPointer { buffer -> String in
                guard let base = raw.baseAddress, let out = buffer.baseAddress else { return "" }
                let result = isIPv4
                    ? inet_ntop(AF_INET, base + 12, out, socklen_t(buffer.count))
                    : inet_ntop(AF_INET6, base, out, socklen_t(buffer.count))
                guard result != nil else { return "" }
                return String(cString: out)
            }
        }
    }
}

/// An address block (`10.0.0.0/8`, `fd00::/8`) or a single address (a /32 or /128 block).
public struct IPAddressRange: Sendable, Hashable {
    public let network: IPAddress
    /// Prefix length over the 128-bit form (an IPv4 /8 is a /104 here).
    public let prefixLength: Int

    /// Parses `address` or `address/prefix`; nil when either part is malformed or the prefix is out of range.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, let address = IPAddress(parsing: first) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...maximum).contains(value) else { return nil }
            length = value
        }
        prefixLength = length + (address.isIPv4 ? 96 : 0)
        network = IPAddressRange.mask(address, prefixLength)
    }

    /// True when `address` lies inside the block.
    public func contains(_ address: IPAddress) -> Bool {
        IPAddressRange.mask(address, prefixLength) == network
    }

    private static func mask(_ address: IPAddress, _ length: Int) -> IPAddress {
        func bits(_ count: Int) -> UInt64 { count <= 0 ? 0 : (count >= 64 ? .max : ~(UInt64.max >> UInt64(count))) }
        return IPAddress(high: address.high & bits(length), low: address.low & bits(length - 64))
    }
}
