import Foundation
@testable import ImarketPostgres
import XCTest

/// Logic that needs no server: encodings, hashing, queue ordering, retry policy.
final class PureLogicTests: XCTestCase {
    func testTimestampFormatAndParse() {
        let date = Date(timeIntervalSince1970: 1_795_910_400.123456)
        XCTAssertEqual(date.postgresText, "2026-11-29T00:00:00.123456Z")
        XCTAssertEqual(Date(timeIntervalSince1970: -0.5).postgresText, "1969-12-31T23:59:59.500000Z")
        XCTAssertEqual(PostgresTimestamp.parse("2026-11-29 00:00:00.123456+00")!.timeIntervalSince1970, 1_795_910_400.123456, accuracy: 1e-6)
        XCTAssertEqual(PostgresTimestamp.parse("2026-11-29 02:30:00+02:30")!.timeIntervalSince1970, 1_795_910_400)
        XCTAssertEqual(PostgresTimestamp.parse("2026-11-29T00:00:00.5Z")!.timeIntervalSince1970, 1_795_910_400.5)
        XCTAssertEqual(PostgresTimestamp.parse("2026-11-29")!.timeIntervalSince1970, 1_795_910_400)
        XCTAssertNil(PostgresTimestamp.parse("infinity"))
        XCTAssertNil(PostgresTimestamp.parse("2026-13-01 00:00:00+00"))
    }

