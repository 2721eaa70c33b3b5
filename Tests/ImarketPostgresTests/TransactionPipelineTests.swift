import CLibPQ
import Foundation
import ImarketPostgres
import XCTest

private struct Boom: Error {}

/// BEGIN sent with the first statement, and `executeAtCommit` statements sent with COMMIT:
/// both behave as if each had run in place, including when they fail.
final class TransactionPipelineTests: PostgresTestCase {
    private func resetTables(_ pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try connection.simpleQuery("""
                DROP TABLE IF EXISTS notes;
                CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL CHECK (body <> 'bad'));
                """)
        }
    }

    private func ids(_ pool: PostgresPool) async throws -> [Int] {
        try await pool.withConnection { try $0.query("SELECT id FROM notes ORDER BY id").map { try $0.int("id") } }
    }

    func testAPairRunsInOrderInOneTransaction() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let seen = try await pool.transaction { connection -> (Int, Int) in
            // The deferred BEGIN travels with the pair: the second statement sees the first's row.
            let (inserted, counted) = try connection.queryPair(
                "INSERT INTO notes VALUES ($1, $2) RETURNING id", [1, "first"],
                then: "SELECT count(*) AS n FROM notes", [])
            return (try inserted[0].int("id"), try counted[0].int("n"))
        }
        XCTAssertEqual(seen.0, 1)
        XCTAssertEqual(seen.1, 1)
        // Inside the transaction: a later failure rolls the pair back too.
        _ = try? await pool.transaction { connection in
            _ = try connection.queryPair("INSERT INTO notes VALUES ($1, $2)", [2, "second"], then: "SELECT 1 AS one", [])
            throw Boom()
        }
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [1])
    }

    func testWhenTheFirstOfAPairFailsTheSecondNeverRuns() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let error = await expectPostgresError {
            try await pool.transaction { connection in
                _ = try connection.queryPair(
                    "INSERT INTO notes VALUES ($1, $2)", [1, "bad"], then: "INSERT INTO notes VALUES ($1, $2)", [2, "never"])
            }
        }
        XCTAssertEqual(error?.sqlState, "23514", "the first statement's check violation")
        try await pool.transaction { try $0.execute("INSERT INTO notes VALUES ($1, $2)", [3, "next"]) }
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [3], "nothing of the failed pair remains and the session is usable")
    }

    func testQueuedStatementsRunInOrderAtCommit() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let seenBeforeCommit = try await pool.transaction { connection -> Int in
            try connection.execute("INSERT INTO notes VALUES ($1, $2)", [1, "in place"])
            try connection.executeAtCommit("INSERT INTO notes VALUES ($1, $2)", [2, "queued"])
            try connection.executeAtCommit("UPDATE notes SET body = $2 WHERE id = $1", [2, "queued, then updated"])
            return try connection.query("SELECT count(*) AS n FROM notes").first!.int("n")
        }
        XCTAssertEqual(seenBeforeCommit, 1, "queued statements run only at COMMIT")
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [1, 2])
        let body = try await pool.withConnection { try $0.query("SELECT body FROM notes WHERE id = 2").first!.string("body") }
        XCTAssertEqual(body, "queued, then updated", "queued statements keep their order")
    }

    func testAFailingQueuedStatementFailsTheWholeTransaction() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let error = await expectPostgresError {
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO notes VALUES ($1, $2)", [1, "fine"])
                try connection.executeAtCommit("INSERT INTO notes VALUES ($1, $2)", [2, "bad"])
                try connection.executeAtCommit("INSERT INTO notes VALUES ($1, $2)", [3, "never runs"])
            }
        }
        XCTAssertEqual(error?.sqlState, "23514", "the check violation of the queued insert")
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [], "nothing of the transaction remains")
        // The session is usable again, and nothing queued leaks into the next transaction.
        try await pool.transaction { try $0.execute("INSERT INTO notes VALUES ($1, $2)", [4, "next"]) }
        let after = try await ids(pool)
        XCTAssertEqual(after, [4])
    }

    func testQueuedStatementsOfAFailedBodyAreDropped() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        do {
            try await pool.transaction { connection in
                try connection.executeAtCommit("INSERT INTO notes VALUES ($1, $2)", [1, "dropped"])
                throw Boom()
            }
            XCTFail("expected Boom")
        } catch is Boom {}
        try await pool.transaction { try $0.execute("INSERT INTO notes VALUES ($1, $2)", [2, "next"]) }
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [2])
    }

    func testOutsideATransactionItRunsAtOnce() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        try await pool.withConnection { try $0.executeAtCommit("INSERT INTO notes VALUES ($1, $2)", [1, "now"]) }
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [1])
    }

    func testTheFirstStatementRunsInsideTheRequestedIsolationLevel() async throws {
        let pool = try makePool(size: 1)
        let (level, status) = try await pool.transaction(isolation: .serializable) { connection -> (String, Bool) in
            let level = try connection.query("SELECT current_setting('transaction_isolation') AS level").first!.string("level")
            return (level, connection.transactionStatus == PQTRANS_INTRANS)
        }
        XCTAssertEqual(level, "serializable")
        XCTAssertTrue(status, "the first statement ran inside the transaction")
    }

    func testAFailingFirstStatementFailsTheTransactionAndLeavesTheSessionClean() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let error = await expectPostgresError {
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO notes VALUES ($1, $2)", [1, "bad"])
            }
        }
        XCTAssertEqual(error?.sqlState, "23514")
        try await pool.transaction { try $0.execute("INSERT INTO notes VALUES ($1, $2)", [2, "fine"]) }
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [2])
    }

    func testAnEmptyTransactionCommitsWithoutARoundTrip() async throws {
        let pool = try makePool(size: 1)
        let value = try await pool.transaction { _ in 42 }
        XCTAssertEqual(value, 42)
        let idle = try await pool.withConnection { $0.transactionStatus == PQTRANS_IDLE }
        XCTAssertTrue(idle)
    }

    func testSimpleQueriesSendTheDeferredBeginFirst() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        do {
            try await pool.transaction { connection in
                try connection.simpleQuery("INSERT INTO notes VALUES (1, 'simple')")
                throw Boom()
            }
            XCTFail("expected Boom")
        } catch is Boom {}
        let rows = try await ids(pool)
        XCTAssertEqual(rows, [], "the simple query ran inside the transaction and was rolled back")
    }
}
