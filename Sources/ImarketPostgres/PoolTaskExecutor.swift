import Dispatch

/// Runs tasks on the pool's own threads (SE-0417 task executor preference).
///
/// Why: a request that reads the database otherwise crosses threads four times — to Swift's
/// global executor, to a pool thread for the query, back to the global executor, back to the
/// event loop. A task placed here makes its database calls in place, on the thread that owns
/// the connection; blocking there is what these threads are for, and Swift's cooperative
/// threads are never blocked.
///
/// A piece of work that waited longer than `taskWaitLimit` for a pool thread (every one stuck
/// in long statements), or that arrives after shutdown, runs on a Dispatch thread instead, where
/// database calls queue for a connection as from anywhere else: slow statements then delay
/// nothing that does not need the database, and waiting callers still get the acquire timeout.
final class PoolTaskExecutor: TaskExecutor, @unchecked Sendable {
    private let core: PoolCore

    init(core: PoolCore) { self.core = core }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if let worker = PoolWorker.current, worker.core === core, worker.keepResumed(job) { return }
        if !core.submit(task: job) { runElsewhere(job) }
    }

    func runElsewhere(_ job: UnownedJob) {
        DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
