import Foundation
import ImarketPostgres
import XCTest

private struct Boom: Error {}

/// `executeAtCommit`: statements that travel with COMMIT in one round trip behave as if they had
/// run in place at the end of the transaction, including when they fail.
final class CommitPipelineTests: PostgresTestCase {
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
}
