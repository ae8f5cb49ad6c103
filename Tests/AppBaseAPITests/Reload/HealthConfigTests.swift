@testable import AppBasePlatform
import Testing

/// `[health]` and `[faults]`: defaults, ranges, unknown keys.
@Suite struct HealthConfigTests {
    @Test func defaultsApplyWithoutTheSections() throws {
        let configuration = try ConfigLoader.parse("", file: "empty.toml")
        #expect(configuration.health == HealthSettings(intervalMillis: 900, timeoutMillis: 1000, failuresBeforeRestart: 2,
                                                       maxRestarts: 5, restartWindowSeconds: 60))
        #expect(configuration.faults.enabled == false)
    }

    @Test func theShippedFileStatesTheDefaults() throws {
        let configuration = try ConfigLoader.load(path: "Configuration/appbase.toml")
        #expect(configuration.health == HealthSettings())
        #expect(configuration.faults == FaultSettings(enabled: false))
    }

    @Test func valuesAreRead() throws {
        let text = """
            [health]
            interval_ms = 250
            timeout_ms = 100
            failures_before_restart = 3
            max_restarts = 2
            restart_window_seconds = 30
            [faults]
            enabled = true
            """
        let configuration = try ConfigLoader.parse(text, file: "a.toml")
        #expect(configuration.health == HealthSettings(intervalMillis: 250, timeoutMillis: 100, failuresBeforeRestart: 3,
                                                       maxRestarts: 2, restartWindowSeconds: 30))
        #expect(configuration.faults.enabled)
    }

    @Test(arguments: [
        ("[health]\ninterval_ms = 5", "health.interval_ms"),
        ("[health]\ntimeout_ms = 0", "health.timeout_ms"),
        ("[health]\nfailures_before_restart = 0", "health.failures_before_restart"),
        ("[health]\nrestart_window_seconds = 0", "health.restart_window_seconds"),
        ("[health]\nretries = 1", "health.retries"),
        ("[faults]\nenabled = \"yes\"", "faults.enabled"),
    ])
    func badValuesNameTheirKey(text: String, key: String) {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(text, file: "bad.toml") }
        do {
            _ = try ConfigLoader.parse(text, file: "bad.toml")
        } catch {
            #expect(error.key == key)
            #expect(error.file == "bad.toml")
        }
    }
}
