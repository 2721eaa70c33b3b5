import Foundation
import ImarketPostgres
import XCTest

/// `PostgresPool.read`: reads of tasks on one pool thread share a round trip (keyed reads of one
/// statement share the statement), and each still gets exactly its own result or error. Each test holds the pool's only thread in a statement while
/// the readers queue up, so that they are sure to meet in one batch.
final class SharedReadTests: PostgresTestCase {
    /// Starts `count` readers on the pool's executor while its only thread is busy; returns their
    /// results in order.
    private func together(
        _ pool: PostgresPool, count: Int, _ read: @escaping @Sendable (Int) async throws -> PostgresRows
    ) async throws -> [Result<PostgresRows, Error>] {
        let holder = Task(executorPreference: pool.taskExecutor) {
            try await pool.withConnection { try $0.query("SELECT pg_sleep(0.3)") }
        }
        try await Task.sleep(for: .milliseconds(100))
        let results = await withTaskGroup(of: (Int, Result<PostgresRows, Error>).self) { group in
            for index in 0..<count {
                group.addTask(executorPreference: pool.taskExecutor) {
                    do { return (index, .success(try await read(index))) } catch { return (index, .failure(error)) }
                }
            }
            var results = [Result<PostgresRows, Error>?](repeating: nil, count: count)
            for await (index, result) in group { results[index] = result }
            return results.map { $0! }
        }
        _ = try await holder.value
        return results
    }

    private func readTogether(
        _ pool: PostgresPool, count: Int, _ read: @escaping @Sendable (Int) -> (String, [PostgresBindable?])
    ) async throws -> [Result<PostgresRows, Error>] {
        try await together(pool, count: count) { index in
            let (sql, params) = read(index)
            return try await pool.read(sql, params)
        }
    }

    private func readTogether(
        _ pool: PostgresPool, count: Int, keyed read: KeyedRead, _ key: @escaping @Sendable (Int) -> String
    ) async throws -> [Result<PostgresRows, Error>] {
        try await together(pool, count: count) { try await pool.read(read, key: key($0)) }
    }

    func testConcurrentReadsShareRoundTripsAndEachGetsItsOwnRows() async throws {
        let pool = try makePool(size: 1, taskWaitLimit: .seconds(10))
        // now() is the start of the (implicit) transaction: one value per round trip.
        let results = try await readTogether(pool, count: 50) { index in
            ("SELECT $1::int8 * 2 AS n, now()::text AS started", [index])
        }
        var starts = Set<String>()
        for (index, result) in results.enumerated() {
            let row = try result.get()[0]
            XCTAssertEqual(try row.int("n"), index * 2)
            starts.insert(try row.string("started"))
        }
        // At most 32 reads per round trip: 50 readers take two (three if the first ran alone).
        XCTAssertLessThanOrEqual(starts.count, 3, "the reads did not share round trips")
    }

    func testAFailingReadFailsAloneAndTheReadsAfterItAreSentAgain() async throws {
        let pool = try makePool(size: 1, taskWaitLimit: .seconds(10))
        let results = try await readTogether(pool, count: 10) { index in
            switch index {
            case 3: return ("SELECT 100 / $1::int8 AS n", [0])  // fails when it runs: 22012
            case 6: return ("SELECT no_such_column AS n", [])  // fails to prepare: 42703
            case 8: return ("SELECT length($1::text) AS n", ["a\u{0}b"])  // cannot be sent
            default: return ("SELECT 100 / $1::int8 AS n", [index + 1])
            }
        }
        for (index, result) in results.enumerated() {
            switch index {
            case 3, 6:
                XCTAssertThrowsError(try result.get()) { error in
                    XCTAssertEqual((error as? PostgresError)?.sqlState, index == 3 ? "22012" : "42703")
                }
            case 8:
                XCTAssertThrowsError(try result.get()) { error in
                    XCTAssertEqual((error as? PostgresError)?.code, .invalidParameter)
                }
            default:
                XCTAssertEqual(try result.get()[0].int("n"), 100 / (index + 1), "read \(index)")
            }
        }
    }

