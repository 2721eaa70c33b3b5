import Foundation
import ImarketPostgres
import XCTest

final class PoolTests: PostgresTestCase {
    func testHundredConcurrentQueriesOnPoolOfFour() async throws {
        let pool = try makePool(size: 4)
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask {
                    try await pool.withConnection { connection in
                        try connection.query("SELECT $1::int8 * 2 AS n, pg_sleep(0.005)", [index])[0].int("n")
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(sum, (0..<100).reduce(0) { $0 + $1 * 2 })
        let backends = try await pool.withConnection { connection in
            try connection.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'imarket-tests' AND datname = current_database()")[0].int("n")
        }
        XCTAssertLessThanOrEqual(backends, 4)
    }

    func testAcquireTimeoutWhenAllConnectionsAreBusy() async throws {
        let pool = try makePool(size: 1, acquireTimeout: .milliseconds(200))
        let holder = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(1)") } }
        try await Task.sleep(for: .milliseconds(100))
        let started = Date()
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(error?.code, .poolTimeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.9)
        _ = try await holder.value
    }

    /// The reaper is only woken for a caller that has to wait; one still sleeping until an
    /// earlier caller's deadline must move on to the next caller's when that one was served.
    func testAcquireTimeoutForAWaiterQueuedAfterAnEarlierWaiterWasServed() async throws {
        let pool = try makePool(size: 1, acquireTimeout: .milliseconds(400))
        for _ in 0..<20 { _ = try await pool.withConnection { try $0.query("SELECT 1") } }
        let first = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(0.15)") } }
        try await Task.sleep(for: .milliseconds(50))
        let served = Task { try await pool.withConnection { try $0.query("SELECT pg_sleep(1.2)") } }
        try await Task.sleep(for: .milliseconds(250))  // `served` now holds the connection
        let started = Date()
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(error?.code, .poolTimeout)
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThan(waited, 0.3)
        XCTAssertLessThan(waited, 1.0)
        _ = try await first.value
        _ = try await served.value
    }

    /// Pool threads carry their names to the kernel, so `top -H` and `perf` can tell them apart.
    func testPoolThreadsAreNamed() async throws {
        let pool = try makePool(size: 2)
        _ = try await pool.withConnection { try $0.query("SELECT 1") }
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap {
            try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertTrue(names.contains("imarket-pg-0"), "\(names)")
        XCTAssertTrue(names.contains("imarket-pg-1"), "\(names)")
        XCTAssertTrue(names.contains("imarket-pg-reap"), "\(names)")
    }

    func testStatementTimeoutCancelsSleep() async throws {
        let pool = try makePool(size: 1, statementTimeout: .milliseconds(200))
        let started = Date()
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT pg_sleep(5)") } }
        XCTAssertEqual(error?.sqlState, "57014")
        XCTAssertTrue(error?.isQueryCanceled ?? false)
        XCTAssertEqual(error?.code, .server)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        let healthy = await pool.isHealthy()
        XCTAssertTrue(healthy)
    }

    func testSessionSettingsAreApplied() async throws {
        let pool = try makePool(size: 1, statementTimeout: .seconds(7))
        let settings = try await pool.withConnection { connection in
            try ["statement_timeout", "TimeZone", "DateStyle", "application_name"].map {
                try connection.query("SELECT current_setting($1) AS v", [$0])[0].string("v")
            }
        }
        XCTAssertEqual(settings, ["7s", "UTC", "ISO, MDY", "imarket-tests"])
    }

    func testOpenTransactionIsRolledBackBeforeNextBorrower() async throws {
        let pool = try makePool(size: 1)
        try await pool.withConnection { try $0.simpleQuery("DROP TABLE IF EXISTS leak; CREATE TABLE leak (x int)") }
        try await pool.withConnection { connection in
            try connection.simpleQuery("BEGIN")
            try connection.execute("INSERT INTO leak VALUES ($1)", [Int32(1)])
        }
        let count = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM leak")[0].int("n") }
        XCTAssertEqual(count, 0)
    }

    func testShutdownFailsLaterCallsWithClosed() async throws {
        let pool = try makePool(size: 2)
        let healthy = await pool.isHealthy()
        XCTAssertTrue(healthy)
        await pool.shutdownGracefully()
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(error?.code, .closed)
        let afterShutdown = await pool.isHealthy()
        XCTAssertFalse(afterShutdown)
    }

    func testUnreachableServerIsUnavailableAndFast() async throws {
        let pool = try makePool(size: 2, conninfo: "host=/nonexistent-socket-dir port=1 user=nobody dbname=nothing")
        let started = Date()
        let error = await expectPostgresError { try await pool.withConnection { try $0.query("SELECT 1") } }
        XCTAssertEqual(error?.code, .unavailable)
        XCTAssertTrue(error?.isConnectionFailure ?? false)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }
}
