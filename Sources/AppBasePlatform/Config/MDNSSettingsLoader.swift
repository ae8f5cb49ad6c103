import AppBaseMDNS

/// Reads `[mdns]` (`enabled`, `domain`, `addresses`) into `MDNSSettings`; every key is
/// optional, docs/CONFIGURATION.md lists them with their defaults.
enum MDNSSettingsLoader {
    static func parse(_ root: inout ConfigTable) throws(ConfigError) -> MDNSSettings {
        var table = try root.table("mdns")
        var settings = MDNSSettings()
        settings.enabled = try table.bool("enabled", default: settings.enabled) ?? settings.enabled
        settings.domain = try table.string("domain", default: settings.domain) ?? settings.domain
        if let problem = MDNSSettings.problem(withDomain: settings.domain) { throw table.error("domain", problem) }
        if let addresses = try table.strings("addresses") {
            guard (1...MDNSSettings.maxAddresses).contains(addresses.count) else {
                throw table.error("addresses", "must list 1 to \(MDNSSettings.maxAddresses) addresses (leave it out for the interfaces' own)")
            }
            for address in addresses where !ConfigLoader.isIPAddress(address) {
                throw table.error("addresses", "\"\(address)\" is not an IPv4 or IPv6 address")
            }
            guard Set(addresses).count == addresses.count else { throw table.error("addresses", "lists an address twice") }
            settings.addresses = addresses
        }
        try table.rejectUnknownKeys()
        return settings
    }
}
