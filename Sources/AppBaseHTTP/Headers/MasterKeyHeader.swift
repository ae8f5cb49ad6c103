import AppBaseCore

extension HTTPRequest {
    /// The master key a control-plane request presents: `X-Master-Key: <key>`, else
    /// `Authorization: Bearer <key>` (nil when neither carries one). Used by `/api/*` and `/metrics`.
    public var presentedMasterKey: String? {
        if let key = headers["x-master-key"], !key.isEmpty { return key }
        guard let authorization = headers["authorization"] else { return nil }
        let scheme = authorization.prefix(7)
        guard scheme.count == 7, scheme.lowercased() == "bearer " else { return nil }
        let key = authorization.dropFirst(7).trimmingASCIISpaces()
        return key.isEmpty ? nil : String(key)
    }
}
