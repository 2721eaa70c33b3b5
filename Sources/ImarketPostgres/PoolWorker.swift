import Foundation
import Logging

/// One pool thread and the connection it owns for its whole life.
///
/// Because the connection belongs to the thread, a task that already runs on a pool thread
/// (placed there by `PostgresPool.taskExecutor`) uses it in place: no queued job, no second
/// thread to wake, no continuation to resume. Unchecked Sendable: after `init`, only its own
/// thread touches it (its `Wakeup` is guarded by the pool's lock).
final class PoolWorker: @unchecked Sendable {
    /// How the pool wakes this particular worker (guarded by the pool's lock).
    final class Wakeup {
        let condition = ConditionLock.makeCondition()
        var woken = false
        deinit { ConditionLock.destroyCondition(condition) }
    }

    let core: PoolCore
    private let executor: PoolTaskExecutor
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let wakeup = Wakeup()
    private var connection: PostgresConnection?

    init(core: PoolCore, executor: PoolTaskExecutor, configuration: PostgresConfiguration, logger: Logger) {
        self.core = core
        self.executor = executor
        self.configuration = configuration
        self.logger = logger
    }

    /// The worker whose thread this is, if any.
    static var current: PoolWorker? {
        guard let pointer = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<PoolWorker>.fromOpaque(pointer).takeUnretainedValue()
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// The thread's body: serve queued callers and run tasks until the pool shuts down.
    func run() {
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        defer {
            pthread_setspecific(Self.threadKey, nil)
            connection = nil
            core.threadExited()
        }
        while let work = core.nextWork(for: wakeup) {
            switch work {
            case .call(let job):
                do {
                    try lend { job.run($0) }
                } catch {
                    job.fail(error)
                }
            case .task(let job):
                job.runSynchronously(on: executor.asUnownedTaskExecutor())
                while !reads.isEmpty { sendReads() }
            }
        }
    }

    // MARK: Reads sharing a round trip

    /// A read a task on this thread asked for (`PostgresPool.read`), suspended until it is sent.
    private struct QueuedRead {
        let read: ReadBatch.Read
        let continuation: UnsafeContinuation<PostgresRows, Error>
    }

    /// Only this thread touches it: filled by the tasks it runs, emptied before it sleeps.
    private var reads: [QueuedRead] = []
    /// At most this many reads go in one round trip, and at most this many further tasks run
    /// while the first read waits for it.
    static let readBatchLimit = 32

    func queueRead(_ read: ReadBatch.Read, _ continuation: UnsafeContinuation<PostgresRows, Error>) {
        reads.append(QueuedRead(read: read, continuation: continuation))
    }

    /// Runs the tasks already queued first (under load they usually read too), then sends every
    /// read in one pipeline (keyed reads of one statement as one statement, `KeyedRead`),
    /// resumes the readers and runs them on.
    private func sendReads() {
        var ran = 0
        while reads.count < Self.readBatchLimit, ran < Self.readBatchLimit, let job = core.nextQueuedTask() {
            job.runSynchronously(on: executor.asUnownedTaskExecutor())
            ran += 1
        }
        let batch = reads
        reads = []
        let results: [Result<PostgresRows, Error>]
        do {
            results = try lend(refuseWhenClosed: true) { connection in
                let plan = ReadBatch(batch.map(\.read))
                var results = plan.results(connection.queryEach(plan.statements))
                let split = plan.readsToSplit(results)
                if !split.isEmpty {
                    let alone = ReadBatch(plan.reads(at: split), coalescing: false)
                    for (index, result) in zip(split, alone.results(connection.queryEach(alone.statements))) {
                        results[index] = result
                    }
                }
                return results
            }
        } catch {
            results = Array(repeating: .failure(error), count: batch.count)
        }
        // The resumed tasks are the oldest requests in the pool, most of them one encoding away
        // from their answer: they run here and now, ahead of the queue (`PoolTaskExecutor` hands
        // them back through `keepResumed`), without a trip through the shared queue's lock.
        resuming = true
        for (read, result) in zip(batch, results) { read.continuation.resume(with: result) }
        resuming = false
        let ready = resumed
        resumed = []
        for job in ready { job.runSynchronously(on: executor.asUnownedTaskExecutor()) }
    }

    /// While true, tasks resumed on this thread come back to it (`resumed`) instead of the queue.
    private var resuming = false
    private var resumed: [UnownedJob] = []

    /// Keeps a task resumed on this thread while it resumes a batch's readers; false otherwise.
    func keepResumed(_ job: UnownedJob) -> Bool {
        guard resuming else { return false }
        resumed.append(job)
        return true
    }

    /// Runs `body` with this thread's connection, (re)connecting first if needed, and tidies
    /// the session up afterwards (an open transaction is rolled back, a broken one dropped).
    /// While it blocks here, the pool may wake another worker for queued work. A task calling in
    /// place (`refuseWhenClosed`) gets `.closed` once the pool is shut down, like any caller.
    func lend<T>(refuseWhenClosed: Bool = false, _ body: (PostgresConnection) throws -> T) throws -> T {
        let closed = core.enteringDatabase()
        defer { core.leftDatabase() }
        if closed && refuseWhenClosed { throw PostgresError.closedPool }
        if let current = connection, !current.isUsableWhenIdle { connection = nil }
        let lent = try connection ?? connect()
        connection = lent
        defer { if !lent.resetAfterUse() { connection = nil } }
        return try body(lent)
    }

    private func connect() throws -> PostgresConnection {
        if let refusal = core.connectRefusal() { throw refusal }
        do {
            let fresh = try PostgresConnection(configuration: configuration)
            if core.connectSucceeded() { logger.notice("database reachable again; pool reconnected") }
            return fresh
        } catch {
            var failure = (error as? PostgresError) ?? PostgresError(code: .unavailable, message: "\(error)")
            if core.connectFailed(message: failure.message) {
                logger.warning("database unavailable", metadata: ["error": "\(failure.message)"])
            }
            failure.code = .unavailable
            throw failure
        }
    }
}