    func testAConnectionLostInABatchFailsTheReadsWithoutAnswerAndThePoolReconnects() async throws {
        let pool = try makePool(size: 1, taskWaitLimit: .seconds(10))
        let results = try await readTogether(pool, count: 5) { index in
            index == 2
                ? ("SELECT pg_terminate_backend(pg_backend_pid()) AS n", [])
                : ("SELECT $1::int8 AS n", [index])
        }
        for index in 0..<2 { XCTAssertEqual(try results[index].get()[0].int("n"), index, "answered before the loss") }
        for index in 2..<5 { XCTAssertThrowsError(try results[index].get(), "read \(index) got an answer from a dead session") }
        let after = try await Task(executorPreference: pool.taskExecutor) {
            try await pool.read("SELECT 7 AS n")[0].int("n")
        }.value
        XCTAssertEqual(after, 7)
    }

    /// Keyed reads of one statement meet in one statement (one `statement_timestamp()`), and each
    /// reader gets the rows of its own key, whatever characters the key holds.
    func testKeyedReadsShareOneStatementAndEachGetsItsOwnKeysRows() async throws {
        let pool = try makePool(size: 1, taskWaitLimit: .seconds(10))
        let read = KeyedRead(sql: """
            SELECT k AS key, length(k) AS n, statement_timestamp()::text AS at,
                   current_setting('plan_cache_mode') AS plans
              FROM unnest($1::text[]) k, generate_series(1, CASE WHEN k = 'twice' THEN 2 ELSE 1 END)
             WHERE k <> 'none'
            """, keyColumn: "key")
        let keys = ["a", "b,c", "d\"e", "f\\g", "{h}", "NULL", "", "twice", "none", "a"]
        let results = try await readTogether(pool, count: keys.count, keyed: read) { keys[$0] }
        var statements = Set<String>()
        for (index, key) in keys.enumerated() {
            let rows = try results[index].get()
            XCTAssertEqual(rows.count, key == "none" ? 0 : key == "twice" ? 2 : 1, "rows of \(key)")
            for row in rows {
                XCTAssertEqual(try row.string("key"), key)
                XCTAssertEqual(try row.int("n"), key.count)
                XCTAssertEqual(try row.string("plans"), "force_generic_plan")
                statements.insert(try row.string("at"))
            }
        }
        XCTAssertEqual(statements.count, 1, "the keyed reads did not share one statement")
        let outside = try await pool.read(read, key: "outside")
        XCTAssertEqual(try outside.map { try $0.string("key") }, ["outside"])
        // The setting lasted for the keyed statements' round trip only.
        let after = try await pool.withConnection { try $0.query("SELECT current_setting('plan_cache_mode') AS plans") }
        XCTAssertEqual(try after[0].string("plans"), "auto")
    }

    /// A shared keyed statement that fails because of one key's row is sent again key by key:
    /// only the reader of that key gets the error.
    func testAKeyedReadThatFailsFailsAloneAndTheOtherKeysAreAnswered() async throws {
        let pool = try makePool(size: 1, taskWaitLimit: .seconds(10))
        let read = KeyedRead(sql: "SELECT k AS key, 100 / k::int AS n FROM unnest($1::text[]) k", keyColumn: "key")
        let keys = ["1", "2", "0", "5", "x", "1\u{0}"]
        let results = try await readTogether(pool, count: keys.count, keyed: read) { keys[$0] }
        XCTAssertEqual(try results[0].get()[0].int("n"), 100)
        XCTAssertEqual(try results[1].get()[0].int("n"), 50)
        XCTAssertEqual(try results[3].get()[0].int("n"), 20)
        for (index, sqlState) in [(2, "22012"), (4, "22P02")] {
            XCTAssertThrowsError(try results[index].get()) { error in
                XCTAssertEqual((error as? PostgresError)?.sqlState, sqlState, "key \(keys[index])")
            }
        }
        XCTAssertThrowsError(try results[5].get(), "a key with a NUL byte") { error in
            XCTAssertEqual((error as? PostgresError)?.code, .invalidParameter)
        }
    }

    func testAReadFromOutsideThePoolRunsOnItsOwn() async throws {
        let pool = try makePool(size: 2)
        let rows = try await pool.read("SELECT $1::text AS s", ["outside"])
        XCTAssertEqual(try rows[0].string("s"), "outside")
        let error = await expectPostgresError { try await pool.read("SELECT 1 / 0 AS n") }
        XCTAssertEqual(error?.sqlState, "22012")
    }
}
