import AppBaseTestSupport
import AppBaseCore

@testable import AppBaseQuery
import OrderedCollections

/// Generates records with mixed types and random filter/sort texts, deterministically.
struct RandomQueries {
    var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    static let strings: [String] = [
        "", "a", "A", "abc", "ABC", "Abc", "aBc def", "xyz", "Paris", "paris", "PARIS", "Straße", "STRASSE", "é", "e\u{301}",
        "É", "😀", "a😀b", "\u{200F}rtl\u{200E}", "x\u{0}y", "x", "1", "10", "2", "-1", "true", "null", "line\nbreak", "tab\t",
        "quote\"'", "back\\slash", "\u{2028}", "Ｆｕｌｌ", "zzz", "~", "[1,2]", "{\"k\":1}", "[\"x\",\"y\"]",
    ]
    static let ints: [Int64] = [-3, -2, -1, 0, 1, 2, 3, 10, 100, .max, .min, 9_007_199_254_740_993]
    static let doubles: [Double] = [0.5, -1.5, 1.0, 2.0, 3.0, 0.1, 1e20, -0.0, 2.5, 1e-7, 9_007_199_254_740_992.0, 9.223372036854775808e18]
    static let arrays: [JSONValue] = [["x", "y"], [], [1, 2], [["k": 1]], [nil, true]]
    static let timestamps: [String] = (0..<12).map { "2024-01-\($0 < 9 ? "0" : "")\($0 + 1)T10:00:00.000Z" }
    static let owners: [String?] = ["u1", "u2", "U1", nil]
    static let dataPaths = [
        "a", "b", "c", "name", "flag", "score", "tags", "address", "address.city", "address.zip", "address.geo",
        "address.geo.lat", "missing", "a.b", "n",
    ]

    mutating func scalar() -> JSONValue {
        switch rng.int(0...9) {
        case 0: return .null
        case 1: return .bool(rng.chance(0.5))
        case 2, 3: return .int(rng.pick(Self.ints))
        case 4: return .double(rng.pick(Self.doubles))
        default: return .string(rng.pick(Self.strings))
        }
    }

    mutating func value(depth: Int) -> JSONValue {
        guard depth < 3 else { return scalar() }
        switch rng.int(0...11) {
        case 10: return rng.chance(0.5) ? rng.pick(Self.arrays) : .array((0..<rng.int(0...3)).map { _ in value(depth: depth + 1) })
        case 11:
            var object: JSONValue = [:]
            for key in ["k", "b", "city"] where rng.chance(0.5) {
                if case .object(var members) = object {
                    members[key] = value(depth: depth + 1)
                    object = .object(members)
                }
            }
            return object
        default: return scalar()
        }
    }

    mutating func records(count: Int) -> [JSONValue] {
        var ids = Array(0..<count)
        ids.shuffle(using: &rng)
        return ids.map { number in
            var data: JSONValue = [:]
            func set(_ key: String, _ value: JSONValue) {
                if case .object(var members) = data {
                    members[key] = value
                    data = .object(members)
                }
            }
            for key in ["a", "b", "c", "name", "flag", "score", "n"] where rng.chance(0.75) {
                switch key {
                case "flag": set(key, rng.chance(0.8) ? .bool(rng.chance(0.5)) : scalar())
                case "score": set(key, rng.chance(0.7) ? .int(Int64(rng.int(-3...10))) : value(depth: 1))
                default: set(key, value(depth: 0))
                }
            }
            if rng.chance(0.6) { set("tags", rng.chance(0.7) ? rng.pick(Self.arrays) : value(depth: 1)) }
            if rng.chance(0.7) {
                let geo: JSONValue = rng.chance(0.7) ? ["lat": .double(rng.pick(Self.doubles))] : scalar()
                let address: JSONValue = [
                    "city": rng.chance(0.8) ? .string(rng.pick(["Paris", "paris", "Berlin", "Zürich", ""])) : scalar(),
                    "zip": rng.chance(0.5) ? .int(Int64(rng.int(1000...1003))) : .string(String(rng.int(1000...1003))),
                    "geo": geo,
                ]
                set("address", rng.chance(0.85) ? address : value(depth: 1))
            }
            let padded = String(repeating: "0", count: 3 - String(number).count) + String(number)
            return makeRecord(
                id: (rng.chance(0.2) ? "R" : "r") + padded, ownerId: rng.pick(Self.owners),
                createdAt: rng.pick(Self.timestamps), updatedAt: rng.pick(Self.timestamps), version: Int64(rng.int(1...4)),
                data: data)
        }
    }

