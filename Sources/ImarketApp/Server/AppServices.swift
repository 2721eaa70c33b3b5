import ImarketDomain
import ImarketPostgres
import Logging

/// The long-lived services every request may use. One instance per server process.
public final class AppServices: Sendable {
    public let database: Database
    public let logger: Logger
    public let rateLimiter: RateLimiter
    public let version: String

    public init(pool: PostgresPool, logger: Logger, version: String = ImarketVersion.current) {
        self.database = Database(pool: pool, logger: logger)
        self.logger = logger
        self.rateLimiter = RateLimiter()
        self.version = version
    }
}

public enum ImarketVersion {
    public static let current = "0.1.0"
}
