import AppBasePlatform
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
}
