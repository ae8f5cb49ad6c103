/// Parser for the AppBase filter language, shared by the database API (compiled to SQL) and live
/// subscriptions (evaluated in memory).
///
/// # Grammar
///
/// ```
/// filter      = ws or-expr ws EOF
/// or-expr     = and-expr *( ws "||" ws and-expr )
/// and-expr    = unary *( ws "&&" ws unary )
/// unary       = "!" ws unary / primary
/// primary     = "(" ws or-expr ws ")" / term
/// term        = path ws compare-op ws literal
///             / path ws "~" ws string
///             / path ws "in" ws "[" ws [ literal *( ws "," ws literal ) ] ws "]"
///             / path ws "exists"
/// compare-op  = "=" / "!=" / ">" / ">=" / "<" / "<="
/// path        = segment *( "." segment )            ; no whitespace around "."
/// segment     = ( ALPHA / "_" ) *( ALPHA / DIGIT / "_" ) ; ASCII only
/// literal     = string / number / "true" / "false" / "null"
/// string      = DQUOTE *( dchar / escape ) DQUOTE / "'" *( schar / escape ) "'"
/// escape      = "\" ( DQUOTE / "'" / "\" / "/" / "b" / "f" / "n" / "r" / "t" / "u" 4HEXDIG )
/// number      = [ "-" ] ( "0" / %x31-39 *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
/// ws          = *( SP / HTAB / LF / CR )
/// ```
///
/// - `&&` binds tighter than `||`; `!` binds tightest: `!a = 1 || b = 2 && c = 3` is
///   `(!(a = 1)) || ((b = 2) && (c = 3))`.
/// - Keywords (`in`, `exists`, `true`, `false`, `null`) are recognised only where they can occur,
///   so they remain usable as field names (`in in [1]`, `exists exists`).
/// - `dchar`/`schar` are any character but the closing quote, `\` and control characters
///   U+0000–U+001F (write those as escapes). `\uD83D\uDE00` surrogate pairs are combined;
///   unpaired surrogates are errors. Non-ASCII characters are allowed only inside strings.
/// - A number without fraction or exponent is an integer and must fit in 64 bits; otherwise it is
///   a real and must be finite.
/// - `null` may only be compared with `=` or `!=`; `~` takes a string.
/// - A path whose single segment is `id`, `ownerId`, `createdAt`, `updatedAt` or `version` names
///   that system field (column); system fields have no members (`id.x` is an error). Any other path
///   addresses `data`: `address.city` is the member `city` of the object member `address`.
/// - System fields are typed: `id`, `ownerId`, `createdAt`, `updatedAt` are text and take string
///   (or `null`) literals; `version` is an integer and takes numbers (or `null`); `version ~ ...` is
///   an error. (SQLite would otherwise convert the literal to the column's type first.)
///
/// # Limits (`FilterLimits`)
/// Length ≤ 2048 characters; nesting (open `(` plus `!` around any point) ≤ 16; terms ≤ 32;
/// values in one `in` list ≤ 100. A violation or syntax error is a `FilterError` whose `position`
/// is the 0-based offset, in Unicode code points, of the offending character or token.
///
/// # Semantics (identical in SQL and in memory)
/// A field's value is what SQLite's `json_extract(data, '$.path')` (or the system column) yields:
/// - a missing member and JSON `null` are both NULL; `true`/`false` are the integers 1/0;
///   objects and arrays are their compact JSON text; a string is cut at its first U+0000
///   (SQLite's JSON decoder stops there); non-string literals compare as written.
/// - Values are ordered NULL < numbers < text. Integers and reals compare numerically
///   (`1 = 1.0`); text compares by UTF-8 bytes (binary collation: no Unicode normalisation,
///   case-sensitive). So `age > 5` is also true for a string `age`, and `flag = 1` matches `true`.
/// - `=`/`<`/`<=`/`>`/`>=` are false when the field is NULL. `= null` is true when the field is
///   missing or null; `!= null` is its negation; `a != v` is true when `a = v` is not
///   (including when `a` is missing or null).
/// - `a in [v1, ...]` is true when `a = vi` for some `vi`; a `null` in the list matches a missing
///   or null field; `in []` is false.
/// - `a ~ "s"` is true when `a` is a string containing `s`, comparing with ASCII case folding only
///   (`A`–`Z` = `a`–`z`; `É` ≠ `é`), like SQLite's `lower()`. `~ ""` matches every string; `~` is
///   false for every non-string (numbers, booleans, null, missing, objects, arrays).
/// - `a exists` is true when the member is present, even if its value is `null`. For a system
///   field it is true when the field is not null.
/// - `!x` is true exactly when `x` is not true (two-valued logic: there is no "unknown").
enum FilterParser {
    /// Parses `text` into an expression, enforcing `limits`.
    static func parse(_ text: String, limits: FilterLimits) throws(FilterError) -> FilterExpression {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(min(text.utf8.count, limits.maxLength))
        for scalar in text.unicodeScalars {
            guard scalars.count < limits.maxLength else {
                throw FilterError(position: limits.maxLength, message: "Filter is longer than \(limits.maxLength) characters")
            }
            scalars.append(scalar)
        }
        var parser = Parser(lexer: FilterLexer(scalars: scalars), limits: limits)
        try parser.advance()
        if case .end = parser.current.kind {
            throw FilterError(position: parser.current.position, message: "Empty filter")
        }
        let expression = try parser.parseOr()
        guard case .end = parser.current.kind else {
            throw FilterError(position: parser.current.position, message: "Unexpected \(parser.currentDescription)")
        }
        return expression
    }

