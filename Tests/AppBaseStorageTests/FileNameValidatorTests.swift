import Testing

@testable import AppBaseStorage

@Suite("FileNameValidator")
struct FileNameValidatorTests {
    @Test func acceptsAndTrims() throws {
        #expect(try FileNameValidator.validate("report.pdf") == "report.pdf")
        #expect(try FileNameValidator.validate("  a b.txt \u{3000}") == "a b.txt")
        #expect(try FileNameValidator.validate("naïve 😀 日本語.txt") == "naïve 😀 日本語.txt")
        #expect(try FileNameValidator.validate("../x") == "../x")  // stored only, never a path
        let maximal = String(repeating: "é", count: 127) + "a"  // 255 bytes
        #expect(try FileNameValidator.validate(maximal) == maximal)
        #expect(try FileNameValidator.validate(utf8: Array("ok.txt".utf8)) == "ok.txt")
    }

    @Test func rejects() {
        #expect(throws: FileNameValidator.ValidationError.empty) { try FileNameValidator.validate("") }
        #expect(throws: FileNameValidator.ValidationError.empty) { try FileNameValidator.validate(" \u{A0} ") }
        #expect(throws: FileNameValidator.ValidationError.tooLong(bytes: 256, limit: 255)) {
            try FileNameValidator.validate(String(repeating: "é", count: 128))
        }
        let controls: [(String, UInt32)] = [
            ("a\u{0}b", 0), ("a\nb", 0x0A), ("a\rb", 0x0D), ("tab\t.txt", 0x09), ("a.txt\n", 0x0A),
            ("del\u{7F}", 0x7F), ("c1\u{85}", 0x85), ("invoice\u{202E}fdp.exe", 0x202E), ("x\u{2066}y", 0x2066),
        ]
        for (name, value) in controls {
            #expect(throws: FileNameValidator.ValidationError.controlCharacter(value)) { try FileNameValidator.validate(name) }
        }
        #expect(throws: FileNameValidator.ValidationError.invalidUTF8) {
            try FileNameValidator.validate(utf8: [0x61, 0xFF, 0x62])
        }
        #expect(throws: FileNameValidator.ValidationError.invalidUTF8) {
            try FileNameValidator.validate(utf8: [0xED, 0xA0, 0x80])  // an encoded surrogate
        }
    }

    @Test func messages() {
        #expect(FileNameValidator.ValidationError.controlCharacter(0).message == "File name contains a control character (U+0000).")
        #expect(FileNameValidator.ValidationError.tooLong(bytes: 300, limit: 255).description.contains("300"))
    }
}
