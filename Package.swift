// swift-tools-version:6.1
import PackageDescription

/// AppBase: a self-hosted Backend-as-a-Service in one binary.
///
/// Dependencies point one way: service modules → AppBaseHTTP / AppBaseSQLite → AppBaseCore.
/// A service module never imports another service module; AppBasePlatform composes them.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "AppBase",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .executable(name: "appbase", targets: ["appbase"]),
        .library(name: "AppBaseClient", targets: ["AppBaseClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        // No pkgConfig: avahi-client.pc adds -D_REENTRANT, which SwiftPM refuses with a warning on
        // every build; the headers are in /usr/include and the module map names the libraries.
        .systemLibrary(name: "CAvahi", providers: [.apt(["libavahi-client-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // renameat2(2), which glibc declares only under _GNU_SOURCE (the restore's atomic swap).
        .systemLibrary(name: "CRenameAt"),
        // adjtimex(2), which Swift's Glibc module leaves out (appbase doctor's clock check).
        .systemLibrary(name: "CTimex"),
        // OpenSSL 3 (Debian's libssl-dev): the TLS record layer and handshakes, nothing else (ADR 0031).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // Core: bus, events, errors, JSON, ids, time, limits. No I/O.
        .target(
            name: "AppBaseCore",
            dependencies: [.product(name: "DequeModule", package: "swift-collections"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // SQLite: connections, statements, migrations, the single writer and readers.
        .target(
            name: "AppBaseSQLite",
            dependencies: ["AppBaseCore", "CSQLite", .product(name: "DequeModule", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // HTTP/1.1 on libuv: loop bridge, listener, parser glue, router, responses, SSE.
        .target(
            name: "AppBaseHTTP",
            dependencies: ["AppBaseCore", "CHTTPParser", "CLibUV", .product(name: "DequeModule", package: "swift-collections"), .product(name: "Logging", package: "swift-log")],
            // Release builds skip the dynamic exclusivity checks of the loop's class properties
            // (ADR 0026): every request paid for them; debug builds and tests keep them on.
            swiftSettings: swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // The contract between the platform and an app's services: environment, service protocol,
        // cross-service hooks (change recording, rule lookups, identity revalidation).
        .target(
            name: "AppBaseRuntime",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Filter language: lexer → AST → SQL, in-memory evaluator, rule predicates. No I/O.
        .target(name: "AppBaseQuery", dependencies: ["AppBaseCore", .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        // AuthActor: users, sessions, tokens, API keys, throttling.
        .target(
            name: "AppBaseAuth",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "CSodium", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // CollectionActor: JSON records, rules, queries, indexes, batches.
        .target(
            name: "AppBaseCollections",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseQuery", "AppBaseRuntime", "AppBaseSQLite", .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // ChangeFeedActor: change log, SSE subscriptions with resume.
        .target(
            name: "AppBaseChangeFeed",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseQuery", "AppBaseRuntime", "AppBaseSQLite", .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // StorageActor: buckets, streaming uploads, versions, signed URLs.
        .target(
            name: "AppBaseStorage",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // The audit log: hash-chained entries appended in the services' writer transactions,
        // retention with checkpoints, verification, `/admin/audit-log…`.
        .target(
            name: "AppBaseAudit",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // Durable job queues (one per app, one for the master): kinds, retries with backoff,
        // periodic jobs, `/admin/jobs`. Services never import it; the platform registers their maintenance.
        .target(
            name: "AppBaseJobs",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        // Metrics: a bus subscriber that feeds swift-metrics / Prometheus, and `GET /metrics`.
        .target(
            name: "AppBaseMetrics",
            dependencies: ["AppBaseCore", "AppBaseHTTP", .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        // MDNSAnnouncer: publishes appbase.local and each running app's names and services through
        // avahi-client, driven by lifecycle events on the bus.
        .target(
            name: "AppBaseMDNS",
            dependencies: ["AppBaseCore", "CAvahi", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The web pages' assets (HTML, CSS, ES modules), embedded into the binary at build time by
        // the EmbedWebAssets plugin, and the routes that serve them with strong ETags and a strict CSP.
        .target(
            name: "AppBaseWeb",
            dependencies: ["AppBaseCore", "AppBaseHTTP"],
            exclude: ["Assets"],
            swiftSettings: swiftSettings,
            plugins: ["EmbedWebAssets"]
        ),
        // TLS on the LAN: the local CA and leaf certificates (swift-certificates), the SNI store with
        // renewal, and the OpenSSL memory-BIO session that sits under AppBaseHTTP's connection seam.
        .target(
            name: "AppBaseTLS",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "COpenSSL", .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Build-tool plugin: runs embed-web-assets over a target's `Assets/` folder.
        .plugin(name: "EmbedWebAssets", capability: .buildTool(), dependencies: ["embed-web-assets"]),
        // The plugin's tool: plain Swift, no dependencies (it is built for the host before everything else).
        .executableTarget(name: "embed-web-assets", swiftSettings: swiftSettings),
        // Platform: root supervisor, app subtrees, config, PortAllocator, lifecycle.
        .target(
            name: "AppBasePlatform",
            dependencies: ["AppBaseAudit", "AppBaseAuth", "AppBaseChangeFeed", "AppBaseCollections", "AppBaseCore", "AppBaseHTTP", "AppBaseJobs", "AppBaseMDNS", "AppBaseMetrics", "AppBaseRuntime", "AppBaseSQLite", "AppBaseStorage", "AppBaseTLS", "AppBaseWeb", "CRenameAt", "CZlib", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        // Operations on a LAN box: `appbase install` (binary, configuration, systemd unit, service
        // user, data directory) and `appbase doctor` (what a deployment needs, checked). Above the
        // platform: only the CLI imports it.
        .target(
            name: "AppBaseOps",
            dependencies: ["AppBaseCore", "AppBaseMDNS", "AppBasePlatform", "AppBaseTLS", "CTimex", .product(name: "OrderedCollections", package: "swift-collections"), .product(name: "SwiftASN1", package: "swift-asn1"), .product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),
        // The CLI: parses arguments, builds the runtime, nothing else.
        .executableTarget(
            name: "appbase",
            dependencies: ["AppBaseAudit", "AppBaseCore", "AppBaseOps", "AppBasePlatform", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "UnixSignals", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "AppBaseCoreTests", dependencies: ["AppBaseCore", "AppBaseTestSupport", .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseWebTests", dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseTestSupport", "AppBaseWeb", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseTLSTests", dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseTLS", "AppBaseTestSupport", "COpenSSL", .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"), .product(name: "SwiftASN1", package: "swift-asn1")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseMDNSTests", dependencies: ["AppBaseCore", "AppBaseMDNS"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseSQLiteTests", dependencies: ["AppBaseCore", "AppBaseSQLite", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseHTTPTests", dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseTestSupport", "CLibUV", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseQueryTests", dependencies: ["AppBaseCore", "AppBaseQuery", "AppBaseTestSupport", "CSQLite", .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseAuthTests", dependencies: ["AppBaseAuth", "AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTestSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseCollectionsTests", dependencies: ["AppBaseCollections", "AppBaseCore", "AppBaseHTTP", "AppBaseQuery", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseChangeFeedTests", dependencies: ["AppBaseChangeFeed", "AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseStorageTests", dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "AppBaseStorage", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseAuditTests", dependencies: ["AppBaseAudit", "AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseJobsTests", dependencies: ["AppBaseCore", "AppBaseJobs", "AppBaseSQLite", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseMetricsTests", dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseMetrics", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(
            name: "AppBaseAPITests",
            dependencies: ["AppBaseAudit", "AppBaseAuth", "AppBaseCore", "AppBaseHTTP", "AppBaseJobs", "AppBaseMDNS", "AppBasePlatform", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTLS", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log"), .product(name: "OrderedCollections", package: "swift-collections")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AppBaseOpsTests", dependencies: ["AppBaseCore", "AppBaseMDNS", "AppBaseOps", "AppBasePlatform", "AppBaseTLS", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        // Shared test helpers: the raw-socket client, async signals, and the scaffolding the service
        // test targets build their apps from (scratch directories, app database, HTTP host).
        .target(
            name: "AppBaseTestSupport",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseRuntime", "AppBaseSQLite", "AppBaseTLS", "COpenSSL", .product(name: "Logging", package: "swift-log")],
            path: "Tests/AppBaseTestSupport",
            swiftSettings: swiftSettings
        ),
        // The Swift SDK: Foundation only (FoundationNetworking on Linux), none of the server's modules (ADR 0035).
        .target(name: "AppBaseClient", swiftSettings: swiftSettings),
        .testTarget(
            name: "AppBaseClientTests",
            dependencies: ["AppBaseAuth", "AppBaseChangeFeed", "AppBaseClient", "AppBaseCore", "AppBasePlatform", "AppBaseTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
    ]
)