    private struct Parser {
        var lexer: FilterLexer
        let limits: FilterLimits
        var current = FilterToken(kind: .end, position: 0)
        var depth = 0
        var terms = 0

        init(lexer: FilterLexer, limits: FilterLimits) {
            self.lexer = lexer
            self.limits = limits
        }

        mutating func advance() throws(FilterError) {
            current = try lexer.next()
        }

        var currentDescription: String {
            switch current.kind {
            case .end: return "end of filter"
            case .path(let path): return "'\(path)'"
            case .string: return "string"
            case .number: return "number"
            case .comparison(let op): return "'\(op.rawValue)'"
            case .tilde: return "'~'"
            case .and: return "'&&'"
            case .or: return "'||'"
            case .not: return "'!'"
            case .leftParen: return "'('"
            case .rightParen: return "')'"
            case .leftBracket: return "'['"
            case .rightBracket: return "']'"
            case .comma: return "','"
            case .minus: return "'-'"
            case .plus: return "'+'"
            }
        }

        private func fail(_ message: String) -> FilterError {
            FilterError(position: current.position, message: message)
        }

        mutating func parseOr() throws(FilterError) -> FilterExpression {
            var operands: [FilterExpression] = []
            while true {
                let operand = try parseAnd()
                if case .or(let inner) = operand { operands.append(contentsOf: inner) } else { operands.append(operand) }
                guard case .or = current.kind else { break }
                try advance()
            }
            return operands.count == 1 ? operands[0] : .or(operands)
        }

        mutating func parseAnd() throws(FilterError) -> FilterExpression {
            var operands: [FilterExpression] = []
            while true {
                let operand = try parseUnary()
                if case .and(let inner) = operand { operands.append(contentsOf: inner) } else { operands.append(operand) }
                guard case .and = current.kind else { break }
                try advance()
            }
            return operands.count == 1 ? operands[0] : .and(operands)
        }

        private mutating func enterNesting() throws(FilterError) {
            guard depth < limits.maxDepth else {
                throw fail("Filter is nested more than \(limits.maxDepth) levels deep")
            }
            depth += 1
        }

        mutating func parseUnary() throws(FilterError) -> FilterExpression {
            switch current.kind {
            case .not:
                try enterNesting()
                try advance()
                let operand = try parseUnary()
                depth -= 1
                return .not(operand)
            case .leftParen:
                try enterNesting()
                try advance()
                let inner = try parseOr()
                guard case .rightParen = current.kind else { throw fail("Expected ')', found \(currentDescription)") }
                try advance()
                depth -= 1
                return inner
            case .path(let path):
                return try parseTerm(path)
            default:
                throw fail("Expected a field path, '(' or '!', found \(currentDescription)")
            }
        }

        private mutating func parseTerm(_ path: FieldPath) throws(FilterError) -> FilterExpression {
            guard terms < limits.maxTerms else { throw fail("Filter has more than \(limits.maxTerms) terms") }
            terms += 1
            try advance()
            switch current.kind {
            case .comparison(let op):
                try advance()
                let literalToken = current
                let literal = try parseLiteral()
                if literal == .null && op != .equal && op != .notEqual {
                    throw FilterError(position: literalToken.position, message: "null can only be compared with '=' or '!='")
                }
                if let message = Filter.typingError(path, literal) {
                    throw FilterError(position: literalToken.position, message: message)
                }
                return .compare(path, op, literal)
            case .tilde:
                if let message = Filter.containsTypingError(path) { throw fail(message) }
                try advance()
                guard case .string(let needle) = current.kind else {
                    throw fail("'~' must be followed by a string, found \(currentDescription)")
                }
                try advance()
                return .contains(path, ContainsPattern(needle))
            case .path where current.word == "exists":
                try advance()
                return .exists(path)
            case .path where current.word == "in":
                try advance()
                return .oneOf(path, try parseList(for: path))
            default:
                throw fail("Expected an operator after '\(path)', found \(currentDescription)")
            }
        }

        private mutating func parseList(for path: FieldPath) throws(FilterError) -> [FilterLiteral] {
            guard case .leftBracket = current.kind else { throw fail("Expected '[' after 'in', found \(currentDescription)") }
            try advance()
            var values: [FilterLiteral] = []
            if case .rightBracket = current.kind {
                try advance()
                return values
            }
            while true {
                guard values.count < limits.maxInListCount else {
                    throw fail("'in' list has more than \(limits.maxInListCount) values")
                }
                let literalToken = current
                let literal = try parseLiteral()
                if let message = Filter.typingError(path, literal) {
                    throw FilterError(position: literalToken.position, message: message)
                }
                values.append(literal)
                switch current.kind {
                case .comma: try advance()
                case .rightBracket:
                    try advance()
                    return values
                default: throw fail("Expected ',' or ']', found \(currentDescription)")
                }
            }
        }

        private mutating func parseLiteral() throws(FilterError) -> FilterLiteral {
            let literal: FilterLiteral
            switch current.kind {
            case .string(let text): literal = .string(text)
            case .number(let number): literal = number
            case .path where current.word == "true": literal = .bool(true)
            case .path where current.word == "false": literal = .bool(false)
            case .path where current.word == "null": literal = .null
            default:
                throw fail("Expected a value (string, number, true, false or null), found \(currentDescription)")
            }
            try advance()
            return literal
        }
    }
}
