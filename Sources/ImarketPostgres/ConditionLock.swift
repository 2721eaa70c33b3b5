import Glibc

/// A pthread mutex with two condition variables on the monotonic clock. Foundation's
/// NSCondition has one condition per mutex; the pool needs separate wake-ups for
/// workers (a job arrived) and the reaper (the earliest deadline changed).
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    let deadlineChanged = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(workAvailable, &attributes)
        pthread_cond_init(deadlineChanged, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(workAvailable)
        pthread_cond_destroy(deadlineChanged)
        pthread_mutex_destroy(mutex)
        workAvailable.deallocate()
        deadlineChanged.deallocate()
        mutex.deallocate()
    }

    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Must be called with the lock held.
    func wait(_ condition: UnsafeMutablePointer<pthread_cond_t>) {
        pthread_cond_wait(condition, mutex)
    }

    /// Must be called with the lock held. `deadline` is monotonic nanoseconds.
    func wait(_ condition: UnsafeMutablePointer<pthread_cond_t>, until deadline: UInt64) {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &spec)
    }

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
