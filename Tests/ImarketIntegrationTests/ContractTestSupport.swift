import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Fixtures for the contract, payment, evaluation and credit tests: awarded demands reached
/// through the public API (direct demands with windows of a second), contracts driven to a state,
/// and an independent recomputation of every agency's credit score.
extension IntegrationTestCase {
    /// Windows of a second and one bidder, so a direct demand is awarded ~2 s after publishing.
    func setContractRules() throws {
        try setRules(window: 1, publicity: 1, minBidders: 1)
    }

    /// `count` direct demands of `purchaser` naming `agencyId`, each with a bid at `priceFen`,
    /// awaited until `awarded`; returns their ids. The demands are published together so they
    /// close together.
    func makeAwardedDemands(_ count: Int, purchaser: RPCTestClient, agency: (agencyId: String, client: RPCTestClient),
                            priceFen: Int64 = 1_000_000, budgetFen: Int64 = 2_000_000) throws -> [String] {
        let ids = try (0..<count).map { i in
            try publishDemand(purchaser, demandInput(title: "检验检测服务合同\(i)", method: "direct", budgetFen: budgetFen, closesIn: 2,
                                                     extra: [("directAgencyId", .string(agency.agencyId))]))
        }
        for id in ids { _ = try bid(agency.client, id, priceFen) }
        for id in ids { try waitForStatus(purchaser, id, "awarded") }
        return ids
    }

    /// One awarded demand (see `makeAwardedDemands`).
    func makeAwardedDemand(purchaser: RPCTestClient, agency: (agencyId: String, client: RPCTestClient),
                           priceFen: Int64 = 1_000_000) throws -> String {
        try makeAwardedDemands(1, purchaser: purchaser, agency: agency, priceFen: priceFen)[0]
    }

    func contractParams(_ demandId: String, amountFen: Int64 = 1_000_000, signedOn: String = "2026-12-01",
                        endsOn: String = "2027-03-31", key: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("demandId", .string(demandId)), ("amountFen", .number(JSONNumber(amountFen))),
            ("signedOn", .string(signedOn)), ("endsOn", .string(endsOn)),
        ]
        if let key { members.append(("idempotencyKey", .string(key))) }
        return .object(JSONObject(members))
    }

    /// Creates the contract of an awarded demand and drives it to `status`: `pending_confirmation`,
    /// `active`, `delivered` or `completed`. Returns its id.
    func makeContract(_ demandId: String, purchaser: RPCTestClient, agency: RPCTestClient, amountFen: Int64 = 1_000_000,
                      status: String = "active") throws -> String {
        let created = try purchaser.result("contract.create", contractParams(demandId, amountFen: amountFen))
        let id = try XCTUnwrap(created["contractId"]?.stringValue)
        let ref: JSONValue = ["contractId": .string(id)]
        if status == "pending_confirmation" { return id }
        _ = try agency.result("contract.confirm", ref)
        if status == "active" { return id }
        _ = try agency.result("contract.deliver", ["contractId": .string(id), "summary": "检测报告已交付（报告编号 2026-001）。"])
        if status == "delivered" { return id }
        _ = try purchaser.result("contract.accept", ["contractId": .string(id), "accepted": true])
        return id
    }

    /// A purchaser's five scores.
    func purchaserScores(_ q: Int, _ t: Int, _ a: Int, _ f: Int, _ c: Int) -> JSONValue {
        ["quality": .number(JSONNumber(q)), "timeliness": .number(JSONNumber(t)), "attitude": .number(JSONNumber(a)),
         "fees": .number(JSONNumber(f)), "compliance": .number(JSONNumber(c))]
    }

    /// The stored credit score of an agency as `agency.credit` shows it (exact wire text).
    func creditText(_ agencyId: String) throws -> String? {
        try anonymousClient().result("agency.credit", ["agencyId": .string(agencyId)])["score"]?.numberText
    }

    /// Recomputes every agency's credit score from what the API publishes — its purchaser
    /// evaluations (`evaluation.list`) and penalties (`agency.credit`) — with the formula of API
    /// section 9 in exact hundredths, and checks it against the stored score that `agency.get`,
    /// `agency.search` and `agency.credit` show. Returns how many agencies were checked.
    @discardableResult
    func assertCreditConsistent(file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let admin = try adminClient()
        var checked = 0
        for status in ["pending", "approved", "rejected", "suspended"] {
            var cursor: JSONValue = .null
            repeat {
                var params: JSONValue = ["status": .string(status), "limit": 200]
                if cursor != .null { params = ["status": .string(status), "limit": 200, "cursor": cursor] }
                let page = try admin.result("agency.search", params)
                for agency in page["items"]?.arrayValue ?? [] {
                    let id = try XCTUnwrap(agency["agencyId"]?.stringValue)
                    let credit = try admin.result("agency.credit", ["agencyId": .string(id)])
                    var sums: [Int64] = []
                    var evalCursor: JSONValue = .null
                    repeat {
                        var p: JSONValue = ["agencyId": .string(id), "limit": 200]
                        if evalCursor != .null { p = ["agencyId": .string(id), "limit": 200, "cursor": evalCursor] }
                        let evals = try admin.result("evaluation.list", p)
                        for e in evals["items"]?.arrayValue ?? [] where e["side"]?.stringValue == "purchaser" {
                            let s = e["scores"]!
                            sums.append(["quality", "timeliness", "attitude", "fees", "compliance"]
                                .reduce(Int64(0)) { $0 + (s[$1]?.int64Value ?? 0) })
                        }
                        evalCursor = evals["nextCursor"] ?? .null
                    } while evalCursor != .null
                    let penalties = credit["penalties"]?.arrayValue ?? []
                    let count = { (kind: String) in Int64(penalties.filter { $0["kind"]?.stringValue == kind }.count) }
                    let expected = Self.creditHundredths(sums: sums, upheld: count("upheld_objection"),
                                                         terminations: count("agency_fault_termination"),
                                                         declined: count("declined_award"))
                    XCTAssertEqual(credit["evaluations"]?.int64Value, Int64(sums.count), "evaluations of \(id)", file: file, line: line)
                    XCTAssertEqual(credit["score"]?.numberText, Self.text(expected), "credit of \(id)", file: file, line: line)
                    XCTAssertEqual(agency["creditScore"]?.numberText, Self.text(expected), "creditScore of \(id)", file: file, line: line)
                    checked += 1
                }
                cursor = page["nextCursor"] ?? .null
            } while cursor != .null
        }
        return checked
    }

    /// API section 9 written out independently of the server: e_i = (sum_i/5 − 1)/4 × 100, the
    /// mean (80·3 + Σe)/(3 + n) rounded half-up to hundredths, minus the penalties, clamped.
    static func creditHundredths(sums: [Int64], upheld: Int64, terminations: Int64, declined: Int64) -> Int64 {
        let numerator = 100 * (240 + sums.reduce(0) { $0 + ($1 - 5) * 5 })
        let denominator = Int64(3 + sums.count)
        let mean = (2 * numerator + denominator) / (2 * denominator)   // half-up for non-negative values
        return min(10_000, max(0, mean - 500 * upheld - 1000 * terminations - 1000 * declined))
    }

    static func text(_ hundredths: Int64) -> String {
        String(format: "%lld.%02lld", hundredths / 100, hundredths % 100)
    }
}
