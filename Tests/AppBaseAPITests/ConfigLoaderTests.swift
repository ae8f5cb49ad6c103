@testable import AppBasePlatform
import AppBaseTestSupport
import Testing

/// `appbase.toml` parsing: good files load; every bad one is rejected naming file, key and problem.
@Suite struct ConfigLoaderTests {
    @Test func loadsTheShippedDefaultConfiguration() throws {
        let configuration = try ConfigLoader.load(path: "Configuration/appbase.toml")
        #expect(configuration.port == 8080)
        #expect(configuration.apps.map(\.name) == ["notes", "password-manager"])
        #expect(configuration.app(named: "notes")?.port == 3101)
        #expect(configuration.app(named: "password-manager")?.port == nil)
    }

    @Test func appliesDefaultsToAnEmptyFile() throws {
        let configuration = try ConfigLoader.parse("", file: "empty.toml")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.portRange == 3100...3999)
        #expect(configuration.apps.isEmpty)
    }

    @Test(arguments: [
        ("[server]\nprot = 1\n", "server.prot", "unknown key"),
        ("[sever]\n", "sever", "unknown key"),
        ("[server]\nport = \"80\"\n", "server.port", "must be an integer"),
        ("[server]\nport = 70000\n", "server.port", "between 0 and 65535"),
        ("[server]\nhost = \"localhost\"\n", "server.host", "IPv4 or IPv6"),
        ("[apps.Notes]\n", "apps.Notes", "app name must match"),
        ("[apps.master]\n", "apps.master", "app name must match"),
        ("[apps.-x]\n", "apps.-x", "app name must match"),
        ("[apps.a]\nport = 3101\n[apps.b]\nport = 3101\n", "apps.b.port", "already used by apps.a.port"),
        ("[server]\nport = 3101\n[apps.a]\nport = 3101\n", "apps.a.port", "already used by server.port"),
        ("[apps.a]\nport = 3101\ncolor = \"red\"\n", "apps.a.color", "unknown key"),
        ("[ports]\nfirst = 4000\nlast = 3000\n", "ports.last", "must not be below"),
        ("[limits]\nidle_timeout_ms = 0\n", "limits.idle_timeout_ms", "between"),
        ("[server]\nlog_format = \"xml\"\n", "server.log_format", "must be one of"),
        ("[mdns]\nenabled = 1\n", "mdns.enabled", "true or false"),
        ("[mdns]\ndomain = \"appbase.lan\"\n", "mdns.domain", ".local"),
        ("[mdns]\ndomain = \"App.local\"\n", "mdns.domain", "DNS label"),
        ("[mdns]\naddresses = []\n", "mdns.addresses", "1 to 16"),
        ("[mdns]\naddresses = [\"appbase.local\"]\n", "mdns.addresses", "not an IPv4 or IPv6"),
        ("[mdns]\naddresses = [\"10.0.0.1\", \"10.0.0.1\"]\n", "mdns.addresses", "twice"),
        ("[mdns]\naddresses = \"10.0.0.1\"\n", "mdns.addresses", "array of strings"),
        ("[mdns]\nname = \"x\"\n", "mdns.name", "unknown key"),
        ("[audit]\nmode = \"bus\"\n", "audit.mode", "must be one of"),
        ("[apps.a.audit]\nmode = \"later\"\n", "apps.a.audit.mode", "must be one of"),
        ("[audit]\nenabled = false\n", "audit.enabled", "unknown key"),
        ("[apps.a.audit]\nretain = 3\n", "apps.a.audit.retain", "unknown key"),
    ])
    func rejectsBadConfiguration(text: String, key: String, problem: String) {
        #expect {
            _ = try ConfigLoader.parse(text, file: "bad.toml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "bad.toml" && error.key == key && error.problem.contains(problem)
        }
    }

    @Test func reportsTOMLSyntaxErrorsWithTheirLine() {
        #expect {
            _ = try ConfigLoader.parse("[server]\nport = = 1\n", file: "syntax.toml")
        } throws: { error in
            (error as? ConfigError).map { $0.file == "syntax.toml" && $0.problem.contains("line 2") } ?? false
        }
    }

    @Test func reportsAMissingFile() {
        #expect {
            _ = try ConfigLoader.load(path: "/nonexistent/appbase.toml")
        } throws: { error in
            (error as? ConfigError).map { $0.file == "/nonexistent/appbase.toml" && $0.problem.contains("cannot read") } ?? false
        }
    }

    /// Every numeric key with its documented range (docs/CONFIGURATION.md): the table the key
    /// lives in, the key, and the smallest and largest accepted values.
    static let numericRanges: [(table: String, key: String, range: ClosedRange<Int>)] = [
        ("server", "port", 0...65_535),
        ("ports", "first", 1...65_535),
        ("ports", "last", 1...65_535),
        ("limits", "max_header_bytes", 1024...1_048_576),
        ("limits", "max_url_bytes", 256...1_048_576),
        ("limits", "max_connections", 1...1_000_000),
        ("limits", "default_body_bytes", 1...2_147_483_647),
        ("limits", "header_timeout_ms", 1...86_400_000),
        ("limits", "body_stall_timeout_ms", 1...86_400_000),
        ("limits", "idle_timeout_ms", 1...86_400_000),
        ("limits", "write_stall_timeout_ms", 1...86_400_000),
        ("limits", "shutdown_grace_ms", 1...86_400_000),
        ("auth", "hash_threads", 1...16),
        ("auth", "hash_queue", 1...100_000),
        ("auth", "hash_queue_per_app", 1...100_000),
        ("apps.a", "port", 1...65_535),
        ("apps.a.auth", "access_token_ttl", 30...86_400),
        ("apps.a.auth", "refresh_token_ttl", 30...31_536_000),
        ("apps.a.auth", "refresh_grace", 0...300),
        ("apps.a.auth", "argon2_memory_kib", 8...4_194_304),
        ("apps.a.auth", "argon2_iterations", 1...64),
        ("apps.a.auth.login_per_ip_and_email", "limit", 1...1_000_000),
        ("apps.a.auth.login_per_ip_and_email", "window", 1...604_800),
        ("apps.a.auth.login_per_ip", "limit", 1...1_000_000),
        ("apps.a.auth.login_per_ip", "window", 1...604_800),
        ("apps.a.auth.register_per_ip", "limit", 1...1_000_000),
        ("apps.a.auth.register_per_ip", "window", 1...604_800),
        ("apps.a.database", "max_body_bytes", 1024...67_108_864),
        ("apps.a.database", "max_record_bytes", 1024...67_108_864),
        ("apps.a.database", "max_depth", 1...64),
        ("apps.a.database", "default_page_size", 1...10_000),
        ("apps.a.database", "max_page_size", 1...10_000),
        ("apps.a.database", "query_budget_steps", 10_000...1_000_000_000),
        ("apps.a.database", "batch_max_operations", 1...1000),
        ("apps.a.realtime", "log_max_age_seconds", 60...31_536_000),
        ("apps.a.realtime", "log_max_events", 100...100_000_000),
        ("apps.a.realtime", "log_max_bytes", 1_048_576...1_099_511_627_776),
        ("apps.a.realtime", "heartbeat_seconds", 1...3600),
        ("apps.a.realtime", "retry_ms", 100...600_000),
        ("apps.a.realtime", "subscriber_buffer", 16...1_000_000),
        ("apps.a.realtime", "subscriber_buffer_bytes", 65_536...17_179_869_184),
        ("apps.a.realtime", "fan_out_backlog", 16...1_000_000),
        ("apps.a.realtime", "fan_out_backlog_bytes", 1_048_576...68_719_476_736),
        ("apps.a.realtime", "max_streams_per_user", 1...100_000),
        ("apps.a.realtime", "max_streams_per_ip", 1...1_000_000),
        ("apps.a.storage", "app_quota_bytes", 0...1_125_899_906_842_624),
        ("apps.a.storage", "app_quota_free_disk_percent", 0...100),
        ("apps.a.storage", "user_quota_bytes", 0...1_125_899_906_842_624),
        ("apps.a.storage", "signed_url_default_seconds", 1...31_536_000),
        ("apps.a.storage", "signed_url_max_seconds", 1...31_536_000),
        ("apps.a.storage", "default_max_file_bytes", 0...1_099_511_627_776),
        ("apps.a.storage", "default_versions_kept", 1...1000),
        ("apps.a.storage", "io_threads", 1...32),
        ("apps.a.storage", "max_concurrent_uploads", 1...10_000),
        ("apps.a.storage", "max_concurrent_uploads_per_user", 1...10_000),
        ("audit", "retain_days", 0...36_500),
        ("audit", "prune_interval_seconds", 60...604_800),
        ("apps.a.audit", "retain_days", 0...36_500),
        ("apps.a.audit", "prune_interval_seconds", 60...604_800),
    ]

    /// One below the range and one above it are each refused, and the message (as the CLI
    /// prints it) names the file, the full key and the range.
    @Test(arguments: numericRanges.indices)
    func refusesNumbersOutsideTheirRange(index: Int) {
        let (table, key, range) = Self.numericRanges[index]
        let expected = "range.toml: \(table).\(key): must be between \(range.lowerBound) and \(range.upperBound)"
        for value in [range.lowerBound - 1, range.upperBound + 1] {
            #expect {
                _ = try ConfigLoader.parse("[\(table)]\n\(key) = \(value)\n", file: "range.toml")
            } throws: { error in
                String(describing: error).hasPrefix(expected + ", got \(value)")
            }
        }
    }

    /// `Int64.max` (which trapped the server at start-up as a file size) and `Int64.min` are
    /// refused with the range for every numeric key.
    @Test(arguments: numericRanges.indices)
    func refusesTheExtremesOfSixtyFourBits(index: Int) {
        let (table, key, range) = Self.numericRanges[index]
        for value in ["9223372036854775807", "-9223372036854775808"] {
            #expect {
                _ = try ConfigLoader.parse("[\(table)]\n\(key) = \(value)\n", file: "range.toml")
            } throws: { error in
                (error as? ConfigError).map {
                    $0.key == "\(table).\(key)" && $0.problem.contains("between \(range.lowerBound) and \(range.upperBound)")
                } ?? false
            }
        }
    }

    @Test func refusesTheFileSizeThatTrappedTheServer() {
        let text = "[apps.notes.storage]\ndefault_max_file_bytes = 9223372036854775807\n"
        #expect {
            _ = try ConfigLoader.parse(text, file: "appbase.toml")
        } throws: { error in
            String(describing: error) == "appbase.toml: apps.notes.storage.default_max_file_bytes: must be between 0 and "
                + "1099511627776, got 9223372036854775807"
        }
    }

    /// The largest accepted storage sizes start an app: the range stops short of the overflow.
    @Test func theLargestAcceptedSizesStartAServer() async throws {
        let text = """
            [apps.a.storage]
            default_max_file_bytes = 1099511627776
            app_quota_bytes = 1125899906842624
            user_quota_bytes = 1125899906842624
            """
        let parsed = try ConfigLoader.parse(text, file: "largest.toml")
        var configuration = LiveServer.configuration(apps: ["a"])
        configuration.apps[0].services.storage = try #require(parsed.app(named: "a")).services.storage
        let directory = try TemporaryDirectory.make(prefix: "appbase-config")
        defer { TemporaryDirectory.remove(directory) }
        let root = RootSupervisor(configuration: configuration, dataDirectory: directory, logger: LiveServer.silentLogger)
        let ports = try await root.start()
        #expect(ports.apps["a"] != nil)
        await root.shutdown()
    }

    /// docs/CONFIGURATION.md documents each range exactly as the loader enforces it: some row
    /// names the key and its range as `lower … upper`.
    @Test func theDocumentationListsEachRange() throws {
        let text = try #require(ConfigLoader.readFile("docs/CONFIGURATION.md"))
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("|") }
        for (table, key, range) in Self.numericRanges {
            // Per-app rows name the key alone (`key`), server-wide ones with their table (`[limits] key`).
            let documented = rows.contains { row in
                (row.contains("`\(key)`") || row.contains(" \(key)`")) && row.contains("\(range.lowerBound) … \(range.upperBound)")
            }
            #expect(documented, "docs/CONFIGURATION.md has no row for \(table).\(key) with \(range.lowerBound) … \(range.upperBound)")
        }
    }
}
