import AppBaseCore
import Testing

/// `ASCII.appendDecimal`: the one decimal writer of response heads, access-log lines and record JSON.
@Suite struct ASCIIDecimalTests {
    @Test(arguments: [0, 1, 9, 10, 99, 100, 1_000_000, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] as [UInt64])
    func appendsTheDigitsAfterWhatIsThere(_ value: UInt64) {
        var out = Array("n=".utf8)
        ASCII.appendDecimal(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "n=" + String(value))
        #expect(ASCII.decimalDigitCount(value) == String(value).count)
    }
}
