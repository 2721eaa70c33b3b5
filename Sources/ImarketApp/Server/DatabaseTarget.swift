import Foundation
import ImarketPostgres
import ImarketTLS
import Logging

/// Where the database is: a URL the operator gave, or the embedded cluster under the data
/// directory. Every subcommand (`serve`, `migrate`, `token create`, `audit verify`, …) opens the
/// database through this, so they all agree on where it is.
public final class DatabaseTarget: @unchecked Sendable {
    public let conninfo: String
    /// The embedded cluster if this process started it (and so must stop it).
    private let startedCluster: EmbeddedCluster?

    /// - Parameter alwaysStopCluster: `serve` owns the embedded cluster and stops it on exit even
    ///   if it found it running (left over from a crash); other subcommands stop it only if they
    ///   started it, so they never pull the database from under a running server.
    public static func open(databaseURL: String?, dataDirectory: DataDirectory, alwaysStopCluster: Bool = false,
                            logger: Logger) throws -> DatabaseTarget {
        if let databaseURL {
            return DatabaseTarget(conninfo: databaseURL, startedCluster: nil)
        }
        try dataDirectory.create()
        let cluster = dataDirectory.embeddedCluster()
        let wasRunning = cluster.isRunning
        logger.info("embedded database", metadata: ["directory": "\(dataDirectory.clusterPath)", "alreadyRunning": "\(wasRunning)"])
        let conninfo = try cluster.start()
        return DatabaseTarget(conninfo: conninfo, startedCluster: wasRunning && !alwaysStopCluster ? nil : cluster)
    }

    private init(conninfo: String, startedCluster: EmbeddedCluster?) {
        self.conninfo = conninfo
        self.startedCluster = startedCluster
    }

    public var isEmbedded: Bool { startedCluster != nil }

    public func makePool(poolSize: Int = 8) -> PostgresPool {
        PostgresPool(configuration: PostgresConfiguration(conninfo: conninfo, poolSize: poolSize))
    }

    public func migrate(pool: PostgresPool) async throws -> [Int] {
        try await Migrator(migrations: SchemaMigrations.all, checksum: { Crypto.sha256Hex($0) }).migrate(pool: pool)
    }

    /// Stops the embedded cluster if this process started it.
    public func close() {
        try? startedCluster?.stop()
    }
}
