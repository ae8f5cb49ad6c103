import AppBaseAudit
import AppBaseAuth
import AppBaseChangeFeed
import AppBaseCollections
import AppBaseJobs
import AppBaseStorage

/// Reads `[apps.<name>.auth]`, `.database`, `.realtime` and `.storage` into each service's
/// settings. Every key is optional; docs/CONFIGURATION.md lists them with their defaults.
enum ServiceSettingsLoader {
    static func parse(_ app: inout ConfigTable, auditDefaults: AuditSettings = AuditSettings()) throws(ConfigError) -> AppServiceSettings {
        var settings = AppServiceSettings()
        var auth = try app.table("auth")
        settings.auth = try parseAuth(&auth)
        try auth.rejectUnknownKeys()
        var database = try app.table("database")
        settings.collections = try parseDatabase(&database)
        try database.rejectUnknownKeys()
        var realtime = try app.table("realtime")
        settings.changeFeed = try parseRealtime(&realtime)
        try realtime.rejectUnknownKeys()
        var storage = try app.table("storage")
        settings.storage = try parseStorage(&storage)
        try storage.rejectUnknownKeys()
        var jobs = try app.table("jobs")
        settings.jobs = try parseJobs(&jobs)
        try jobs.rejectUnknownKeys()
        var audit = try app.table("audit")
        settings.audit = try AuditSettingsLoader.parse(&audit, defaults: auditDefaults)
        return settings
    }

    /// `[apps.<name>.jobs]`: the app's job queue.
    private static func parseJobs(_ table: inout ConfigTable) throws(ConfigError) -> JobSettings {
        var jobs = JobSettings()
        jobs.concurrency = try table.int("concurrency", default: jobs.concurrency, range: JobSettings.concurrencyRange)
        let keep = Int(JobSettings.keepRange.lowerBound)...Int(JobSettings.keepRange.upperBound)
        jobs.keepDoneSeconds = Int64(try table.int("keep_done_s", default: Int(jobs.keepDoneSeconds), range: keep))
        jobs.keepFailedSeconds = Int64(try table.int("keep_failed_s", default: Int(jobs.keepFailedSeconds), range: keep))
        jobs.testInterruptJob = try table.bool("test_interrupt_job", default: false) ?? false
        return jobs
    }

    private static let day = 86_400
    /// The largest file size a setting may name: 1 TiB, far above any file a LAN service
    /// stores and far enough below `Int64.max` that the sizes added to it (a form's framing,
    /// the upload body limit) cannot overflow — `Int64.max` itself trapped at start-up.
    private static let maxFileBytes = 1 << 40
    /// The largest quota: 1 PiB, likewise with room for the usage it is compared against.
    private static let maxQuotaBytes = 1 << 50

    private static func parseAuth(_ table: inout ConfigTable) throws(ConfigError) -> AuthSettings {
        var auth = AuthSettings()
        auth.registration = try table.choice("registration", ["open", "closed"], default: "open") == "closed" ? .closed : .open
        auth.accessTokenTTLSeconds = Int64(try table.int("access_token_ttl", default: Int(auth.accessTokenTTLSeconds), range: 30...day))
        auth.refreshTokenTTLSeconds = Int64(try table.int("refresh_token_ttl", default: Int(auth.refreshTokenTTLSeconds), range: 30...(365 * day)))
        auth.refreshGraceSeconds = Int64(try table.int("refresh_grace", default: Int(auth.refreshGraceSeconds), range: 0...300))
        auth.argon2MemoryKiB = try table.int("argon2_memory_kib", default: auth.argon2MemoryKiB, range: 8...4_194_304)
        auth.argon2Iterations = try table.int("argon2_iterations", default: auth.argon2Iterations, range: 1...64)
        auth.loginPerIPAndEmail = try rateLimit(&table, "login_per_ip_and_email", auth.loginPerIPAndEmail)
        auth.loginPerIP = try rateLimit(&table, "login_per_ip", auth.loginPerIP)
        auth.registerPerIP = try rateLimit(&table, "register_per_ip", auth.registerPerIP)
        auth.trustedProxies = try table.strings("trusted_proxies", default: []) ?? []
        do {
            try auth.validate()
        } catch {
            throw table.error(error.field, error.problem)
        }
        return auth
    }

    private static func rateLimit(_ table: inout ConfigTable, _ key: String, _ current: RateLimit) throws(ConfigError) -> RateLimit {
        var limit = try table.table(key)
        let value = RateLimit(limit: try limit.int("limit", default: current.limit, range: 1...1_000_000),
                              windowSeconds: try limit.int("window", default: current.windowSeconds, range: 1...(7 * day)))
        try limit.rejectUnknownKeys()
        return value
    }

