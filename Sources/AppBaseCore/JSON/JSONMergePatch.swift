import OrderedCollections

extension JSONValue {
    /// The result of applying `patch` to this value as a JSON Merge Patch (RFC 7396).
    ///
    /// An object patch merges member by member: a `null` member removes that key, any
    /// other member is merged recursively (a non-object target is first replaced by `{}`).
    /// A non-object patch (including `null`, arrays and scalars) replaces the target whole.
    /// Existing keys keep their position; new keys are appended in the patch's order.
    public func applyingMergePatch(_ patch: JSONValue) -> JSONValue {
        var result = self
        result.applyMergePatch(patch)
        return result
    }

    /// Applies `patch` to this value in place as a JSON Merge Patch (RFC 7396).
    ///
    /// Same semantics as ``applyingMergePatch(_:)``; nested objects are updated without copying
    /// when this value holds the only reference to them.
    public mutating func applyMergePatch(_ patch: JSONValue) {
        guard case .object(let patchMembers) = patch else {
            self = patch
            return
        }
        var target: OrderedDictionary<String, JSONValue>
        if case .object(let members) = self {
            target = members
            self = .null  // drop our reference so `target` is uniquely owned
        } else {
            target = [:]
        }
        for (name, value) in patchMembers {
            if case .null = value {
                target.removeValue(forKey: name)
            } else {
                target.updateValue(forKey: name, default: .null) { $0.applyMergePatch(value) }
            }
        }
        self = .object(target)
    }
}
