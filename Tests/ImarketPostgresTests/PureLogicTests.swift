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
