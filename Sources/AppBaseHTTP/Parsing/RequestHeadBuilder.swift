import AppBaseCore

/// Collects one request head from http_parser's callbacks: the target's bytes and the header
/// fields, within the size limits. Parser scratch: its buffers keep their capacity from one
/// request to the next on a keep-alive connection.
struct RequestHeadBuilder {
    /// Why the head was refused, once it was.
    enum Failure {
        case headerTooLarge, uriTooLong, malformed(String), versionNotSupported, unsupportedTransferCoding(String)
    }

    private(set) var urlBytes: [UInt8] = []
    private(set) var fields: [HTTPField] = []
    private var fieldBuffer: [UInt8] = []
    private var valueBuffer: [UInt8] = []
    private var lastCallbackWasValue = false
    private var headBytes = 0
    /// Set when a callback refused the head; the parser then stops with an error.
    var failure: Failure?

    /// Starts the next head.
    mutating func reset() {
        urlBytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
        fieldBuffer.removeAll(keepingCapacity: true)
        valueBuffer.removeAll(keepingCapacity: true)
        lastCallbackWasValue = false
        headBytes = 0
        failure = nil
    }

    /// Appends part of the request target. Returns false (with `failure` set) past a limit.
    mutating func appendURL(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) -> Bool {
        headBytes += bytes.count
        guard urlBytes.count + bytes.count <= limits.maxURLBytes else { return fail(.uriTooLong) }
        guard headBytes <= limits.maxHeaderBytes else { return fail(.headerTooLarge) }
        urlBytes.append(contentsOf: bytes)
        return true
    }

    /// Appends part of a header name. Returns false (with `failure` set) past the limit or for
    /// a byte that is not a token character.
    mutating func appendFieldName(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) -> Bool {
        if lastCallbackWasValue { commitField() }
        lastCallbackWasValue = false
        headBytes += bytes.count
        guard headBytes <= limits.maxHeaderBytes else { return fail(.headerTooLarge) }
        // http_parser (non-strict build) lets spaces into field names; RFC 9112 §5.1 requires
        // 400 for whitespace before the colon (`Transfer-Encoding : chunked` is a smuggling vector).
        guard bytes.allSatisfy(HTTPToken.isTokenByte) else {
            return fail(.malformed("Malformed HTTP request: invalid character in a header name."))
        }
        fieldBuffer.append(contentsOf: bytes)
        return true
    }

    /// Appends part of a header value. Returns false (with `failure` set) past the limit.
    mutating func appendFieldValue(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) -> Bool {
        lastCallbackWasValue = true
        headBytes += bytes.count
        guard headBytes <= limits.maxHeaderBytes else { return fail(.headerTooLarge) }
        valueBuffer.append(contentsOf: bytes)
        return true
    }

    /// Ends the field list (at the end of the head).
    mutating func finishFields() {
        if lastCallbackWasValue { commitField() }
        lastCallbackWasValue = false
    }

    private mutating func fail(_ failure: Failure) -> Bool {
        self.failure = failure
        return false
    }

    /// Stores the current field: the name lowercased, the value without optional whitespace on
    /// either side (RFC 9110 §5.5), so `X-API-Key: k ` and `X-API-Key:  k` both read `k`.
    private mutating func commitField() {
        guard !fieldBuffer.isEmpty else { return }
        for index in fieldBuffer.indices where (65...90).contains(fieldBuffer[index]) { fieldBuffer[index] |= 0x20 }
        let name = String(decoding: fieldBuffer, as: UTF8.self)
        var start = valueBuffer.startIndex
        var end = valueBuffer.endIndex
        while start < end, valueBuffer[start] == 0x20 || valueBuffer[start] == 0x09 { start += 1 }
        while end > start, valueBuffer[end - 1] == 0x20 || valueBuffer[end - 1] == 0x09 { end -= 1 }
        let value = String(decoding: valueBuffer[start..<end], as: UTF8.self)
        fields.append(HTTPField(name: name, value: value))
        fieldBuffer.removeAll(keepingCapacity: true)
        valueBuffer.removeAll(keepingCapacity: true)
    }
}
