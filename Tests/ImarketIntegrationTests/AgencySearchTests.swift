import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// `agency.search` over 1,000 registered agencies: stable keyset paging (no duplicates, no gaps),
/// filters, and Chinese substring search on the name.
final class AgencySearchTests: IntegrationTestCase {
    struct Row { var id: String; var credit: Int64; var serviceType: String; var region: String; var name: String }

    nonisolated(unsafe) private static var rows: [Row]?

    /// Sends `calls` as one JSON-RPC batch and returns the results in request order.
    private func batch(_ client: RPCTestClient, _ method: String, _ calls: [JSONValue]) throws -> [JSONValue] {
        let requests: [JSONValue] = calls.enumerated().map { i, params in
            ["jsonrpc": "2.0", "method": .string(method), "params": params, "id": .number(JSONNumber(i))]
        }
        let response = try client.post(String(decoding: JSONValue.array(requests).serialized(), as: UTF8.self))
        XCTAssertEqual(response.status, 200)
        let answers = try XCTUnwrap(JSONParser.parse(response.body).arrayValue)
        var byId = [Int64: JSONValue]()
        for answer in answers {
            guard let result = answer["result"] else { throw TLSTestClientError("\(method) failed: \(answer)") }
            byId[answer["id"]!.int64Value!] = result
        }
        return try (0..<calls.count).map { try XCTUnwrap(byId[Int64($0)]) }
    }