    func testBindableTextForms() {
        XCTAssertEqual([UInt8]([0, 0xab, 0xff]).postgresText, "\\x00abff")
        XCTAssertEqual(["a", "b\"c", "d\\e", ""].postgresText, #"{"a","b\"c","d\\e",""}"#)
        XCTAssertEqual(["名称", "é\"🙂", "x,{y}"].postgresText, #"{"名称","é\"🙂","x,{y}"}"#)
        XCTAssertEqual([String]().postgresText, "{}")
        XCTAssertEqual([Int64(-1), 2].postgresText, "{-1,2}")
        XCTAssertEqual(Double.infinity.postgresText, "Infinity")
        XCTAssertEqual(Double.nan.postgresText, "NaN")
        XCTAssertEqual(true.postgresText, "true")
    }


    func testColumnIndexFindsEveryNameAndTheFirstOfDuplicates() {
        // 40 names (the table grows past its initial 8 slots), short and long ones, a duplicate.
        var names = (0..<38).map { $0 % 2 == 0 ? "c\($0)" : "a_rather_long_column_name_\($0)" }
        names += ["c4", "名称"]
        let columns = PostgresColumns(names: names)
        for (position, name) in names.enumerated() where name != "c4" || position == 4 {
            XCTAssertEqual(columns.index(of: name), position, name)
        }
        XCTAssertEqual(columns.index(of: "c4"), 4, "the first of two columns with one name")
        for missing in ["", "c", "c38", "C0", "a_rather_long_column_name_2", "名"] {
            XCTAssertNil(columns.index(of: missing), missing)
        }
        XCTAssertNil(PostgresColumns(names: []).index(of: "x"))
    }

    func testReadBatchSharesOneStatementPerKeyedReadAndHandsEachReadItsKeysRows() throws {
        let k = KeyedRead(sql: "K", keyColumn: "id"), other = KeyedRead(sql: "K2", keyColumn: "id")
        let reads: [ReadBatch.Read] = [
            .plain(sql: "P", params: [1]), .keyed(k, key: "a"), .keyed(k, key: "b\",x"), .keyed(k, key: "a"),
            .keyed(other, key: "a"), .keyed(k, key: "missing"),
        ]
        let batch = ReadBatch(reads)
        XCTAssertEqual(batch.statements.map(\.sql), ["P", ReadBatch.genericPlans, "K", "K2"], "keyed statements last, with generic plans")
        XCTAssertEqual(batch.statements.map { $0.params.map { $0?.postgresText } },
                       [["1"], [], [#"{"a","b\",x","missing"}"#], [#"{"a"}"#]])
        XCTAssertEqual(ReadBatch([.plain(sql: "P", params: [])]).statements.map(\.sql), ["P"], "plain reads alone: no setting")
        let columns = PostgresColumns(names: ["id", "v"])
        func rows(_ values: [[String?]]) -> PostgresRows {
            PostgresRows(columns: columns, values: values, commandTag: "SELECT \(values.count)", affectedRows: values.count)
        }
        let failure = PostgresError(code: .server, sqlState: "22012", message: "division by zero")
        let results = batch.results([.success(rows([["p", "0"]])), .success(rows([])), .success(rows([["a", "1"], ["b\",x", "2"], ["a", "3"]])), .failure(failure)])
        XCTAssertEqual(try results[0].get().map { $0.values }, [["p", "0"]], "a plain read gets its statement's rows")
        XCTAssertEqual(try results[1].get().map { $0.values }, [["a", "1"], ["a", "3"]])
        XCTAssertEqual(try results[2].get().map { $0.values }, [["b\",x", "2"]])
        XCTAssertEqual(try results[3].get().map { $0.values }, [["a", "1"], ["a", "3"]], "the same key twice")
        XCTAssertEqual(try results[5].get().count, 0, "a key without rows")
        XCTAssertEqual(try results[5].get().commandTag, "SELECT 0")
        XCTAssertThrowsError(try results[4].get())
        // K2 carried one key: its failure is that read's own, nothing to send again.
        XCTAssertEqual(batch.readsToSplit(results), [])
        let failedShared = batch.results([.success(rows([])), .success(rows([])), .failure(failure), .success(rows([]))])
        XCTAssertEqual(batch.readsToSplit(failedShared), [1, 2, 3, 5])
        let alone = ReadBatch(batch.reads(at: [1, 2, 3, 5]), coalescing: false)
        XCTAssertEqual(alone.statements.map { $0.params.map { $0?.postgresText } },
                       [[], [#"{"a"}"#], [#"{"b\",x"}"#], [#"{"missing"}"#]], "each key alone, the same key once")
        let lost = PostgresError(code: .unavailable, message: "connection lost")
        XCTAssertEqual(batch.readsToSplit(batch.results([.success(rows([])), .success(rows([])), .failure(lost), .success(rows([]))])), [],
                       "a lost connection is not sent again")
        let wrongColumn = ReadBatch([.keyed(KeyedRead(sql: "K", keyColumn: "nope"), key: "a")])
        XCTAssertThrowsError(try wrongColumn.results([.success(rows([])), .success(rows([["a", "1"]]))])[0].get())
    }

    func testWaiterQueueIsFIFOAndExpiresFromTheHead() {
        var queue = WaiterQueue<String>()
        queue.enqueue(id: 1, deadline: 100, job: "a")
        queue.enqueue(id: 2, deadline: 200, job: "b")
        queue.enqueue(id: 3, deadline: 300, job: "c")
        XCTAssertEqual(queue.remove(id: 2), "b")
        XCTAssertEqual(queue.removeExpired(now: 150), ["a"])
        XCTAssertEqual(queue.nextDeadline, 300)
        queue.enqueue(id: 4, deadline: 400, job: "d")
        XCTAssertEqual(queue.dequeue(), "c")
        XCTAssertEqual(queue.removeAll(), ["d"])
        XCTAssertTrue(queue.isEmpty)
    }

    func testRetryPolicy() {
        let policy = RetryPolicy(maxAttempts: 3)
        let serialization = PostgresError(code: .server, sqlState: "40001", message: "x")
        XCTAssertTrue(policy.shouldRetry(serialization, attempt: 1))
        XCTAssertTrue(policy.shouldRetry(PostgresError(code: .server, sqlState: "40P01", message: "x"), attempt: 2))
        XCTAssertFalse(policy.shouldRetry(serialization, attempt: 3))
        XCTAssertFalse(policy.shouldRetry(PostgresError(code: .server, sqlState: "23505", message: "x"), attempt: 1))
        XCTAssertFalse(policy.shouldRetry(PostgresError(code: .unavailable, sqlState: "40001", message: "x"), attempt: 1))
        var random = SystemRandomNumberGenerator()
        for attempt in 1...10 {
            XCTAssertLessThanOrEqual(policy.delayMicroseconds(afterAttempt: attempt, using: &random), 100_000)
        }
    }

    func testReconnectGate() {
        var gate = ReconnectGate(backoffNanoseconds: 1_000)
        XCTAssertNil(gate.refusal(now: 5))
        gate.recordFailure(now: 10, message: "down")
        XCTAssertEqual(gate.refusal(now: 500)?.code, .unavailable)
        XCTAssertNil(gate.refusal(now: 1_010))
        gate.recordSuccess()
        XCTAssertNil(gate.refusal(now: 11))
    }

    func testErrorClassification() {
        XCTAssertTrue(PostgresError(code: .server, sqlState: "08006", message: "x").isConnectionFailure)
        XCTAssertTrue(PostgresError(code: .server, sqlState: "57P01", message: "x").isConnectionFailure)
        XCTAssertFalse(PostgresError(code: .server, sqlState: "57014", message: "x").isConnectionFailure)
        XCTAssertEqual(conninfoQuote("/tmp/a b"), "'/tmp/a b'")
        XCTAssertEqual(conninfoQuote("plain"), "plain")
    }
}
