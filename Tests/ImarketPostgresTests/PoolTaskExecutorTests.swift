import Foundation
import ImarketPostgres
import XCTest

/// Tasks placed on the pool's executor: database calls in place, fairness under load, and what
/// happens when every pool thread is stuck or the pool shuts down.
final class PoolTaskExecutorTests: PostgresTestCase {
    func testATaskOnTheExecutorQueriesInPlaceOnItsPoolThread() async throws {
        let pool = try makePool(size: 2)
        let task = Task(executorPreference: pool.taskExecutor) { () async throws -> [String] in
            let outside = currentThreadName()
            let inside = try await pool.withConnection { connection in
                // Queued calls run on a worker outside any task; in place, the task is current.
                let inTask = withUnsafeCurrentTask { $0 != nil }
                return [currentThreadName(), String(inTask), String(try connection.query("SELECT 41 + 1 AS n")[0].int("n"))]
            }
            return [outside] + inside
        }
        let seen = try await task.value
        XCTAssertTrue(seen[0].hasPrefix("imarket-pg-"), seen[0])
        XCTAssertEqual(seen[1], seen[0], "the query ran on another thread than the task")
        XCTAssertEqual(seen[2], "true", "the query did not run in place")
        XCTAssertEqual(seen[3], "42")
        let queued = try await pool.withConnection { _ in withUnsafeCurrentTask { $0 != nil } }
        XCTAssertFalse(queued, "a call from outside the pool ran inside the caller's task")
    }

    func testManyConcurrentTasksShareTheThreadsAndTheirConnections() async throws {
        let pool = try makePool(size: 3)
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask(executorPreference: pool.taskExecutor) {
                    let doubled = try await pool.withConnection { connection in
                        try connection.query("SELECT $1::int8 * 2 AS n, pg_sleep(0.001)", [index])[0].int("n")
                    }
                    try await Task.sleep(for: .microseconds(100))  // resumes on some pool thread
                    return try await pool.transaction { connection in
                        try connection.query("SELECT $1::int8 + 0 AS n", [doubled])[0].int("n")
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(sum, (0..<200).reduce(0) { $0 + $1 * 2 })
        let backends = try await pool.withConnection { connection in
            try connection.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'imarket-tests' AND datname = current_database()")[0].int("n")
        }
        XCTAssertLessThanOrEqual(backends, 3)
    }

    /// Every pool thread is inside a long statement: work that needs no database still finishes
    /// after the task wait limit, and a database call then waits like any caller and times out.
    func testTasksStillRunWhenEveryThreadIsInALongStatement() async throws {
        let pool = try makePool(size: 1, acquireTimeout: .milliseconds(300), taskWaitLimit: .milliseconds(200))
        let holder = Task(executorPreference: pool.taskExecutor) {
            try await pool.withConnection { try $0.query("SELECT pg_sleep(1.5)") }
        }
        try await Task.sleep(for: .milliseconds(150))
        let started = Date()
        let answer = await Task(executorPreference: pool.taskExecutor) { 6 * 7 }.value
        XCTAssertEqual(answer, 42)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0)
        let error = await expectPostgresError {
            try await Task(executorPreference: pool.taskExecutor) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }.value
        }
        XCTAssertEqual(error?.code, .poolTimeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.3)
        _ = try await holder.value
    }

    /// The reaper, asleep until a queued caller's (later) acquire deadline, must still wake in
    /// time to move a task that waited too long.
    func testAWaitingTaskIsMovedOnEvenWhileACallerWaitsForALaterDeadline() async throws {
        let pool = try makePool(size: 1, acquireTimeout: .seconds(5), taskWaitLimit: .milliseconds(200))
        let holder = Task(executorPreference: pool.taskExecutor) {
            try await pool.withConnection { try $0.query("SELECT pg_sleep(1.5)") }
        }
        try await Task.sleep(for: .milliseconds(150))
        let caller = Task { try await pool.withConnection { try $0.query("SELECT 1") } }
        try await Task.sleep(for: .milliseconds(50))
        let started = Date()
        let answer = await Task(executorPreference: pool.taskExecutor) { 6 * 7 }.value
        XCTAssertEqual(answer, 42)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.9)
        _ = try await holder.value
        _ = try await caller.value
    }

    /// One busy thread allowed: a long computation must not hold up a short task for long, since
    /// another thread is woken once work has waited 10 ms.
    func testALongComputationDoesNotHoldUpOtherTasks() async throws {
        let pool = try makePool(size: 3, busyThreads: 1)
        let long = Task(executorPreference: pool.taskExecutor) { () -> Int in
            let end = Date().addingTimeInterval(0.5)
            var spins = 0
            while Date() < end { spins += 1 }
            return spins
        }
        try await Task.sleep(for: .milliseconds(50))
        let started = Date()
        let answer = await Task(executorPreference: pool.taskExecutor) { 6 * 7 }.value
        XCTAssertEqual(answer, 42)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.25)
        _ = await long.value
    }

    func testAfterShutdownTasksStillFinishAndTheirCallsFailWithClosed() async throws {
        let pool = try makePool(size: 1)
        let value = try await Task(executorPreference: pool.taskExecutor) {
            try await pool.withConnection { try $0.query("SELECT 7 AS n")[0].int("n") }
        }.value
        XCTAssertEqual(value, 7)
        await pool.shutdownGracefully()
        let error = await expectPostgresError {
            try await Task(executorPreference: pool.taskExecutor) {
                try await pool.withConnection { try $0.query("SELECT 1") }
            }.value
        }
        XCTAssertEqual(error?.code, .closed)
    }

}

private func currentThreadName() -> String {
    (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
}
