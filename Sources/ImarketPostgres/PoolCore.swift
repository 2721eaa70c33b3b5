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

/// What a pool thread does next: lend its connection to a queued caller, or run a piece of a
/// task placed on the pool's executor.
enum PoolWork {
    case call(PoolJob)
    case task(UnownedJob)
}

/// The pool's shared mutable state, all behind one lock: the waiter queue, the task queue, which
/// workers sleep, the reconnect gate and the shutdown flag. Workers and the reaper are plain
/// threads that block here; async callers never block, they only enqueue and await.
///
/// Waking policy: a thread is woken only while fewer than `maxRunning` (`busyThreads`) workers
/// are awake outside a database call, because an awake worker takes the next item when it
/// finishes its current one, and every wake-up costs a context switch and usually preempts the
/// thread that asked for it (an event loop). The default is half the cores: the event loops, one
/// per core, do about half of a request's work. Measured on 2 cores, one running worker instead of two gave ping +5% and
/// demand.get +20%. A worker that enters a database call stops counting as running and, if work
/// is queued, wakes a sleeper in its place.
///
/// The reaper keeps this from turning into a queue behind one slow request: when the oldest
/// queued item has waited `spreadAfter` (10 ms) and a worker sleeps, it wakes one more, however
/// many run. It also fails callers whose acquire timeout passed, and moves tasks that waited
/// longer than `taskWaitLimit` (every worker stuck in long statements) to a shared thread, so
/// that what does not need the database is still answered.
final class PoolCore: @unchecked Sendable {
    private let lock = ConditionLock()
    private var queue = WaiterQueue<PoolJob>()
    private var gate: ReconnectGate
    private var nextID: UInt64 = 0
    private var closed = false
    private var outage = false
    /// Pieces of tasks ready to run, with when each was queued.
    private var tasks = CircularBuffer<(job: UnownedJob, since: UInt64)>()
    /// Sleeping workers, the most recently active last (woken first: its cache is warm).
    private var sleepers: [PoolWorker.Wakeup] = []
    /// Workers awake and not inside a database call, plus those woken but not yet running.
    private var running = 0
    private let maxRunning: Int
    /// When the reaper last woke a worker beyond `maxRunning`.
    private var lastSpread: UInt64 = 0
    private static let spreadAfterNanoseconds: UInt64 = 10_000_000
    /// When the sleeping reaper wakes on its own (`.max`: not before it is signalled; 0: it is
    /// awake and looks at both queues before sleeping again).
    private var reaperWakesAt: UInt64 = 0
    private var runningThreads: Int
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []
    let acquireTimeoutNanoseconds: UInt64
    let taskWaitLimitNanoseconds: UInt64

