import ImarketJSONRPC
import ImarketPostgres
import Logging

/// The application's door to PostgreSQL: runs work on the pool's own threads and turns database
/// failures into API errors (-32050 while the database is unreachable, -32602 `invalid_value` for
/// text holding U+0000, a generic -32603 for anything else, logged here with its SQLSTATE and
/// never shown to the client).
public struct Database: Sendable {
    public let pool: PostgresPool
    let logger: Logger

    /// A read outside an explicit transaction (one statement sees one snapshot).
    public func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await mapErrors { try await pool.withConnection(body) }
    }

    /// One statement that only reads, outside a transaction; concurrent requests' reads share
    /// round trips (`PostgresPool.read`).
    public func query(_ sql: String, _ params: [PostgresBindable?] = []) async throws -> PostgresRows {
        try await mapErrors { try await pool.read(sql, params) }
    }

    /// The rows of one key; concurrent requests' keys share one statement (`KeyedRead`).
    public func query(_ read: KeyedRead, key: String) async throws -> PostgresRows {
        try await mapErrors { try await pool.read(read, key: key) }
    }

    /// A transaction with automatic, bounded retry on serialization failures and deadlocks.
    public func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await mapErrors { try await pool.transaction(isolation: isolation, maxAttempts: 8, body) }
    }

    private func mapErrors<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as RPCError {
            throw error
        } catch let error as PostgresError {
            switch error.code {
            case .invalidParameter:
                // PostgreSQL text cannot hold U+0000; no statement ran.
                throw RPCError.invalidParams(reason: "invalid_value", message: "Text may not contain the NUL character (U+0000)")
            case .unavailable, .poolTimeout, .closed:
                logger.warning("database unavailable", metadata: ["error": "\(error)"])
                throw RPCError.unavailable("The database is temporarily unavailable; retry later")
            default:
                if error.sqlState == "57014" {
                    logger.warning("statement timeout", metadata: ["error": "\(error)"])
                    throw RPCError.unavailable("The request took too long; retry later")
                }
                logger.error("database error", metadata: ["error": "\(error)"])
                throw RPCError.internalError
            }
        }
    }
}
