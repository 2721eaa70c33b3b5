import ImarketDomain
import ImarketPostgres
import Logging

/// The long-lived services every request may use. One instance per server process.
public final class AppServices: Sendable {
    public let database: Database
    public let logger: Logger
    public let rateLimiter: RateLimiter
    public let rules: RulesCache
    public let subscriptions: SubscriptionHub
    public let version: String

    public init(pool: PostgresPool, logger: Logger, version: String = ImarketVersion.current) {
        let database = Database(pool: pool, logger: logger)
        self.database = database
        self.logger = logger
        self.rateLimiter = RateLimiter()
        self.rules = RulesCache(database: database)
        self.subscriptions = SubscriptionHub()
        self.version = version
    }
}

public enum ImarketVersion {
    public static let current = "0.1.0"
}
