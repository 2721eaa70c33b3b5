import NIOCore

/// The pool's fair FIFO of callers waiting for a connection, as a pure value so its
/// ordering and expiry rules can be tested without threads. Deadlines are monotonic
/// nanoseconds; because every waiter gets the same acquire timeout, the head always
/// holds the earliest deadline and expiry only ever looks at the front.
struct WaiterQueue<Job> {
    struct Entry {
        let id: UInt64
        let deadline: UInt64
        let job: Job
    }

    private var entries = CircularBuffer<Entry>()

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// When the reaper must wake next.
    var nextDeadline: UInt64? { entries.first?.deadline }

    mutating func enqueue(id: UInt64, deadline: UInt64, job: Job) {
        entries.append(Entry(id: id, deadline: deadline, job: job))
    }

    /// The longest-waiting caller, skipping none: fairness is strict arrival order.
    mutating func dequeue() -> Job? {
        entries.popFirst()?.job
    }

    /// Removes a caller that gave up (task cancelled). Linear, but queues are short.
    mutating func remove(id: UInt64) -> Job? {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
        return entries.remove(at: index).job
    }

    /// Removes and returns every waiter whose deadline is at or before `now`.
    mutating func removeExpired(now: UInt64) -> [Job] {
        var expired: [Job] = []
        while let head = entries.first, head.deadline <= now {
            expired.append(entries.removeFirst().job)
        }
        return expired
    }

    /// Empties the queue (shutdown).
    mutating func removeAll() -> [Job] {
        let jobs = entries.map(\.job)
        entries.removeAll()
        return jobs
    }
}

/// Decides whether a failed transaction attempt runs again, and after how long.
/// Pure so the policy is testable and the pool thread only has to sleep.
struct RetryPolicy: Sendable {
    let maxAttempts: Int
    /// Backoff before attempt n+1 is uniform in [base·2^(n-1) / 2, base·2^(n-1)], capped.
    var baseDelayMicroseconds: UInt32 = 2_000
    var maxDelayMicroseconds: UInt32 = 100_000

    /// Only serialization failures and deadlocks are retried: the server rolled the whole
    /// transaction back, so running it again cannot apply anything twice. A lost
    /// connection is never retried (the COMMIT may or may not have landed).
    func shouldRetry(_ error: Error, attempt: Int) -> Bool {
        guard attempt < maxAttempts, let error = error as? PostgresError else { return false }
        guard !error.isConnectionFailure else { return false }
        return error.isSerializationFailure || error.isDeadlock
    }

    func delayMicroseconds<R: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout R) -> UInt32 {
        let exponent = UInt32(min(max(attempt - 1, 0), 16))
        let ceiling = min(UInt64(baseDelayMicroseconds) << exponent, UInt64(maxDelayMicroseconds))
        let floor = ceiling / 2
        return UInt32(UInt64.random(in: floor...ceiling, using: &random))
    }
}

/// Fail-fast gate for reconnects: after one failed connect, everyone else gets
/// `.unavailable` immediately for a short while instead of each waiting out the connect
/// timeout against a dead server. The first call after the window probes again.
struct ReconnectGate: Sendable {
    let backoffNanoseconds: UInt64
    private(set) var lastFailure: UInt64?
    private(set) var lastMessage: String = ""

    init(backoffNanoseconds: UInt64) { self.backoffNanoseconds = backoffNanoseconds }

    /// Nil when a connect may be attempted now, else the error to report.
    func refusal(now: UInt64) -> PostgresError? {
        guard let lastFailure, now &- lastFailure < backoffNanoseconds else { return nil }
        return PostgresError(code: .unavailable, message: "database unavailable: \(lastMessage)")
    }

    mutating func recordFailure(now: UInt64, message: String) {
        lastFailure = now
        lastMessage = message
    }

    mutating func recordSuccess() { lastFailure = nil }
}
