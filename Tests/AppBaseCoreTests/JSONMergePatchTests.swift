import Testing

@testable import AppBaseCore

/// One merge-patch example: original, patch and expected result, as JSON text.
struct JSONMergePatchCase: Sendable, CustomTestStringConvertible {
    let original: String
    let patch: String
    let result: String
    init(_ original: String, _ patch: String, _ result: String) {
        self.original = original
        self.patch = patch
        self.result = result
    }
    var testDescription: String { "\(original) + \(patch)" }
}

@Suite("JSONMergePatch")
struct JSONMergePatchTests {
    /// RFC 7396, Appendix A, every row.
    static let appendixA: [JSONMergePatchCase] = [
        JSONMergePatchCase(#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        JSONMergePatchCase(#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        JSONMergePatchCase(#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        JSONMergePatchCase(#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        JSONMergePatchCase(#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        JSONMergePatchCase(#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        JSONMergePatchCase(#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        JSONMergePatchCase(#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        JSONMergePatchCase(#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        JSONMergePatchCase(#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        JSONMergePatchCase(#"{"a":"foo"}"#, #"null"#, #"null"#),
        JSONMergePatchCase(#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        JSONMergePatchCase(#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        JSONMergePatchCase(#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        JSONMergePatchCase(#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        // Section 3's worked example.
        JSONMergePatchCase(
            #"{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"}"#,
            #"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#,
            #"{"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged","phoneNumber":"+01-123-456-7890"}"#
        ),
    ]

    @Test(arguments: appendixA)
    func rfc7396(_ example: JSONMergePatchCase) throws {
        let original = try JSONParser.parse(example.original)
        let patch = try JSONParser.parse(example.patch)
        let expected = try JSONParser.parse(example.result)
        let result = original.applyingMergePatch(patch)
        #expect(result == expected)
        // Exact text, so member order is checked too.
        #expect(result.jsonText == example.result)

        var inPlace = original
        inPlace.applyMergePatch(patch)
        #expect(inPlace == expected)
    }

    @Test func originalIsUnchanged() throws {
        let original: JSONValue = ["a": ["b": 1, "c": 2], "d": 3]
        let copy = original
        let result = original.applyingMergePatch(["a": ["b": nil], "d": nil])
        #expect(original == copy)
        #expect(result == ["a": ["c": 2]])
    }

    @Test func sharedNestedValuesAreNotMutated() {
        let nested: JSONValue = ["x": 1]
        var first: JSONValue = ["n": nested]
        let second = first
        first.applyMergePatch(["n": ["x": 2, "y": 3]])
        #expect(first == ["n": ["x": 2, "y": 3]])
        #expect(second == ["n": ["x": 1]])
        #expect(nested == ["x": 1])
    }

    @Test func deletingMissingKeyIsNoOp() {
        let original: JSONValue = ["a": 1]
        #expect(original.applyingMergePatch(["zzz": nil]) == ["a": 1])
    }

    @Test func emptyPatchIsIdentityForObjectsAndCoercesOthers() {
        let object: JSONValue = ["a": [1, 2]]
        #expect(object.applyingMergePatch([:]) == object)
        #expect(JSONValue.int(5).applyingMergePatch([:]) == [:])
        #expect(JSONValue.null.applyingMergePatch(["a": nil, "b": 1]) == ["b": 1])
    }

    @Test func existingKeysKeepTheirPosition() {
        let original: JSONValue = ["a": 1, "b": 2, "c": 3]
        let result = original.applyingMergePatch(["d": 4, "b": 20, "a": nil])
        #expect(result.jsonText == #"{"b":20,"c":3,"d":4}"#)
    }
}
