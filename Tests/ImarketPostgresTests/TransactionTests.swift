import Foundation
import ImarketPostgres
import XCTest

private struct Boom: Error {}

final class TransactionTests: PostgresTestCase {
    private func resetTables(_ pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try connection.simpleQuery("""
                DROP TABLE IF EXISTS accounts, doctors;
                CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL CONSTRAINT accounts_email_key UNIQUE);
                CREATE TABLE doctors (id int PRIMARY KEY, on_call boolean NOT NULL);
                INSERT INTO doctors VALUES (1, true), (2, true);
                """)
        }
    }

    func testCommitsAndRollsBackOnThrow() async throws {
        let pool = try makePool(size: 2)
        try await resetTables(pool)
        try await pool.transaction { try $0.execute("INSERT INTO accounts VALUES ($1, $2)", [1, "a@example.com"]) }
        do {
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO accounts VALUES ($1, $2)", [2, "b@example.com"])
                throw Boom()
            }
            XCTFail("expected Boom")
        } catch is Boom {}
        let emails = try await pool.withConnection { try $0.query("SELECT email FROM accounts ORDER BY id").map { try $0.string("email") } }
        XCTAssertEqual(emails, ["a@example.com"])
    }

    func testUniqueViolationNamesTheConstraint() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        try await pool.transaction { try $0.execute("INSERT INTO accounts VALUES ($1, $2)", [1, "a@example.com"]) }
        let error = await expectPostgresError {
            try await pool.transaction { try $0.execute("INSERT INTO accounts VALUES ($1, $2)", [2, "a@example.com"]) }
        }
        XCTAssertTrue(error?.isUniqueViolation ?? false)
        XCTAssertEqual(error?.constraint, "accounts_email_key")
        XCTAssertEqual(error?.code, .server)
        XCTAssertFalse(String(describing: error!).contains("a@example.com"), "description must not leak values")
    }

    func testSerializationFailureFromBodyIsRetried() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let attempts = Counter()
        let value = try await pool.transaction(isolation: .serializable) { connection -> Int in
            attempts.increment()
            try connection.execute("INSERT INTO accounts VALUES ($1, $2)", [attempts.value(), "x\(attempts.value())@example.com"])
            if attempts.value() == 1 {
                throw PostgresError(code: .server, sqlState: "40001", message: "synthetic serialization failure")
            }
            return attempts.value()
        }
        XCTAssertEqual(value, 2)
        let ids = try await pool.withConnection { try $0.query("SELECT id FROM accounts").map { try $0.int("id") } }
        XCTAssertEqual(ids, [2], "the first attempt's insert must have been rolled back")
    }

    func testRetryGivesUpAfterMaxAttempts() async throws {
        let pool = try makePool(size: 1)
        let attempts = Counter()
        let error = await expectPostgresError {
            try await pool.transaction(maxAttempts: 3) { _ -> Int in
                attempts.increment()
                throw PostgresError(code: .server, sqlState: "40P01", message: "synthetic deadlock")
            }
        }
        XCTAssertEqual(error?.sqlState, "40P01")
        XCTAssertEqual(attempts.value(), 3)
    }

    func testNonRetryableErrorIsNotRetried() async throws {
        let pool = try makePool(size: 1)
        let attempts = Counter()
        _ = await expectPostgresError {
            try await pool.transaction { connection -> Int in
                attempts.increment()
                return try connection.query("SELECT 1/0 AS x")[0].int("x")
            }
        }
        XCTAssertEqual(attempts.value(), 1)
    }

    /// Classic write skew: both transactions read "two on call", each takes one doctor off.
    /// Under SERIALIZABLE one of them must fail with 40001 (often at COMMIT) and, retried,
    /// sees only one doctor left and leaves them on call.
    func testRealSerializationConflictIsRetriedEndToEnd() async throws {
        let pool = try makePool(size: 2)
        try await resetTables(pool)
        let barrier = Barrier(parties: 2)
        let attempts = Counter()
        @Sendable func takeOffCall(_ id: Int) async throws -> Bool {
            try await pool.transaction(isolation: .serializable) { connection -> Bool in
                attempts.increment("\(id)")
                let onCall = try connection.query("SELECT count(*) AS n FROM doctors WHERE on_call")[0].int("n")
                if attempts.value("\(id)") == 1 { barrier.arriveAndWait() }
                guard onCall >= 2 else { return false }
                try connection.execute("UPDATE doctors SET on_call = false WHERE id = $1", [id])
                return true
            }
        }
        async let first = takeOffCall(1)
        async let second = takeOffCall(2)
        let outcomes = try await [first, second]
        XCTAssertEqual(outcomes.filter { $0 }.count, 1, "exactly one doctor goes off call")
        XCTAssertEqual(attempts.value("1") + attempts.value("2"), 3, "the loser ran exactly twice")
        let stillOnCall = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM doctors WHERE on_call")[0].int("n") }
        XCTAssertEqual(stillOnCall, 1)
    }

    func testSwallowedErrorMakesCommitFail() async throws {
        let pool = try makePool(size: 1)
        try await resetTables(pool)
        let error = await expectPostgresError {
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO accounts VALUES ($1, $2)", [1, "a@example.com"])
                _ = try? connection.query("SELECT 1/0")
            }
        }
        XCTAssertEqual(error?.sqlState, "25P02")
        let count = try await pool.withConnection { try $0.query("SELECT count(*) AS n FROM accounts")[0].int("n") }
        XCTAssertEqual(count, 0)
    }
}