    private static func parseDatabase(_ table: inout ConfigTable) throws(ConfigError) -> CollectionSettings {
        var database = CollectionSettings()
        database.implicitCollections = try table.bool("implicit_collections", default: true) ?? true
        database.maxBodyBytes = try table.int("max_body_bytes", default: database.maxBodyBytes, range: 1024...(64 << 20))
        database.maxRecordBytes = try table.int("max_record_bytes", default: database.maxRecordBytes, range: 1024...(64 << 20))
        database.maxDepth = try table.int("max_depth", default: database.maxDepth, range: 1...64)
        database.defaultPageSize = try table.int("default_page_size", default: database.defaultPageSize, range: 1...10_000)
        database.maxPageSize = try table.int("max_page_size", default: database.maxPageSize, range: 1...10_000)
        database.queryBudgetSteps = try table.int("query_budget_steps", default: database.queryBudgetSteps, range: 10_000...1_000_000_000)
        database.batchMaxOperations = try table.int("batch_max_operations", default: database.batchMaxOperations, range: 1...1000)
        guard database.defaultPageSize <= database.maxPageSize else {
            throw table.error("default_page_size", "must not exceed max_page_size (\(database.maxPageSize))")
        }
        return database
    }

    private static func parseRealtime(_ table: inout ConfigTable) throws(ConfigError) -> ChangeFeedSettings {
        var feed = ChangeFeedSettings()
        feed.maxAgeSeconds = Int64(try table.int("log_max_age_seconds", default: Int(feed.maxAgeSeconds), range: 60...(365 * day)))
        feed.maxEvents = try table.int("log_max_events", default: feed.maxEvents, range: 100...100_000_000)
        feed.maxBytes = Int64(try table.int("log_max_bytes", default: Int(feed.maxBytes), range: 1 << 20...(1 << 40)))
        feed.heartbeatSeconds = try table.int("heartbeat_seconds", default: feed.heartbeatSeconds, range: 1...3600)
        feed.retryMilliseconds = try table.int("retry_ms", default: feed.retryMilliseconds, range: 100...600_000)
        feed.subscriberBuffer = try table.int("subscriber_buffer", default: feed.subscriberBuffer, range: 16...1_000_000)
        feed.subscriberBufferBytes = try table.int("subscriber_buffer_bytes", default: feed.subscriberBufferBytes,
                                                   range: 64 << 10...(1 << 34))
        feed.fanOutBacklog = try table.int("fan_out_backlog", default: feed.fanOutBacklog, range: 16...1_000_000)
        feed.fanOutBacklogBytes = try table.int("fan_out_backlog_bytes", default: feed.fanOutBacklogBytes,
                                                range: 1 << 20...(1 << 36))
        feed.maxStreamsPerUser = try table.int("max_streams_per_user", default: feed.maxStreamsPerUser, range: 1...100_000)
        feed.maxStreamsPerIP = try table.int("max_streams_per_ip", default: feed.maxStreamsPerIP, range: 1...1_000_000)
        return feed
    }

    private static func parseStorage(_ table: inout ConfigTable) throws(ConfigError) -> StorageSettings {
        var storage = StorageSettings()
        if let bytes = try table.int("app_quota_bytes", range: 0...maxQuotaBytes) { storage.configureAppQuota(bytes: Int64(bytes)) }
        storage.appQuotaFreeDiskPercent = try table.int("app_quota_free_disk_percent", default: storage.appQuotaFreeDiskPercent,
                                                        range: 0...100)
        if let bytes = try table.int("user_quota_bytes", range: 0...maxQuotaBytes) { storage.configureUserQuota(bytes: Int64(bytes)) }
        storage.signedURLDefaultSeconds = Int64(try table.int("signed_url_default_seconds", default: Int(storage.signedURLDefaultSeconds), range: 1...(365 * day)))
        storage.signedURLMaxSeconds = Int64(try table.int("signed_url_max_seconds", default: Int(storage.signedURLMaxSeconds), range: 1...(365 * day)))
        storage.defaultMaxFileBytes = Int64(try table.int("default_max_file_bytes", default: Int(storage.defaultMaxFileBytes), range: 0...maxFileBytes))
        storage.defaultVersionsKept = try table.int("default_versions_kept", default: storage.defaultVersionsKept, range: 1...1000)
        storage.ioThreads = try table.int("io_threads", default: storage.ioThreads, range: 1...32)
        storage.maxConcurrentUploads = try table.int("max_concurrent_uploads", default: storage.maxConcurrentUploads, range: 1...10_000)
        storage.maxConcurrentUploadsPerUser = try table.int("max_concurrent_uploads_per_user",
                                                            default: storage.maxConcurrentUploadsPerUser, range: 1...10_000)
        guard storage.signedURLDefaultSeconds <= storage.signedURLMaxSeconds else {
            throw table.error("signed_url_default_seconds", "must not exceed signed_url_max_seconds")
        }
        return storage
    }
}
