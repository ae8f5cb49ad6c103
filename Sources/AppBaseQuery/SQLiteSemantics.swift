import AppBaseCore
import OrderedCollections

/// A borrowed view of the SQL value SQLite would produce for a field: no copies of strings,
/// and containers are serialised only when their text is actually needed.
enum FieldValue {
    case null
    case int(Int64)
    case double(Double)
    /// Text. `cutAtNUL` marks a JSON string: SQLite's JSON decoder stops at an escaped U+0000, so
    /// only the bytes before the first NUL count. The cut is applied lazily while comparing.
    case text(String, cutAtNUL: Bool)
    /// An object or array; SQLite yields its compact JSON text.
    case container(JSONValue)

    /// The value of a member of `data` as `json_extract` returns it.
    @inline(__always)
    init(json value: JSONValue) { self.init(value, stringsCutAtNUL: true) }

    /// The value of a system column as the record object carries it.
    @inline(__always)
    init(column value: JSONValue) { self.init(value, stringsCutAtNUL: false) }

    /// `value` as SQLite sees it; `stringsCutAtNUL` for strings decoded from JSON text.
    @inline(__always)
    private init(_ value: JSONValue, stringsCutAtNUL: Bool) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .int(flag ? 1 : 0)
        case .int(let number): self = .int(number)
        // The serializer writes non-finite reals as `null`.
        case .double(let number): self = number.isFinite ? .double(number) : .null
        // SQLite reads an integer literal that fits Int64 as an integer, anything else as a real.
        case .number(let number): self = number.integerValue.map(FieldValue.int) ?? .double(number.doubleValue)
        case .string(let text): self = .text(text, cutAtNUL: stringsCutAtNUL)
        case .array, .object: self = .container(value)
        }
    }

    /// Resolves `path` in a full record object (system fields as top-level members).
    @inline(__always)
    init(path: FieldPath, in record: JSONValue) {
        guard var current = record.member(path.segments[0]) else {
            self = .null
            return
        }
        if path.systemField != nil {
            self = FieldValue(column: current)
            return
        }
        var index = 1
        let count = path.segments.count
        while index < count {
            guard let next = current.member(path.segments[index]) else {
                self = .null
                return
            }
            current = next
            index += 1
        }
        self = FieldValue(json: current)
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The owned SQL value.
    var sqlValue: SQLValue {
        switch self {
        case .null: return .null
        case .int(let number): return .int(number)
        case .double(let number): return .double(number)
        case .text(let text, let cut):
            guard cut, let nul = text.utf8.firstIndex(of: 0) else { return .text(text) }
            return .text(String(text[..<nul]))
        case .container(let value): return .text(value.jsonText)
        }
    }

    /// SQLite's ordering against a value: `nil` when either side is NULL.
    func compare(to other: SQLValue) -> Int? {
        switch (self, other) {
        case (.null, _), (_, .null): return nil
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): return SQLOrdering.compare(a, b)
        case (.double(let a), .int(let b)): return -SQLOrdering.compare(b, a)
        case (.double(let a), .double(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.int, .text), (.double, .text): return -1
        case (.text, .int), (.text, .double), (.container, .int), (.container, .double): return 1
        case (.text(let a, let cut), .text(let b)): return SQLOrdering.compareText(a, cutAtNUL: cut, b)
        case (.container(let value), .text(let b)): return SQLOrdering.compareBytes(value.serialized(), b.utf8)
        }
    }
}

extension JSONValue {
    /// `self[key]` for objects, matching keys by their UTF-8 bytes as SQLite's JSON functions do
    /// (Swift's `==` would also match canonically equivalent spellings, e.g. NFC and NFD).
    /// Small objects are searched linearly (lengths first); large ones by hash, then the found
    /// key's bytes are checked (a byte-equal key is always canonically equal, so hashing finds it).
    @inline(__always)
    func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        guard members.count <= 16 else {
            guard let found = members.index(forKey: key), members.keys[found].hasSameUTF8(as: key) else { return nil }
            return members.values[found]
        }
        let keys = members.keys
        var index = keys.startIndex
        while index < keys.endIndex {
            if keys[index].hasSameUTF8(as: key) { return members.values[index] }
            index += 1
        }
        return nil
    }
}

/// SQLite's value ordering: NULL < INTEGER/REAL (numerically) < TEXT (by bytes, binary collation).
enum SQLOrdering {
    /// Exact comparison of an integer with a real, as SQLite does it (no rounding of the integer).
    static func compare(_ integer: Int64, _ real: Double) -> Int {
        if real.isNaN { return 1 }
        if real < -9_223_372_036_854_775_808.0 { return 1 }
        if real >= 9_223_372_036_854_775_808.0 { return -1 }
        let whole = Int64(real.rounded(.down))
        if integer < whole { return -1 }
        if integer > whole { return 1 }
        return Double(whole) < real ? -1 : 0
    }

    /// Byte-wise comparison (binary collation) of `a`, optionally ending at its first NUL, with `b`.
    @inline(__always)
    static func compareText(_ a: String, cutAtNUL: Bool, _ b: String) -> Int {
        let fast = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right in compareBuffers(left, cutAtNUL: cutAtNUL, right) }
        }
        if let result = fast ?? nil { return result }
        return compareBytes(a.utf8.prefix { !cutAtNUL || $0 != 0 }, b.utf8)
    }

    @inline(__always)
    static func compareBuffers(_ left: UnsafeBufferPointer<UInt8>, cutAtNUL: Bool, _ right: UnsafeBufferPointer<UInt8>) -> Int {
        let count = min(left.count, right.count)
        var index = 0
        while index < count {
            let x = left[index]
            // A NUL ends the left text here; anything left in `right` makes it greater.
            if x == 0 && cutAtNUL { return -1 }
            let y = right[index]
            if x != y { return x < y ? -1 : 1 }
            index += 1
        }
        if left.count > count {
            // `right` is a prefix of `left`; equal when `left` ends at a NUL right here.
            return cutAtNUL && left[count] == 0 ? 0 : 1
        }
        return left.count == right.count ? 0 : -1
    }

    /// Lexicographic comparison of byte sequences (memcmp, then length).
    static func compareBytes<A: Sequence<UInt8>, B: Sequence<UInt8>>(_ a: A, _ b: B) -> Int {
        var left = a.makeIterator()
        var right = b.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?):
                if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    /// Full SQLite ordering of two owned values; NULL sorts first and equals NULL.
    static func compare(_ a: SQLValue, _ b: SQLValue) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        case (.int(let x), _): return FieldValue.int(x).compare(to: b) ?? 0
        case (.double(let x), _): return FieldValue.double(x).compare(to: b) ?? 0
        case (.text(let x), _): return FieldValue.text(x, cutAtNUL: false).compare(to: b) ?? 0
        }
    }
}