    init(configuration: PostgresConfiguration, threadCount: Int) {
        maxRunning = configuration.busyThreads
        running = threadCount - 1  // the workers count as running until they first sleep
        gate = ReconnectGate(backoffNanoseconds: UInt64(max(0, configuration.reconnectBackoff.wholeMilliseconds)) * 1_000_000)
        acquireTimeoutNanoseconds = UInt64(max(0, configuration.acquireTimeout.wholeMilliseconds)) * 1_000_000
        taskWaitLimitNanoseconds = UInt64(max(0, configuration.taskWaitLimit.wholeMilliseconds)) * 1_000_000
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
            let deadline = ConditionLock.now() &+ acquireTimeoutNanoseconds
            queue.enqueue(id: job.id, deadline: deadline, job: job)
            // The reaper only matters for a job that may wait; waking it for every job cost a
            // context switch per database call.
            if !wakeOne() { wakeReaper(by: min(deadline, nextLook() ?? deadline)) }
            return true
        }
        if !accepted { job.fail(PostgresError.closedPool) }
    }

    /// Queues a piece of a task; false once the pool is shut down (the caller must run it
    /// elsewhere).
    func submit(task: UnownedJob) -> Bool {
        lock.withLock {
            guard !closed else { return false }
            let now = ConditionLock.now()
            tasks.append((task, now))
            if !wakeOne() { wakeReaper(by: nextLook()) }
            return true
        }
    }

    /// A caller's task was cancelled while it was still waiting.
    func cancel(id: UInt64) {
        let job = lock.withLock { queue.remove(id: id) }
        job?.fail(CancellationError())
    }

    /// Worker side: the next piece of work, sleeping until there is some; nil once the pool is
    /// shut down and no task is left (tasks queued before the shutdown still run, so that their
    /// callers finish).
    func nextWork(for wakeup: PoolWorker.Wakeup) -> PoolWork? {
        lock.withLock {
            while true {
                if let task = takeTaskIfOldest() { return .task(task) }
                if let job = queue.dequeue() { return .call(job) }
                if closed {
                    running -= 1
                    return nil
                }
                running -= 1
                wakeup.woken = false
                sleepers.append(wakeup)
                repeat { lock.wait(wakeup.condition) } while !wakeup.woken
            }
        }
    }

    /// Worker side, without sleeping: the next piece of a task, if one is queued ahead of every
    /// queued call (for a worker gathering reads into one round trip).
    func nextQueuedTask() -> UnownedJob? {
        lock.withLock { takeTaskIfOldest() }
    }

    /// Must be called with the lock held. Oldest first across both queues, so that neither kind
    /// can starve the other.
    private func takeTaskIfOldest() -> UnownedJob? {
        let callSince = queue.nextDeadline.map { $0 &- acquireTimeoutNanoseconds }
        guard let task = tasks.first, callSince.map({ task.since <= $0 }) ?? true else { return nil }
        tasks.removeFirst()
        return task.job
    }

    /// A worker starts blocking on the database: another may run queued work meanwhile.
    /// Returns whether the pool is shut down.
    func enteringDatabase() -> Bool {
        lock.withLock {
            running -= 1
            if !tasks.isEmpty || !queue.isEmpty { _ = wakeOne() }
            return closed
        }
    }

    func leftDatabase() {
        lock.withLock { running += 1 }
    }

    /// Must be called with the lock held.
    private func wakeOne(beyondLimit: Bool = false) -> Bool {
        guard running < maxRunning || beyondLimit, let wakeup = sleepers.popLast() else { return false }
        wakeup.woken = true
        running += 1
        pthread_cond_signal(wakeup.condition)
        return true
    }

    /// Must be called with the lock held: when the reaper must look at the queues again for
    /// waiting work — to wake one more worker while one sleeps, else to move the oldest task
    /// elsewhere. (Queued calls have their acquire deadlines besides.)
    private func nextLook() -> UInt64? {
        let oldestCall = queue.nextDeadline.map { $0 &- acquireTimeoutNanoseconds }
        guard let oldest = earliest(oldestCall, tasks.first?.since) else { return nil }
        if sleepers.isEmpty { return tasks.first.map { $0.since &+ taskWaitLimitNanoseconds } }
        return max(oldest, lastSpread) &+ Self.spreadAfterNanoseconds
    }

    /// Must be called with the lock held: something queued may have to be dealt with at
    /// `deadline`, earlier than the reaper means to wake.
    private func wakeReaper(by deadline: UInt64?) {
        guard let deadline, deadline < reaperWakesAt else { return }
        reaperWakesAt = 0
        pthread_cond_signal(lock.deadlineChanged)
    }

    /// Reaper side: fails waiters whose acquire timeout passed, wakes one more worker for work
    /// that waited `spreadAfter`, and hands tasks that waited `taskWaitLimit` to `rescue`,
    /// sleeping until the next deadline.
    func reapUntilClosed(rescue: (UnownedJob) -> Void) {
        while true {
            let due: (expired: [PoolJob], stale: [UnownedJob])? = lock.withLock {
                if closed { return nil }
                let now = ConditionLock.now()
                let expired = queue.removeExpired(now: now)
                var stale: [UnownedJob] = []
                while let oldest = tasks.first, oldest.since &+ taskWaitLimitNanoseconds <= now {
                    stale.append(tasks.removeFirst().job)
                }
                if !sleepers.isEmpty, let look = nextLook(), look <= now, wakeOne(beyondLimit: true) {
                    lastSpread = now
                }
                if expired.isEmpty && stale.isEmpty {
                    if let deadline = earliest(queue.nextDeadline, nextLook()) {
                        reaperWakesAt = deadline
                        lock.wait(lock.deadlineChanged, until: deadline)
                    } else {
                        reaperWakesAt = .max
                        lock.wait(lock.deadlineChanged)
                    }
                    reaperWakesAt = 0
                }
                return (expired, stale)
            }
            guard let due else { break }
            for job in due.expired {
                job.fail(PostgresError(code: .poolTimeout, message: "no database connection became free within the acquire timeout"))
            }
            due.stale.forEach(rescue)
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
            for wakeup in sleepers {
                wakeup.woken = true
                running += 1
                pthread_cond_signal(wakeup.condition)
            }
            sleepers.removeAll()
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

/// The earlier of two optional instants (called on every queued task: no array).
private func earliest(_ a: UInt64?, _ b: UInt64?) -> UInt64? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

import Glibc
import NIOCore
