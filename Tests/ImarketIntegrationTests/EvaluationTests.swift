import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `evaluation.submit` and `evaluation.list` (API section 9): both sides once each, the score
/// sheets, the comment rule, the state and the window.
final class EvaluationTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setContractRules()
    }

    func testBothSidesEvaluateOnce() throws {
        let (purchaserId, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let other = try makeApprovedAgency()
        let demands = try makeAwardedDemands(2, purchaser: purchaser, agency: agency)
        let running = try makeContract(demands[0], purchaser: purchaser, agency: agency.client, status: "delivered")
        let id = try makeContract(demands[1], purchaser: purchaser, agency: agency.client, status: "completed")
        let good = purchaserScores(5, 4, 5, 4, 5)

        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(running), "scores": good]),
                    code: -32009, reason: "invalid_state")
        assertError(try other.client.call("evaluation.submit", ["contractId": .string(id), "scores": ["paymentTimeliness": 5, "cooperation": 5]]),
                    code: -32003, reason: "forbidden")
        assertError(try makeOverseer().call("evaluation.submit", ["contractId": .string(id), "scores": good]), code: -32003)
        assertError(try anonymousClient().call("evaluation.submit", ["contractId": .string(id), "scores": good]), code: -32001)
        assertError(try purchaser.call("evaluation.submit", ["contractId": "con_missing", "scores": good]), code: -32004)

        // Score sheets: integers 1–5, exactly the caller's side's members.
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": purchaserScores(6, 5, 5, 5, 5)]),
                    code: -32602, field: "scores.quality")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": purchaserScores(5, 5, 0, 5, 5)]),
                    code: -32602, field: "scores.attitude")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": ["quality": 4.5, "timeliness": 5,
                                                                                                   "attitude": 5, "fees": 5, "compliance": 5]]),
                    code: -32602, field: "scores.quality")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id),
                                                             "scores": ["quality": 5, "timeliness": 5, "attitude": 5, "compliance": 5]]),
                    code: -32602, reason: "missing_field", field: "scores.fees")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": ["paymentTimeliness": 5, "cooperation": 5]]),
                    code: -32602, field: "scores.quality")
        assertError(try agency.client.call("evaluation.submit", ["contractId": .string(id), "scores": good]),
                    code: -32602, reason: "unknown_member", field: "scores.quality")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": ["quality": 5, "timeliness": 5, "attitude": 5,
                                                                                                   "fees": 5, "compliance": 5, "speed": 5]]),
                    code: -32602, reason: "unknown_member", field: "scores.speed")
        // A score of 2 or lower needs a comment.
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": purchaserScores(5, 2, 5, 5, 5)]),
                    code: -32602, field: "comment")
        assertError(try agency.client.call("evaluation.submit", ["contractId": .string(id), "scores": ["paymentTimeliness": 1, "cooperation": 5]]),
                    code: -32602, field: "comment")

        let mine = try purchaser.result("evaluation.submit", ["contractId": .string(id), "scores": good])
        XCTAssertEqual(mine["contractId"]?.stringValue, id)
        XCTAssertEqual(mine["side"]?.stringValue, "purchaser")
        XCTAssertEqual(mine["agencyId"]?.stringValue, agency.agencyId)
        XCTAssertEqual(mine["purchaserId"]?.stringValue, purchaserId)
        XCTAssertEqual(mine["scores"], good)
        XCTAssertEqual(mine["comment"], .null)
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(id), "scores": good]),
                    code: -32009, reason: "already_evaluated")

        let theirs = try agency.client.result("evaluation.submit", ["contractId": .string(id), "scores": ["paymentTimeliness": 2, "cooperation": 4],
                                                                    "comment": "尾款拖延两个月才支付"])
        XCTAssertEqual(theirs["side"]?.stringValue, "agency")
        XCTAssertEqual(theirs["scores"], ["paymentTimeliness": 2, "cooperation": 4])
        XCTAssertEqual(theirs["comment"]?.stringValue, "尾款拖延两个月才支付")
        assertError(try agency.client.call("evaluation.submit", ["contractId": .string(id), "scores": ["paymentTimeliness": 5, "cooperation": 5]]),
                    code: -32009, reason: "already_evaluated")

        // Lists: anyone, by contract, agency or purchaser, newest first.
        let anonymous = try anonymousClient()
        let byContract = try anonymous.result("evaluation.list", ["contractId": .string(id)])["items"]?.arrayValue ?? []
        XCTAssertEqual(byContract.compactMap { $0["side"]?.stringValue }, ["agency", "purchaser"])
        XCTAssertEqual(try anonymous.result("evaluation.list", ["agencyId": .string(agency.agencyId)])["items"]?.arrayValue?.count, 2)
        XCTAssertEqual(try anonymous.result("evaluation.list", ["agencyId": .string(other.agencyId)])["items"]?.arrayValue?.count, 0)
        let page = try anonymous.result("evaluation.list", ["purchaserId": .string(purchaserId), "limit": 1])
        XCTAssertEqual(page["items"]?.arrayValue?.first?["evaluationId"], theirs["evaluationId"])
        let next = try XCTUnwrap(page["nextCursor"]?.stringValue)
        let second = try anonymous.result("evaluation.list", ["purchaserId": .string(purchaserId), "limit": 1, "cursor": .string(next)])
        XCTAssertEqual(second["items"]?.arrayValue?.first?["evaluationId"], mine["evaluationId"])
        XCTAssertEqual(second["nextCursor"], .null)

        // The purchaser's evaluation moved the agency's credit: (240 + 90) / 4 = 82.50.
        XCTAssertEqual(try creditText(agency.agencyId), "82.50")
    }

    func testTerminatedContractsCanBeEvaluatedAndTheWindowCloses() throws {
        let (_, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let demands = try makeAwardedDemands(2, purchaser: purchaser, agency: agency)
        let terminated = try makeContract(demands[0], purchaser: purchaser, agency: agency.client, status: "pending_confirmation")
        _ = try purchaser.result("contract.terminate", ["contractId": .string(terminated), "reason": "项目取消", "faultOf": "purchaser"])
        let evaluation = try agency.client.result("evaluation.submit", ["contractId": .string(terminated),
                                                                        "scores": ["paymentTimeliness": 3, "cooperation": 3]])
        XCTAssertEqual(evaluation["side"]?.stringValue, "agency")

        // With evaluationDeadlineDays 0 the window closes at completion.
        let completed = try makeContract(demands[1], purchaser: purchaser, agency: agency.client, status: "completed")
        _ = try adminClient().result("rules.set", ["changes": ["evaluationDeadlineDays": 0]])
        defer { _ = try? adminClient().result("rules.set", ["changes": ["evaluationDeadlineDays": 30]]) }
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(completed), "scores": purchaserScores(5, 5, 5, 5, 5)]),
                    code: -32010, reason: "evaluation_window_closed")
        assertError(try purchaser.call("evaluation.submit", ["contractId": .string(terminated), "scores": purchaserScores(5, 5, 5, 5, 5)]),
                    code: -32010, reason: "evaluation_window_closed")
        _ = try adminClient().result("rules.set", ["changes": ["evaluationDeadlineDays": 1]])
        XCTAssertEqual(try purchaser.result("evaluation.submit", ["contractId": .string(completed),
                                                                   "scores": purchaserScores(5, 5, 5, 5, 5)])["side"]?.stringValue, "purchaser")
    }
}
