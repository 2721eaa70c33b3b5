// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "imarket",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "imarket", targets: ["imarket"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // System libraries: OpenSSL 3 and libpq come from Debian (libssl-dev, libpq-dev).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // Functions for the OpenSSL macros Swift cannot import.
        .target(name: "COpenSSLShim", dependencies: ["COpenSSL"]),

        // TLS for SwiftNIO on system OpenSSL, plus the crypto helpers (hashes, randomness, certificates).
        .target(
            name: "ImarketTLS",
            dependencies: [
                "COpenSSL", "COpenSSLShim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // PostgreSQL on libpq: connection pool on owned threads, transactions, migrations, embedded cluster.
        .target(
            name: "ImarketPostgres",
            dependencies: [
                "CLibPQ",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // JSON-RPC 2.0: JSON parsing, request dispatch, typed params, OpenRPC generation. No I/O.
        // Built with cross-module optimization: its generic engine, registry and coders run for
        // the application's types on every call, and only then are they specialized for them
        // (unspecialized, each call looked up generic metadata and witness tables at run time).
        // Measured in alternating runs: ping -1.6 us of about 37, demand.get -4% server CPU.
        .target(name: "ImarketJSONRPC", swiftSettings: [.unsafeFlags(["-cross-module-optimization"])]),
        // HTTP/1.1 + WebSocket front end over TLS.
        .target(
            name: "ImarketHTTP",
            dependencies: [
                "ImarketTLS", "ImarketJSONRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Pure domain rules: credit codes, selection, credit score, compliance rules. No I/O.
        .target(name: "ImarketDomain"),
        // The application: accounts, authorization, repositories, method handlers, server wiring.
        .target(
            name: "ImarketApp",
            dependencies: [
                "ImarketTLS", "ImarketPostgres", "ImarketJSONRPC", "ImarketHTTP", "ImarketDomain",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["EmbedSchema"]
        ),
        // Build tool that compiles Schema/*.sql into ImarketApp (see Plugins/EmbedSchema).
        .executableTarget(name: "schema-embedder"),
        .plugin(name: "EmbedSchema", capability: .buildTool(), dependencies: ["schema-embedder"]),
        .executableTarget(
            name: "imarket",
            dependencies: [
                "ImarketApp", "ImarketPostgres", "ImarketTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Shared by the test targets: a private PostgreSQL cluster, a blocking TLS client, the server process.
        .target(
            name: "ImarketTestSupport",
            dependencies: ["COpenSSL", "COpenSSLShim", "ImarketPostgres", "ImarketJSONRPC"],
            path: "Tests/ImarketTestSupport"
        ),
        .testTarget(name: "ImarketJSONRPCTests", dependencies: ["ImarketJSONRPC"]),
        .testTarget(name: "ImarketDomainTests", dependencies: ["ImarketDomain"]),
        .testTarget(name: "ImarketHTTPTests", dependencies: ["ImarketHTTP",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "ImarketTLSTests", dependencies: ["ImarketTLS", "ImarketTestSupport",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "ImarketPostgresTests", dependencies: ["ImarketPostgres", "ImarketTestSupport", "ImarketTLS"]),
        .testTarget(name: "ImarketIntegrationTests", dependencies: ["ImarketApp", "ImarketTestSupport", "ImarketJSONRPC", "ImarketTLS", "ImarketDomain", "ImarketPostgres"]),
    ]
)

// Nonisolated async functions run where their caller runs instead of hopping to the generic
// executor first: every such hop looked up the task's executor preference under a lock (hops and
// lookups were about 4% of demand.get's server samples, 1.4% after). Request work stays on the
// pool thread either way. Every Swift target gets it, because it changes the type of async
// closures across module boundaries.
for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
}