    /// 1,000 agencies registered anonymously in batches of 100 and approved by the admin; their
    /// credit scores are then spread (with many ties) directly in the database, standing in for
    /// the credit module so that the order has something to sort.
    private func population() throws -> [Row] {
        if let rows = Self.rows { return rows }
        let admin = try adminClient()
        _ = try admin.result("rules.set", ["changes": ["registrationsPerMinute": 100_000]])
        let anonymous = try anonymousClient()
        var rows: [Row] = []
        for chunk in 0..<10 {
            var calls: [JSONValue] = []
            var specs: [(String, String, String)] = []
            for j in 0..<100 {
                let i = chunk * 100 + j
                let type = i % 3 == 0 ? "TESTING" : "BOOKKEEPING"
                let region = i % 2 == 0 ? "430482" : "110105"
                let name = i % 10 == 0 ? "衡阳检验检测服务有限公司\(i)" : "耒阳代理记账事务所\(i)"
                calls.append(agencyRegistration(name: name, serviceTypes: [type], regionCode: region))
                specs.append((type, region, name))
            }
            let results = try batch(anonymous, "agency.register", calls)
            for (result, spec) in zip(results, specs) {
                rows.append(Row(id: result["agency"]!["agencyId"]!.stringValue!, credit: 8000, serviceType: spec.0,
                                region: spec.1, name: spec.2))
            }
            _ = try batch(admin, "agency.review", results.map { ["agencyId": $0["agency"]!["agencyId"]!, "decision": "approve"] })
        }
        let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: try server.databaseURL))
        for (i, row) in rows.enumerated() {
            rows[i].credit = 6000 + Int64((i * 37) % 41) * 50
            try connection.execute("UPDATE agencies SET credit_hundredths = $2 WHERE agency_id = $1", [row.id, rows[i].credit])
        }
        Self.rows = rows
        return rows
    }

    private func expected(_ rows: [Row], _ include: (Row) -> Bool) -> [String] {
        rows.filter(include).sorted { $0.credit != $1.credit ? $0.credit > $1.credit : Array($0.id.utf8).lexicographicallyPrecedes(Array($1.id.utf8)) }
            .map(\.id)
    }

    /// Follows `nextCursor` to the end, checking each page's size and order.
    private func pages(_ params: [String: JSONValue], limit: Int) throws -> [String] {
        let client = try anonymousClient()
        var ids: [String] = []
        var cursor: JSONValue? = nil
        var previous: Int64 = .max
        repeat {
            var p = params
            p["limit"] = .number(JSONNumber(limit))
            if let cursor { p["cursor"] = cursor }
            let page = try client.result("agency.search", .object(JSONObject(p.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })))
            let items = try XCTUnwrap(page["items"]?.arrayValue)
            XCTAssertLessThanOrEqual(items.count, limit)
            for item in items {
                let score = Int64((Double(item["creditScore"]!.numberText!)! * 100).rounded())
                XCTAssertLessThanOrEqual(score, previous)
                previous = score
                XCTAssertEqual(item["contact"], .null)
                ids.append(item["agencyId"]!.stringValue!)
            }
            cursor = page["nextCursor"]
            if cursor == .null { cursor = nil } else { XCTAssertEqual(items.count, limit) }
        } while cursor != nil
        return ids
    }

    func testThousandAgenciesPageInStableOrderWithoutDuplicatesOrGaps() throws {
        let rows = try population()
        let all = try pages([:], limit: 37)
        XCTAssertEqual(all.count, 1000)
        XCTAssertEqual(Set(all).count, 1000)
        XCTAssertEqual(all, expected(rows) { _ in true })
        // The same walk with the largest page size gives the same order.
        XCTAssertEqual(try pages([:], limit: 200), all)
    }

    func testFiltersCombine() throws {
        let rows = try population()
        let filtered = try pages(["serviceType": "TESTING", "regionCode": "4304"], limit: 50)
        XCTAssertEqual(filtered, expected(rows) { $0.serviceType == "TESTING" && $0.region.hasPrefix("4304") })
        XCTAssertFalse(filtered.isEmpty)
        XCTAssertEqual(try pages(["status": "pending"], limit: 50), [])
        let defaultLimit = try anonymousClient().result("agency.search")
        XCTAssertEqual(defaultLimit["items"]?.arrayValue?.count, 50)
    }

    func testChineseSubstringSearch() throws {
        let rows = try population()
        let found = try pages(["text": "检测"], limit: 30)
        XCTAssertEqual(found, expected(rows) { $0.name.contains("检测") })
        XCTAssertEqual(found.count, 100)
        XCTAssertEqual(try pages(["text": "检验检测服务"], limit: 200).count, 100)
        XCTAssertEqual(try pages(["text": "记账事务所99"], limit: 200), expected(rows) { $0.name.contains("记账事务所99") })
        // LIKE wildcards in the text match themselves.
        XCTAssertEqual(try pages(["text": "%"], limit: 200), [])
    }

    /// The cluster runs with the C.UTF-8 locale; pg_trgm must still see CJK characters as word
    /// characters for the name index to serve Chinese text (three or more characters).
    func testTrigramIndexServesChineseText() throws {
        _ = try population()
        let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: try server.databaseURL))
        let locale = try connection.query("SELECT datctype FROM pg_database WHERE datname = current_database()")[0].string("datctype")
        // Six word characters give seven trigrams (two padded at the ends); pg_trgm shows
        // non-ASCII ones as hashes. Zero would mean CJK is treated as punctuation.
        let count = try connection.query("SELECT cardinality(show_trgm('检验检测服务')) AS n")[0].int("n")
        XCTAssertEqual(count, 7, "ctype \(locale)")
        try connection.execute("SET enable_seqscan = off")
        let plan = try connection.query("EXPLAIN SELECT agency_id FROM agencies WHERE name ILIKE $1", ["%检验检测%"])
            .map { try $0.string(0) }.joined(separator: "\n")
        XCTAssertTrue(plan.contains("agencies_name_trgm"), plan)
        XCTAssertEqual(try connection.query("SELECT count(*)::int AS n FROM agencies WHERE name ILIKE $1", ["%检测%"])[0].int("n"), 100)
    }

    func testOverseerScopeLimitsSearch() throws {
        let rows = try population()
        let scoped = try makeOverseer(regionScope: "11")
        let page = try scoped.result("agency.search", ["limit": 200])
        let items = try XCTUnwrap(page["items"]?.arrayValue)
        XCTAssertEqual(items.map { $0["agencyId"]!.stringValue! }, Array(expected(rows) { $0.region.hasPrefix("11") }.prefix(200)))
        XCTAssertNotEqual(items.first?["contact"], .null)
    }

    func testSearchParamErrors() throws {
        let client = try anonymousClient()
        assertError(try client.call("agency.search", ["limit": 0]), code: -32602, reason: "out_of_range", field: "limit")
        assertError(try client.call("agency.search", ["limit": 201]), code: -32602, reason: "out_of_range", field: "limit")
        assertError(try client.call("agency.search", ["cursor": "not a cursor"]), code: -32602, reason: "invalid_value", field: "cursor")
        assertError(try client.call("agency.search", ["status": "gone"]), code: -32602, field: "status")
        assertError(try client.call("agency.search", ["regionCode": "43x"]), code: -32602, field: "regionCode")
    }
}
