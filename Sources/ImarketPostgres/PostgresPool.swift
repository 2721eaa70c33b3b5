import Foundation
import Logging

/// A fixed set of libpq connections, each owned by its own dedicated thread.
///
/// Why threads: libpq blocks. Running it on Swift's cooperative pool or on a NIO event
/// loop would stall unrelated work, so every libpq call happens on a thread this pool
/// created: tasks placed on `taskExecutor` run there and query in place, other async callers
/// queue and await a continuation. Connections open lazily and are replaced lazily, so the
/// pool survives (and heals after) a database restart.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    let core: PoolCore
    private let executor: PoolTaskExecutor

    /// Runs tasks on the pool's threads, where their database calls use the thread's own
    /// connection in place (see `PoolTaskExecutor`). For `Task(executorPreference:)`.
    public var taskExecutor: any TaskExecutor { executor }

    /// Starts `poolSize` worker threads plus one timeout reaper. No connection is opened
    /// until the first call, so creating a pool never fails and never blocks.
    /// `logger` gets one warning when the database becomes unreachable and one notice when
    /// the pool reconnects; never statement text or parameters.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "imarket.postgres")) {
        self.configuration = configuration
        let core = PoolCore(configuration: configuration, threadCount: configuration.poolSize + 1)
        self.core = core
        let executor = PoolTaskExecutor(core: core)
        self.executor = executor
        for index in 0..<configuration.poolSize {
            let worker = PoolWorker(core: core, executor: executor, configuration: configuration, logger: logger)
            OwnedThread.start(name: "imarket-pg-\(index)") { worker.run() }
        }
        OwnedThread.start(name: "imarket-pg-reap") { core.reapUntilClosed(rescue: executor.runElsewhere) }
    }

    deinit { core.shutdown() }

    /// Runs `body` on a pool thread with a healthy, idle connection and returns its result.
    /// From a task already running on one of this pool's threads, that is the thread's own
    /// connection, at once. Other callers are served in arrival order; after `acquireTimeout`
    /// a waiter fails with `.poolTimeout`. A transaction left open by `body` is rolled back
    /// afterwards.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let core = self.core
        if let worker = PoolWorker.current, worker.core === core {
            // Already on one of this pool's threads: its own connection, in place.
            return try worker.lend(refuseWhenClosed: true, body)
        }
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

    /// One statement that only reads, outside a transaction. From a task on one of this pool's
    /// threads it is sent in one round trip (libpq pipeline mode) together with the reads of
    /// the tasks that thread runs next, as many as are queued: under concurrent load the
    /// database and the pool thread then sleep and wake once per batch, not once per statement.
    /// The result is the same as from `withConnection { try $0.query(sql, params) }`, which is
    /// what runs from anywhere else.
    public func read(_ sql: String, _ params: [PostgresBindable?] = []) async throws -> PostgresRows {
        if let worker = PoolWorker.current, worker.core === core {
            return try await withUnsafeThrowingContinuation { worker.queueRead(.plain(sql: sql, params: params), $0) }
        }
        return try await withConnection { try $0.query(sql, params) }
    }

    /// The rows of one key, read like `read(_:_:)`: from a task on one of this pool's threads,
    /// the keys of the keyed reads that share its round trip go in one statement (`KeyedRead`).
    /// The rows are those of `read.sql` run with this key alone.
    public func read(_ read: KeyedRead, key: String) async throws -> PostgresRows {
        if let worker = PoolWorker.current, worker.core === core {
            return try await withUnsafeThrowingContinuation { worker.queueRead(.keyed(read, key: key), $0) }
        }
        return try await withConnection { try $0.query(read.sql, [[key]]) }
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
}
