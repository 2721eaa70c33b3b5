import Foundation
import ImarketJSONRPC
import ImarketPostgres
import ImarketTestSupport
import XCTest

/// The credit score of API section 9 against hand-computed values for mixes of evaluations and
/// penalties, the automatic low-credit suspension and reinstatement, and a full recomputation
/// of every agency's score from the published inputs after each scenario.
final class CreditFlowTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setContractRules()
    }

    /// After every scenario, the stored scores agree with their inputs both from the outside (the
    /// API) and from the inside (`imarket credit verify` on the database).
    override func tearDownWithError() throws {
        XCTAssertGreaterThan(try assertCreditConsistent(), 0, "every agency of the database is recomputed")
        let verify = try server.cli(["credit", "verify"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("credit OK: "), verify.stdout)
    }

    /// Four purchaser evaluations of one agency submitted at the same moment on separate
    /// connections: the agency row lock orders the recomputations, so the last sees all four.
    func testConcurrentEvaluationsAllCount() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try makeApprovedAgency()
        let demands = try makeAwardedDemands(4, purchaser: purchaser, agency: a)
        let contracts = try demands.map { try makeContract($0, purchaser: purchaser, agency: a.client, status: "completed") }
        let token = try XCTUnwrap(purchaser.token)
        let clients = try contracts.map { _ in try server.client(token: token) }
        for client in clients { _ = try client.result("system.whoami") }
        let sheets = [purchaserScores(5, 5, 5, 5, 5), purchaserScores(4, 4, 4, 4, 4), purchaserScores(3, 3, 3, 3, 3),
                      purchaserScores(5, 4, 5, 4, 5)]   // e = 100, 75, 50, 90
        let outcomes = OutcomeBox()
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for (i, client) in clients.enumerated() {
            let params: JSONValue = ["contractId": .string(contracts[i]), "scores": sheets[i]]
            group.enter()
            Thread.detachNewThread {
                start.wait()
                outcomes.append(Result { try client.call("evaluation.submit", params) })
                group.leave()
            }
        }
        for _ in clients { start.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(try outcomes.values.compactMap { try $0.get().result }.count, 4)
        XCTAssertEqual(try creditText(a.agencyId), "79.29")   // (240 + 315) / 7 = 79.2857…
    }

    /// `imarket credit verify` notices a stored score that its inputs do not give.
    func testVerifyReportsATamperedScore() throws {
        let a = try makeApprovedAgency()
        let connection = try PostgresConnection(configuration: PostgresConfiguration(conninfo: try server.databaseURL))
        _ = try connection.execute("UPDATE agencies SET credit_hundredths = 8100 WHERE agency_id = $1", [a.agencyId])
        let broken = try server.cli(["credit", "verify"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stdout.contains("credit MISMATCH \(a.agencyId): stored 81.00, computed 80.00"), broken.stdout)
        _ = try connection.execute("UPDATE agencies SET credit_hundredths = 8000 WHERE agency_id = $1", [a.agencyId])
    }

    private func evaluate(_ purchaser: RPCTestClient, _ contractId: String, _ scores: JSONValue, comment: String? = nil) throws {
        var params: JSONValue = ["contractId": .string(contractId), "scores": scores]
        if let comment { params = ["contractId": .string(contractId), "scores": scores, "comment": .string(comment)] }
        _ = try purchaser.result("evaluation.submit", params)
    }

    private func agency(_ id: String) throws -> JSONValue {
        try adminClient().result("agency.get", ["agencyId": .string(id)])
    }

    /// 80 → 85.00 → 79.00 → 69.00 (termination) → 56.67 (suspended) → reinstated → 60.71 (stays
    /// approved: the score rose) → 51.88 (suspended again; 61.875 rounds half-up to 61.88).
    func testEvaluationsTerminationSuspensionAndReinstatement() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try makeApprovedAgency()
        let admin = try adminClient()
        XCTAssertEqual(try creditText(a.agencyId), "80.00", "a new agency")
        let demands = try makeAwardedDemands(5, purchaser: purchaser, agency: a)
        let c = try demands.enumerated().map { i, d in
            try makeContract(d, purchaser: purchaser, agency: a.client, status: i == 2 ? "active" : "completed")
        }

        try evaluate(purchaser, c[0], purchaserScores(5, 5, 5, 5, 5))           // e = 100
        XCTAssertEqual(try creditText(a.agencyId), "85.00")                     // (240 + 100) / 4
        try evaluate(purchaser, c[1], purchaserScores(3, 3, 3, 3, 4))           // e = 55
        XCTAssertEqual(try creditText(a.agencyId), "79.00")                     // (240 + 155) / 5
        _ = try admin.result("contract.terminate", ["contractId": .string(c[2]), "reason": "机构擅自转包", "faultOf": "agency"])
        XCTAssertEqual(try creditText(a.agencyId), "69.00")                     // 79 − 10
        XCTAssertEqual(try agency(a.agencyId)["status"]?.stringValue, "approved")

        try evaluate(purchaser, c[2], purchaserScores(1, 1, 1, 1, 2), comment: "未完成检测即停止服务")  // e = 5
        XCTAssertEqual(try creditText(a.agencyId), "56.67")                     // (240 + 160) / 6 = 66.67, − 10
        let suspended = try agency(a.agencyId)
        XCTAssertEqual(suspended["status"]?.stringValue, "suspended")
        XCTAssertEqual(suspended["statusReason"]?.stringValue, "low_credit")
        XCTAssertEqual(suspended["creditScore"]?.numberText, "56.67")
        let audit = try admin.result("audit.events", ["subjectType": "agency", "subjectId": .string(a.agencyId)])
        XCTAssertTrue(audit["items"]?.arrayValue?.contains { $0["method"]?.stringValue == "agency.credit_suspension" } ?? false,
                      "the suspension is audited")

        let credit = try admin.result("agency.credit", ["agencyId": .string(a.agencyId)])
        XCTAssertEqual(credit["agencyId"]?.stringValue, a.agencyId)
        XCTAssertEqual(credit["evaluations"]?.int64Value, 3)
        let penalties = try XCTUnwrap(credit["penalties"]?.arrayValue)
        XCTAssertEqual(penalties.count, 1)
        XCTAssertEqual(penalties.first?["kind"]?.stringValue, "agency_fault_termination")
        XCTAssertEqual(penalties.first?["points"]?.int64Value, 10)
        XCTAssertEqual(penalties.first?["ref"]?.stringValue, c[2])
        XCTAssertNotNil(penalties.first?["at"]?.stringValue.flatMap { $0.hasSuffix("Z") ? $0 : nil })

        let reinstated = try admin.result("agency.reinstate", ["agencyId": .string(a.agencyId), "reason": "已整改，恢复资格"])
        XCTAssertEqual(reinstated["status"]?.stringValue, "approved")
        XCTAssertEqual(reinstated["creditScore"]?.numberText, "56.67", "reinstatement does not change the score")

        try evaluate(purchaser, c[3], purchaserScores(5, 5, 5, 5, 4))           // e = 95
        XCTAssertEqual(try creditText(a.agencyId), "60.71")                     // (240 + 255) / 7 = 70.714…, − 10
        XCTAssertEqual(try agency(a.agencyId)["status"]?.stringValue, "approved")
        try evaluate(purchaser, c[4], purchaserScores(1, 1, 1, 1, 1), comment: "报告数据造假")  // e = 0
        XCTAssertEqual(try creditText(a.agencyId), "51.88")                     // (240 + 255) / 8 = 61.875 → 61.88, − 10
        XCTAssertEqual(try agency(a.agencyId)["status"]?.stringValue, "suspended")
        XCTAssertEqual(try agency(a.agencyId)["statusReason"]?.stringValue, "low_credit")
    }

    /// 80 → 78.75 (one evaluation of all fours) → 68.75 (a declined award).
    func testDeclinedAwardAfterAnEvaluation() throws {
        let (_, purchaser) = try makePurchaser()
        let b = try makeApprovedAgency()
        let demands = try makeAwardedDemands(2, purchaser: purchaser, agency: b)
        let c = try makeContract(demands[0], purchaser: purchaser, agency: b.client, status: "completed")
        try evaluate(purchaser, c, purchaserScores(4, 4, 4, 4, 4))              // e = 75
        XCTAssertEqual(try creditText(b.agencyId), "78.75")                     // (240 + 75) / 4
        _ = try b.client.result("award.decline", ["demandId": .string(demands[1]), "reason": "人员调整，无法承接"])
        XCTAssertEqual(try creditText(b.agencyId), "68.75")
        let credit = try anonymousClient().result("agency.credit", ["agencyId": .string(b.agencyId)])
        XCTAssertEqual(credit["evaluations"]?.int64Value, 1)
        XCTAssertEqual(credit["penalties"]?.arrayValue?.compactMap { $0["kind"]?.stringValue }, ["declined_award"])
        XCTAssertEqual(credit["penalties"]?[0]?["ref"]?.stringValue, demands[1])
        XCTAssertEqual(try agency(b.agencyId)["status"]?.stringValue, "approved", "68.75 is not below 60")
    }

    /// An upheld objection costs the winner 5 (75.00); the new winner declines (70.00). A second
    /// declined award on top of an agency-fault termination takes an agency with no evaluations
    /// to 60.00 — not below 60, so it stays approved.
    func testUpheldObjectionAndDeclinedAward() throws {
        try setRules(window: 1, publicity: 8, minBidders: 1)
        Thread.sleep(forTimeInterval: 1.1)   // the rules cache may lag a change by a second
        let (_, purchaser) = try makePurchaser()
        let cheap = try makeApprovedAgency()
        let dear = try makeApprovedAgency()
        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", closesIn: 2))
        _ = try bid(cheap.client, demandId, 300_000)
        _ = try bid(dear.client, demandId, 400_000)
        let publicity = try waitForStatus(purchaser, demandId, "publicity")
        XCTAssertEqual(publicity["award"]?["agencyId"]?.stringValue, cheap.agencyId)

        let objection = try dear.client.result("objection.file", ["demandId": .string(demandId),
                                                                  "reason": "中选机构报价低于成本，请复核其资格。"])
        _ = try adminClient().result("objection.resolve", ["objectionId": objection["objectionId"]!, "decision": "upheld",
                                                           "note": "经核实，质疑成立。"])
        XCTAssertEqual(try creditText(cheap.agencyId), "75.00")
        let credit = try anonymousClient().result("agency.credit", ["agencyId": .string(cheap.agencyId)])
        XCTAssertEqual(credit["penalties"]?.arrayValue?.map { $0["kind"]?.stringValue }, ["upheld_objection"])
        XCTAssertEqual(credit["penalties"]?[0]?["points"]?.int64Value, 5)
        XCTAssertEqual(credit["penalties"]?[0]?["ref"], objection["objectionId"])

        let reselected = try purchaser.result("demand.get", ["demandId": .string(demandId)])
        XCTAssertEqual(reselected["award"]?["agencyId"]?.stringValue, dear.agencyId)
        _ = try dear.client.result("award.decline", ["demandId": .string(demandId), "reason": "无法按期履约，放弃中选"])
        XCTAssertEqual(try creditText(dear.agencyId), "70.00")
        XCTAssertEqual(try creditText(cheap.agencyId), "75.00", "the other agency is untouched")

        // 80 − 10 (termination) − 10 (declined) = 60.00: at the threshold, not below it.
        try setContractRules()
        Thread.sleep(forTimeInterval: 1.1)
        let demands = try makeAwardedDemands(2, purchaser: purchaser, agency: dear)
        let contract = try makeContract(demands[0], purchaser: purchaser, agency: dear.client)
        _ = try purchaser.result("contract.terminate", ["contractId": .string(contract), "reason": "未按期开展工作", "faultOf": "agency"])
        XCTAssertEqual(try creditText(dear.agencyId), "60.00")
        XCTAssertEqual(try agency(dear.agencyId)["status"]?.stringValue, "approved")
        _ = try dear.client.result("award.decline", ["demandId": .string(demands[1]), "reason": "再次放弃中选资格"])
        XCTAssertEqual(try creditText(dear.agencyId), "50.00")
        XCTAssertEqual(try agency(dear.agencyId)["statusReason"]?.stringValue, "low_credit")
    }
}
