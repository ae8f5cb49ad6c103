import AppBaseCore
import Synchronization
import Testing
@testable import AppBaseStorage
import AppBaseTestSupport
import AppBaseRuntime

/// Quotas are on by default (issue 12 §5): 1 GiB per user, and an app quota derived from free disk
/// at start-up; `0` in the config means unlimited.
@Suite("Storage quotas: defaults")
struct DefaultQuotaTests {
    @Test func defaultsLimitUsersAndDeriveTheAppQuota() {
        let settings = StorageSettings()
        #expect(settings.userQuotaBytes == 1 << 30)
        #expect(settings.appQuotaBytes == nil)
        #expect(settings.appQuotaFreeDiskPercent == 90)
        #expect(settings.effectiveAppQuota(usage: 1000, freeBytes: 10_000) == Int64(10_000))  // usage + 90 % of free
        #expect(settings.effectiveAppQuota(usage: 0, freeBytes: .max) ?? 0 > 0)
        #expect(settings.effectiveAppQuota(usage: 5, freeBytes: nil) == nil)
    }

    @Test func zeroInTheConfigMeansUnlimited() {
        var settings = StorageSettings()
        settings.configureUserQuota(bytes: 0)
        settings.configureAppQuota(bytes: 0)
        #expect(settings.userQuotaBytes == nil)
        #expect(settings.effectiveAppQuota(usage: 0, freeBytes: 10_000) == nil)
        settings.configureUserQuota(bytes: 100)
        settings.configureAppQuota(bytes: 5000)
        #expect(settings.userQuotaBytes == 100)
        #expect(settings.effectiveAppQuota(usage: 0, freeBytes: 10_000) == 5000)
    }

    @Test func theServiceFixesTheDerivedAppQuotaAtStart() async throws {
        let app = try await StorageTestApp.start()
        let free = try #require(VolumeSpace.availableBytes(at: app.environment.storageDirectory))
        let quota = try #require(app.service.effectiveAppQuotaBytes)
        // 90 % of what was free when it started (nothing used yet); other processes share the volume,
        // so compare loosely with what is free now.
        #expect(quota > free / 2 && quota < free + free / 2)
        await app.stop()

        var unlimited = StorageSettings()
        unlimited.configureAppQuota(bytes: 0)
        let other = try await StorageTestApp.start(settings: unlimited)
        #expect(other.service.effectiveAppQuotaBytes == nil)
        await other.stop()
    }

    @Test func theDerivedAppQuotaIsEnforced() async throws {
        var settings = StorageSettings()
        settings.appQuotaFreeDiskPercent = 90
        let app = try await StorageTestApp.start(settings: settings)
        // Stand in for a nearly full volume: the derived figure is what the upload path uses.
        app.service.appQuota.store(100, ordering: .relaxed)
        #expect(try await app.upload(Array(repeating: 1, count: 100)).status == 201)
        #expect(try await app.upload([2]).errorCode == "quota_exceeded")
        await app.stop()
    }
}
