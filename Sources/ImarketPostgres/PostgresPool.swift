import Foundation
import Logging

/// A fixed set of libpq connections, each owned by its own dedicated thread.
///
/// Why threads: libpq blocks. Running it on Swift's cooperative pool or on a NIO event
/// loop would stall unrelated work, so every libpq call happens on a thread this pool
/// created, and async callers only await a continuation. Connections open lazily and are
/// replaced lazily, so the pool survives (and heals after) a database restart.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    let core: PoolCore

    /// Starts `poolSize` worker threads plus one timeout reaper. No connection is opened
    /// until the first call, so creating a pool never fails and never blocks.
    /// `logger` gets one warning when the database becomes unreachable and one notice when
    /// the pool reconnects; never statement text or parameters.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "imarket.postgres")) {
        self.configuration = configuration
        let core = PoolCore(configuration: configuration, threadCount: configuration.poolSize + 1)
        self.core = core
        for index in 0..<configuration.poolSize {
            OwnedThread.start(name: "imarket-pg-\(index)") {
                PostgresPool.workerLoop(core: core, configuration: configuration, logger: logger)
            }
        }
        OwnedThread.start(name: "imarket-pg-reap") { core.reapUntilClosed() }
    }

    deinit { core.shutdown() }

    /// Runs `body` on a pool thread with a healthy, idle connection and returns its result.
    /// Waiters are served in arrival order; after `acquireTimeout` a waiter fails with
    /// `.poolTimeout`. A transaction left open by `body` is rolled back afterwards.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let core = self.core
        let id = core.makeID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let job = PoolJob(
                    id: id,
                    run: { connection in continuation.resume(with: Result { try body(connection) }) },
                    fail: { error in continuation.resume(throwing: error) }
                )
                core.submit(job)
                if Task.isCancelled { core.cancel(id: id) }
            }
        } onCancel: {
            core.cancel(id: id)
        }
    }

    /// Readiness probe: a `SELECT 1` round trip through the pool.
    public func isHealthy() async -> Bool {
        do {
            return try await withConnection { connection in
                try connection.query("SELECT 1").count == 1
            }
        } catch {
            return false
        }
    }

    /// Stops accepting work and fails queued callers with `.closed`. Calls already running
    /// finish; each thread then closes its connection and exits. Does not block.
    public func shutdown() {
        core.shutdown()
    }

    /// `shutdown()`, then waits until every connection is closed (e.g. before dropping a database).
    public func shutdownGracefully() async {
        core.shutdown()
        await core.waitForThreads()
    }

    /// The body of each owned thread: take the next caller, make sure this thread's
    /// connection is alive (reconnecting if not), lend it, then tidy it up.
    private static func workerLoop(core: PoolCore, configuration: PostgresConfiguration, logger: Logger) {
        var connection: PostgresConnection?
        while let job = core.nextJob() {
            if let current = connection, !current.isUsableWhenIdle { connection = nil }
            if connection == nil {
                if let refusal = core.connectRefusal() {
                    job.fail(refusal)
                    continue
                }
                do {
                    connection = try PostgresConnection(configuration: configuration)
                    if core.connectSucceeded() { logger.notice("database reachable again; pool reconnected") }
                } catch {
                    let failure = (error as? PostgresError)
                        ?? PostgresError(code: .unavailable, message: "\(error)")
                    var unavailable = failure
                    unavailable.code = .unavailable
                    if core.connectFailed(message: failure.message) {
                        logger.warning("database unavailable", metadata: ["error": "\(failure.message)"])
                    }
                    job.fail(unavailable)
                    continue
                }
            }
            guard let lent = connection else { continue }
            job.run(lent)
            if !lent.resetAfterUse() { connection = nil }
        }
        connection = nil
        core.threadExited()
    }
}
