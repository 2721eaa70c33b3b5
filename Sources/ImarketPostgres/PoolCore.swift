/// A caller waiting for (or holding) a connection. Exactly one path removes a job from
/// the queue — a worker, the reaper, cancellation or shutdown — and only that path may
/// call `run` or `fail`, so the continuation inside is resumed exactly once.
final class PoolJob: @unchecked Sendable {
    let id: UInt64
    let run: (PostgresConnection) -> Void
    let fail: (Error) -> Void

    init(id: UInt64, run: @escaping (PostgresConnection) -> Void, fail: @escaping (Error) -> Void) {
        self.id = id
        self.run = run
        self.fail = fail
    }
}

/// The pool's shared mutable state, all behind one lock: the waiter queue, the reconnect
/// gate and the shutdown flag. Workers and the reaper are plain threads that block here;
/// async callers never block, they only enqueue and await a continuation.
final class PoolCore: @unchecked Sendable {
    private let lock = ConditionLock()
    private var queue = WaiterQueue<PoolJob>()
    private var gate: ReconnectGate
    private var nextID: UInt64 = 0
    private var closed = false
    private var outage = false
    /// Workers blocked waiting for a job: a new job beyond this many has to wait.
    private var idleWorkers = 0
    /// The reaper sleeps until a deadline (true) or until woken (false).
    private var reaperArmed = false
    private var runningThreads: Int
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    let acquireTimeoutNanoseconds: UInt64

    init(configuration: PostgresConfiguration, threadCount: Int) {
        gate = ReconnectGate(backoffNanoseconds: UInt64(max(0, configuration.reconnectBackoff.wholeMilliseconds)) * 1_000_000)
        acquireTimeoutNanoseconds = UInt64(max(0, configuration.acquireTimeout.wholeMilliseconds)) * 1_000_000
        runningThreads = threadCount
    }

    func makeID() -> UInt64 {
        lock.withLock {
            nextID += 1
            return nextID
        }
    }

    /// Queues a caller; on a closed pool it fails immediately.
    func submit(_ job: PoolJob) {
        let accepted: Bool = lock.withLock {
            guard !closed else { return false }
            queue.enqueue(id: job.id, deadline: ConditionLock.now() &+ acquireTimeoutNanoseconds, job: job)
            pthread_cond_signal(lock.workAvailable)
            // The reaper only matters for a job that will actually wait. Waking it for every
            // job cost a context switch per database call while workers were free.
            if queue.count > idleWorkers && !reaperArmed {
                reaperArmed = true
                pthread_cond_signal(lock.deadlineChanged)
            }
            return true
        }
        if !accepted { job.fail(PostgresError.closedPool) }
    }

    /// A caller's task was cancelled while it was still waiting.
    func cancel(id: UInt64) {
        let job = lock.withLock { queue.remove(id: id) }
        job?.fail(CancellationError())
    }

    /// Worker side: blocks until a job arrives; nil once the pool is shut down.
    func nextJob() -> PoolJob? {
        lock.withLock {
            while true {
                if closed { return nil }
                if let job = queue.dequeue() { return job }
                idleWorkers += 1
                lock.wait(lock.workAvailable)
                idleWorkers -= 1
            }
        }
    }

    /// Reaper side: fails waiters whose acquire timeout passed, sleeping until the next deadline.
    func reapUntilClosed() {
        while true {
            let expired: [PoolJob]? = lock.withLock {
                if closed { return nil }
                let now = ConditionLock.now()
                let expired = queue.removeExpired(now: now)
                if expired.isEmpty {
                    if let deadline = queue.nextDeadline {
                        reaperArmed = true
                        lock.wait(lock.deadlineChanged, until: deadline)
                    } else {
                        reaperArmed = false
                        lock.wait(lock.deadlineChanged)
                    }
                }
                return expired
            }
            guard let expired else { break }
            for job in expired {
                job.fail(PostgresError(code: .poolTimeout, message: "no database connection became free within the acquire timeout"))
            }
        }
        threadExited()
    }

    // MARK: Reconnect gate

    func connectRefusal() -> PostgresError? {
        lock.withLock { gate.refusal(now: ConditionLock.now()) }
    }

    /// Returns true when this is the first failure of an outage (worth one log line).
    func connectFailed(message: String) -> Bool {
        lock.withLock {
            let first = !outage
            outage = true
            gate.recordFailure(now: ConditionLock.now(), message: message)
            return first
        }
    }

    /// Returns true when this connect ended an outage.
    func connectSucceeded() -> Bool {
        lock.withLock {
            let recovered = outage
            outage = false
            gate.recordSuccess()
            return recovered
        }
    }

    // MARK: Shutdown

    var isClosed: Bool { lock.withLock { closed } }

    func shutdown() {
        let abandoned: [PoolJob] = lock.withLock {
            guard !closed else { return [] }
            closed = true
            pthread_cond_broadcast(lock.workAvailable)
            pthread_cond_broadcast(lock.deadlineChanged)
            return queue.removeAll()
        }
        for job in abandoned { job.fail(PostgresError.closedPool) }
    }

    func threadExited() {
        let waiters: [CheckedContinuation<Void, Never>] = lock.withLock {
            runningThreads -= 1
            guard runningThreads == 0 else { return [] }
            defer { exitWaiters.removeAll() }
            return exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Resumes once every worker has closed its connection and exited.
    func waitForThreads() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done: Bool = lock.withLock {
                if runningThreads == 0 { return true }
                exitWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

import Glibc