    /// A string literal in filter syntax, with a random quote style.
    mutating func quoted(_ text: String) -> String {
        let quote: Character = rng.chance(0.5) ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quote == "\"": out += "\\\""
            case "'" where quote == "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || (scalar.value == 0x2028 && rng.chance(0.5)) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }

    mutating func dataLiteral(allowNull: Bool) -> String {
        switch rng.int(0...9) {
        case 0: return allowNull ? "null" : "0"
        case 1: return rng.chance(0.5) ? "true" : "false"
        case 2, 3: return String(rng.pick(Self.ints))
        case 4: return rng.pick(Self.doubles).description
        case 5: return quoted(rng.pick(Self.arrays).jsonText)
        default: return quoted(rng.pick(Self.strings + ["Berlin", "1001", "berlin"]))
        }
    }

    mutating func systemLiteral(_ field: SystemField) -> String {
        switch field {
        case .version: return rng.pick([String(rng.int(0...5)), "2.0", "2.5", "-1", "1e0"])
        case .createdAt, .updatedAt: return quoted(rng.pick(Self.timestamps + ["2024-01-05", "2024", ""]))
        case .ownerId: return quoted(rng.pick(["u1", "u2", "U1", "u"]))
        case .id: return quoted(rng.pick(["r001", "R002", "r1", "r0", "r010"]))
        }
    }

    mutating func term() -> String {
        let ws = rng.chance(0.3) ? "" : " "
        if rng.chance(0.2) {
            let field = rng.pick(SystemField.allCases)
            switch rng.int(0...9) {
            case 0: return "\(field.rawValue) exists"
            case 1: return "\(field.rawValue)\(ws)\(rng.chance(0.5) ? "=" : "!=")\(ws)null"
            case 2: return "\(field.rawValue) in [\(systemLiteral(field)), \(systemLiteral(field))\(rng.chance(0.3) ? ", null" : "")]"
            case 3 where field != .version: return "\(field.rawValue) ~ \(quoted(rng.pick(["R0", "r00", "u", "2024-01-0", "1"])))"
            default: return "\(field.rawValue)\(ws)\(rng.pick(ComparisonOperator.allCases).rawValue)\(ws)\(systemLiteral(field))"
            }
        }
        let path = rng.pick(Self.dataPaths)
        switch rng.int(0...11) {
        case 0: return "\(path) exists"
        case 1: return "\(path) ~ \(quoted(rng.pick(["", "a", "A", "Bc", "PAR", "ß", "É", "😀", "e\u{301}", "x\u{0}", "1", "\"", "[", "ss"])))"
        case 2: return "\(path) in [\((0..<rng.int(0...4)).map { _ in dataLiteral(allowNull: true) }.joined(separator: ","))]"
        case 3, 4:
            let op = rng.chance(0.5) ? "=" : "!="
            return "\(path)\(ws)\(op)\(ws)\(dataLiteral(allowNull: true))"
        default:
            return "\(path)\(ws)\(rng.pick(ComparisonOperator.allCases).rawValue)\(ws)\(dataLiteral(allowNull: false))"
        }
    }

    mutating func filterText(depth: Int = 3) -> String {
        if depth == 0 || rng.chance(0.35) { return term() }
        switch rng.int(0...5) {
        case 0: return "!" + (rng.chance(0.5) ? "(\(filterText(depth: depth - 1)))" : term())
        case 1: return "(\(filterText(depth: depth - 1)))"
        default:
            let op = rng.chance(0.5) ? " && " : " || "
            return (0..<rng.int(2...3)).map { _ in filterText(depth: depth - 1) }.joined(separator: op)
        }
    }

    mutating func sortText() -> String {
        let all = Self.dataPaths + SystemField.allCases.map(\.rawValue)
        var chosen: [String] = []
        while chosen.count < rng.int(1...3) {
            let path = rng.pick(all)
            if !chosen.contains(path) { chosen.append(path) }
        }
        return chosen.map { (rng.chance(0.5) ? "-" : (rng.chance(0.3) ? "+" : "")) + $0 }.joined(separator: ",")
    }
}
