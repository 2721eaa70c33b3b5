import NIOCore

/// Lets a request's task run on the event loop of the connection it came from.
///
/// Why: without it every request crossed threads twice (event loop → Swift's global executor →
/// event loop), and on a small machine those wake-ups were the largest single cost of a call
/// (docs/benchmarks.md). With the connection's loop as the task's preferred executor, decoding,
/// authorization, the handler and encoding run where the bytes already are, and the only
/// crossing left is the one that has to exist: to a database pool thread and back.
///
/// What keeps the loop responsive is unchanged: nothing that blocks runs here. libpq calls
/// run on the pool's own threads (the task awaits them), and a request's CPU work is bounded
/// by the body-size limit and the page-size limits of list methods.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
