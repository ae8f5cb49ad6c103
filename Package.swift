// swift-tools-version:6.1
import PackageDescription

/// AppBase: a self-hosted Backend-as-a-Service in one binary.
///
/// Dependencies point one way: service modules → AppBaseHTTP / AppBaseSQLite → AppBaseCore.
/// A service module never imports another service module; AppBasePlatform composes them.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "AppBase",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "appbase", targets: ["appbase"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CAvahi", pkgConfig: "avahi-client", providers: [.apt(["libavahi-client-dev"])]),

        // Core: bus, events, errors, JSON, ids, time, limits. No I/O.
        .target(
            name: "AppBaseCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // SQLite: connections, statements, migrations, the single writer and readers.
        .target(
            name: "AppBaseSQLite",
            dependencies: ["AppBaseCore", "CSQLite"],
            swiftSettings: swiftSettings
        ),
        // HTTP/1.1 on libuv: loop bridge, listener, parser glue, router, responses, SSE.
        .target(
            name: "AppBaseHTTP",
            dependencies: [
                "AppBaseCore", "CLibUV", "CHTTPParser",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The contract between the platform and an app's services: environment, service protocol,
        // cross-service hooks (change recording, rule lookups, identity revalidation).
        .target(
            name: "AppBaseRuntime",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseSQLite",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Filter language: lexer → AST → SQL, in-memory evaluator, rule predicates. No I/O.
        .target(name: "AppBaseQuery", dependencies: ["AppBaseCore"], swiftSettings: swiftSettings),
        // AuthActor: users, sessions, tokens, API keys, throttling.
        .target(
            name: "AppBaseAuth",
            dependencies: [
                "AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", "AppBaseRuntime", "CSodium",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // CollectionActor: JSON records, rules, queries, indexes, batches.
        .target(
            name: "AppBaseCollections",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", "AppBaseRuntime", "AppBaseQuery"],
            swiftSettings: swiftSettings
        ),
        // ChangeFeedActor: change log, SSE subscriptions with resume.
        .target(
            name: "AppBaseChangeFeed",
            dependencies: ["AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", "AppBaseRuntime", "AppBaseQuery"],
            swiftSettings: swiftSettings
        ),
        // StorageActor: buckets, streaming uploads, versions, signed URLs.
        .target(
            name: "AppBaseStorage",
            dependencies: [
                "AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", "AppBaseRuntime", "CLibUV",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Platform: root supervisor, app subtrees, config, PortAllocator, lifecycle.
        .target(
            name: "AppBasePlatform",
            dependencies: [
                "AppBaseCore", "AppBaseHTTP", "AppBaseSQLite", "AppBaseRuntime", "AppBaseAuth",
                "AppBaseCollections", "AppBaseChangeFeed", "AppBaseStorage",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The CLI: parses arguments, builds the runtime, nothing else.
        .executableTarget(
            name: "appbase",
            dependencies: [
                "AppBasePlatform",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "AppBaseCoreTests", dependencies: ["AppBaseCore", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseSQLiteTests", dependencies: ["AppBaseSQLite", "CSQLite"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseHTTPTests", dependencies: ["AppBaseHTTP", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseQueryTests", dependencies: ["AppBaseQuery", "CSQLite", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseAuthTests", dependencies: ["AppBaseAuth", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseCollectionsTests", dependencies: ["AppBaseCollections", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseChangeFeedTests", dependencies: ["AppBaseChangeFeed", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AppBaseStorageTests", dependencies: ["AppBaseStorage", "AppBaseTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AppBaseAPITests",
            dependencies: ["AppBasePlatform", "AppBaseAuth", "AppBaseHTTP", "AppBaseCore", "AppBaseTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Shared test helpers: the raw-socket client, async signals, and the scaffolding the service
        // test targets build their apps from (scratch directories, app database, HTTP host).
        .target(
            name: "AppBaseTestSupport",
            dependencies: ["AppBaseCore", "AppBaseSQLite", "AppBaseHTTP", "AppBaseRuntime",
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/AppBaseTestSupport",
            swiftSettings: swiftSettings
        ),
    ]
)
