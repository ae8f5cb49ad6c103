import AppBaseTLS

/// Reads `[tls]` (and `[tls.apps.<name>]`) into `TLSSettings`; docs/CONFIGURATION.md lists the
/// keys with their defaults. A file without `enabled` keeps TLS off, so an existing install
/// behaves as before an upgrade; the shipped `appbase.toml` turns it on.
enum TLSSettingsLoader {
    static func parse(_ root: inout ConfigTable) throws(ConfigError) -> TLSSettings {
        var table = try root.table("tls")
        var settings = TLSSettings()
        settings.enabled = try table.bool("enabled", default: false) ?? false
        let plain = try table.choice("plain", TLSSettings.PlainPolicy.allCases.map(\.rawValue), default: "redirect")
        settings.plain = TLSSettings.PlainPolicy(rawValue: plain) ?? .redirect
        settings.caCertificatePath = try table.string("ca_cert")
        settings.caKeyPath = try table.string("ca_key")
        guard (settings.caCertificatePath == nil) == (settings.caKeyPath == nil) else {
            throw table.error(settings.caCertificatePath == nil ? "ca_cert" : "ca_key", "ca_cert and ca_key go together")
        }
        // 397 days: the longest validity browsers accept for a server certificate.
        settings.leafDays = try table.int("leaf_days", default: 90, range: 1...397)
        let extra = try table.strings("extra_names", default: []) ?? []
        for name in extra where !ConfigLoader.isIPAddress(name) && !isDNSName(name) {
            throw table.error("extra_names", "\"\(name)\" is neither a DNS name nor an IP address")
        }
        settings.extraNames = extra
        var apps = try table.table("apps")
        for name in apps.keys {
            var app = try apps.table(name)
            guard let certificate = try app.string("cert"), let key = try app.string("key") else {
                throw app.error("", "needs both cert and key (PEM files)")
            }
            try app.rejectUnknownKeys()
            settings.appCertificates[name] = TLSSettings.CertificateFiles(certificate: certificate, key: key)
        }
        try table.rejectUnknownKeys()
        return settings
    }

    /// Letters, digits, hyphens and dots, labels of 1–63 bytes, at most 253 bytes in all.
    static func isDNSName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return name.utf8.count <= 253 && !labels.isEmpty && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.utf8.allSatisfy { byte in
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            }
        }
    }
}
