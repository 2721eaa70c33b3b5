import CLibPQ
import Foundation

public enum IsolationLevel: String, Sendable, CaseIterable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresPool {
    /// BEGIN ISOLATION LEVEL …; body; COMMIT — on a pool thread. Any error rolls back.
    ///
    /// Serialization failures (40001) and deadlocks (40P01), from the body or from COMMIT,
    /// re-run the whole body after a short jittered backoff, up to `maxAttempts` runs in
    /// total, so `body` must be safe to run more than once (no side effects outside the
    /// database). A lost connection is never retried: the error is `.unavailable`.
    @discardableResult
    public func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 5,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let policy = RetryPolicy(maxAttempts: max(1, maxAttempts))
        return try await withConnection { connection in
            var random = SystemRandomNumberGenerator()
            var attempt = 1
            while true {
                do {
                    return try connection.inTransaction(isolation: isolation, body)
                } catch where policy.shouldRetry(error, attempt: attempt) && !connection.isBroken {
                    usleep(policy.delayMicroseconds(afterAttempt: attempt, using: &random))
                    attempt += 1
                }
            }
        }
    }
}

extension PostgresConnection {
    /// One attempt of a transaction on this connection, without retry. Used by the pool
    /// and by the migrator, which must stay on its advisory-locked session.
    public func inTransaction<T>(isolation: IsolationLevel = .readCommitted, _ body: (PostgresConnection) throws -> T) throws -> T {
        begin("BEGIN ISOLATION LEVEL " + isolation.rawValue)
        do {
            let value = try body(self)
            let tag = try commit()
            if tag != "COMMIT" {
                // The body swallowed an error; the server turned COMMIT into ROLLBACK.
                throw PostgresError(
                    code: .server, sqlState: "25P02",
                    message: "transaction was aborted by an earlier error and has been rolled back")
            }
            return value
        } catch {
            atCommit = []
            pendingBegin = nil
            if !isBroken, transactionStatus != PQTRANS_IDLE { try? simpleQuery("ROLLBACK") }
            throw error
        }
    }
}
