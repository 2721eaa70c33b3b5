import Foundation
import ImarketJSONRPC
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// API section 11 / issue 3: every change leaves exactly one entry, failures leave none, and
/// each kind of tampering with the stored log is reported at the first bad entry, both by
/// `audit.verify` and by `imarket audit verify` run directly against the database.
final class AuditLogTests: IntegrationTestCase {
    private func sql(_ text: String, _ params: [PostgresBindable?] = []) throws -> PostgresRows {
        let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: try server.databaseURL))
        return try connection.query(text, params)
    }

    private func verifyBoth() throws -> (api: JSONValue, cliStatus: Int32, cliOutput: String) {
        let api = try adminClient().result("audit.verify")
        let cli = try server.cli(["audit", "verify"])
        return (api, cli.status, cli.stdout + cli.stderr)
    }

    /// A few subjects with several entries each.
    private func makeHistory() throws {
        let admin = try adminClient()
        for value in [2, 3, 4] {
            _ = try admin.result("rules.set", json(#"{"changes":{"minBidders":\#(value)}}"#))
        }
        let whoami = try admin.result("system.whoami")
        let accountId = whoami["accountId"]!.stringValue!
        for label in ["a", "b", "c"] {
            _ = try admin.result("token.create", .object(JSONObject([(key: "accountId", value: .string(accountId)), (key: "label", value: .string(label))])))
        }
    }

    func testFailedCallLeavesNoEntryAndSuccessLeavesExactlyOne() throws {
        let admin = try adminClient()
        let before = try sql("SELECT count(*) AS n FROM audit_entries")[0].int64("n")
        assertError(try admin.call("rules.set", json(#"{"changes":{"minBidders":0}}"#)), code: -32602, reason: "out_of_range",
                    field: "changes.minBidders")
        assertError(try admin.call("token.create", json(#"{"accountId":"acc_missing","label":"x"}"#)), code: -32004)
        XCTAssertEqual(try sql("SELECT count(*) AS n FROM audit_entries")[0].int64("n"), before)

        _ = try admin.result("rules.set", json(#"{"changes":{"minBidders":5}}"#))
        let rows = try sql("SELECT method, subject_type, actor_id FROM audit_entries ORDER BY seq DESC")
        XCTAssertEqual(Int64(rows.count), before + 1)
        XCTAssertEqual(try rows[0].string("method"), "rules.set")

        let events = try admin.result("audit.events", json(#"{"subjectType":"rules","limit":200}"#))
        let last = events["items"]!.arrayValue!.last!
        XCTAssertEqual(last["method"]?.stringValue, "rules.set")
        XCTAssertEqual(last["actorId"]?.stringValue, try admin.result("system.whoami")["accountId"]?.stringValue)
        XCTAssertEqual(last["digest"]?.stringValue?.count, 64)
    }

    func testEventsArePagedInSequenceOrder() throws {
        try makeHistory()
        let admin = try adminClient()
        var seqs: [Int64] = []
        var after: Int64 = 0
        while true {
            let page = try admin.result("audit.events", json(#"{"afterSeq":\#(after),"limit":2}"#))
            let items = page["items"]!.arrayValue!
            seqs += items.map { $0["seq"]!.int64Value! }
            guard let next = page["nextCursor"]?.stringValue, let value = Int64(next) else { break }
            after = value
        }
        let all = try sql("SELECT seq FROM audit_entries ORDER BY seq").map { try $0.int64("seq") }
        XCTAssertEqual(seqs, all)
        XCTAssertGreaterThanOrEqual(seqs.count, 6)
        let anonymous = try anonymousClient()
        assertError(try anonymous.call("audit.events"), code: -32001)
    }

    func testEveryKindOfTamperingIsReportedAtTheFirstBadEntry() throws {
        try makeHistory()
        var untouched = try verifyBoth()
        XCTAssertEqual(untouched.api["ok"], .bool(true), "\(untouched.api)")
        XCTAssertEqual(untouched.api["brokenAt"], .null)
        XCTAssertEqual(untouched.cliStatus, 0, untouched.cliOutput)

        _ = try sql("CREATE TABLE IF NOT EXISTS audit_backup AS SELECT * FROM audit_entries")
        _ = try sql("CREATE TABLE IF NOT EXISTS heads_backup AS SELECT * FROM audit_heads")
        func restore() throws {
            _ = try sql("DELETE FROM audit_entries")
            _ = try sql("INSERT INTO audit_entries SELECT * FROM audit_backup")
            _ = try sql("DELETE FROM audit_heads")
            _ = try sql("INSERT INTO audit_heads SELECT * FROM heads_backup")
        }
        func expectBroken(at seq: Int64, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let result = try verifyBoth()
            XCTAssertEqual(result.api["ok"], .bool(false), what, file: file, line: line)
            XCTAssertEqual(result.api["brokenAt"]?.int64Value, seq, "\(what): \(result.api)", file: file, line: line)
            XCTAssertEqual(result.cliStatus, 1, result.cliOutput, file: file, line: line)
            XCTAssertTrue(result.cliOutput.contains("BROKEN at entry \(seq)"), result.cliOutput, file: file, line: line)
            try restore()
        }
        // The rules subject has three entries in order.
        let chain = try sql("SELECT seq FROM audit_entries WHERE subject_type = 'rules' ORDER BY subject_index").map { try $0.int64("seq") }
        XCTAssertGreaterThanOrEqual(chain.count, 3)

        _ = try sql("UPDATE audit_entries SET method = 'rules.get' WHERE seq = $1", [chain[1]])
        try expectBroken(at: chain[1], "update a field")

        _ = try sql("UPDATE audit_entries SET at = at + interval '1 second' WHERE seq = $1", [chain[0]])
        try expectBroken(at: chain[0], "change a timestamp")

        _ = try sql("DELETE FROM audit_entries WHERE seq = $1", [chain[1]])
        try expectBroken(at: chain[2], "delete a row (its successor no longer links)")

        // A forged entry that even links correctly to the real end of the chain.
        let last = try sql("SELECT seq, hash, subject_index FROM audit_entries WHERE seq = $1", [chain[chain.count - 1]])[0]
        let forgedSeq = try sql("SELECT max(seq) + 100 AS s FROM audit_entries")[0].int64("s")
        _ = try sql(
            """
            INSERT INTO audit_entries (seq, at, actor_id, method, subject_type, subject_id, subject_index, digest, prev_hash, hash)
            SELECT $1, now(), NULL, 'rules.set', 'rules', 'rules', $2 + 1, repeat('a', 64), $3,
                   audit_link_hash($3, $1, $2 + 1, now(), NULL, 'rules.set', 'rules', 'rules', repeat('a', 64))
            """, [forgedSeq, try last.int64("subject_index"), try last.string("hash")])
        try expectBroken(at: forgedSeq, "insert a forged row")

        _ = try sql("UPDATE audit_entries SET seq = -seq WHERE seq IN ($1, $2)", [chain[0], chain[1]])
        _ = try sql("UPDATE audit_entries SET seq = CASE WHEN seq = -$1::bigint THEN $2::bigint ELSE $1::bigint END WHERE seq IN (-$1::bigint, -$2::bigint)",
                    [chain[0], chain[1]])
        try expectBroken(at: chain[0], "swap two rows")

        let maxSeq = try sql("SELECT max(seq) AS s FROM audit_entries")[0].int64("s")
        let tail = try sql("SELECT seq FROM audit_entries ORDER BY seq DESC LIMIT 2").map { try $0.int64("seq") }
        _ = try sql("DELETE FROM audit_entries WHERE seq >= $1", [tail[1]])
        let truncated = try verifyBoth()
        XCTAssertEqual(truncated.api["ok"], .bool(false))
        XCTAssertEqual(truncated.cliStatus, 1)
        let brokenAt = truncated.api["brokenAt"]?.int64Value ?? 0
        XCTAssertTrue(brokenAt >= tail[1] && brokenAt <= maxSeq, "truncate the tail: \(truncated.api)")
        try restore()

        untouched = try verifyBoth()
        XCTAssertEqual(untouched.api["ok"], .bool(true), "restored log verifies again")
    }
}
