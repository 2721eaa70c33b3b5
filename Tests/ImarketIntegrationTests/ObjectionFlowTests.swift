import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Objections and declined awards (API section 8): re-selection over the remaining valid bids
/// with the same draw secret, a new publicity period, and `failed` when too few remain.
final class ObjectionFlowTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setRules(window: 2, publicity: 4, minBidders: 2)
    }

    private func closedDemand(method: String, prices: [Int64]) throws
        -> (purchaser: RPCTestClient, demandId: String, bids: [String: (agencyId: String, client: RPCTestClient)], award: JSONValue) {
        let (_, purchaser) = try makePurchaser()
        let agencies = try prices.map { _ in try makeApprovedAgency() }
        let demandId = try publishDemand(purchaser, demandInput(method: method, closesIn: 3))
        var bids: [String: (agencyId: String, client: RPCTestClient)] = [:]
        for (agency, price) in zip(agencies, prices) { bids[try bid(agency.client, demandId, price)] = agency }
        let demand = try waitForStatus(purchaser, demandId, "publicity")
        return (purchaser, demandId, bids, try XCTUnwrap(demand["award"]))
    }

    func testUpheldObjectionRedrawsAmongRemainingBids() throws {
        let (purchaser, demandId, bids, award) = try closedDemand(method: "random", prices: [100_000, 110_000, 120_000])
        let firstDraw = try XCTUnwrap(award["draw"])
        verifyDraw(firstDraw, demandId: demandId, expectedCandidates: Set(bids.keys))
        let winner = try XCTUnwrap(award["bidId"]?.stringValue)
        let objector = try XCTUnwrap(bids.first { $0.key != winner }?.value)

        assertError(try bids[winner]!.client.call("objection.file", ["demandId": .string(demandId), "reason": "中标人资质存在问题，请复核。"]),
                    code: -32003)
        assertError(try objector.client.call("objection.file", ["demandId": .string(demandId), "reason": "太短"]),
                    code: -32602, field: "reason")
        let objection = try objector.client.result("objection.file", ["demandId": .string(demandId),
                                                                      "reason": "中标人资质证书已过期，请复核并重新确定中选机构。"])
        XCTAssertEqual(objection["status"]?.stringValue, "open")
        XCTAssertEqual(objection["agencyId"]?.stringValue, objector.agencyId)
        assertError(try objector.client.call("objection.file", ["demandId": .string(demandId), "reason": "再次提出同样的质疑意见。"]),
                    code: -32009, reason: "objection_exists")
        let listed = try purchaser.result("objection.list", ["demandId": .string(demandId)])
        XCTAssertEqual(listed["items"]?.arrayValue?.count, 1)
        assertError(try makeApprovedAgency().client.call("objection.list", ["demandId": .string(demandId)]), code: -32003)

        let objectionId = try XCTUnwrap(objection["objectionId"]?.stringValue)
        let resolved = try adminClient().result("objection.resolve", ["objectionId": .string(objectionId), "decision": "upheld",
                                                                      "note": "经核实，中标人资质过期，质疑成立。"])
        XCTAssertEqual(resolved["status"]?.stringValue, "upheld")
        XCTAssertNotNil(resolved["resolvedAt"]?.stringValue)

        let demand = try purchaser.result("demand.get", ["demandId": .string(demandId)])
        XCTAssertEqual(demand["status"]?.stringValue, "publicity")
        let newAward = try XCTUnwrap(demand["award"])
        XCTAssertNotEqual(newAward["bidId"]?.stringValue, winner)
        let redraw = try XCTUnwrap(newAward["draw"])
        XCTAssertEqual(redraw["secret"], firstDraw["secret"], "the same secret")
        verifyDraw(redraw, demandId: demandId, expectedCandidates: Set(bids.keys).subtracting([winner]))
        XCTAssertNotEqual(newAward["publicityEndsAt"], award["publicityEndsAt"], "a new publicity period")

        let list = try purchaser.result("bid.list", ["demandId": .string(demandId)])
        let status = list["items"]?.arrayValue?.first { $0["bidId"]?.stringValue == winner }?["status"]?.stringValue
        XCTAssertEqual(status, "disqualified")
        let credit = try purchaser.result("agency.credit", ["agencyId": .string(bids[winner]!.agencyId)])
        XCTAssertEqual(credit["penalties"]?.arrayValue?.map { $0["kind"]?.stringValue }, ["upheld_objection"])
        XCTAssertEqual(credit["penalties"]?[0]?["ref"]?.stringValue, objectionId)
        XCTAssertEqual(credit["score"]?.doubleValue, 75)
        _ = try waitForStatus(purchaser, demandId, "awarded")
    }

    func testDeclinedAwardsMoveOnThenFail() throws {
        let (purchaser, demandId, bids, award) = try closedDemand(method: "lowest_price", prices: [100_000, 200_000, 300_000])
        let first = try XCTUnwrap(award["bidId"]?.stringValue)
        XCTAssertEqual(award["priceFen"]?.int64Value, 100_000)
        let loser = try XCTUnwrap(bids.first { $0.key != first }?.value)
        assertError(try loser.client.call("award.decline", ["demandId": .string(demandId), "reason": "不是我中标"]), code: -32003)

        let afterFirst = try bids[first]!.client.result("award.decline", ["demandId": .string(demandId), "reason": "人员不足，无法履约"])
        XCTAssertEqual(afterFirst["status"]?.stringValue, "publicity")
        XCTAssertEqual(afterFirst["award"]?["priceFen"]?.int64Value, 200_000)
        let second = try XCTUnwrap(afterFirst["award"]?["bidId"]?.stringValue)
        let credit = try purchaser.result("agency.credit", ["agencyId": .string(bids[first]!.agencyId)])
        XCTAssertEqual(credit["penalties"]?.arrayValue?.map { $0["kind"]?.stringValue }, ["declined_award"])
        XCTAssertEqual(credit["penalties"]?[0]?["points"]?.doubleValue, 10)
        XCTAssertEqual(credit["score"]?.doubleValue, 70)

        // Two declines leave one valid bid, below minBidders 2.
        let afterSecond = try bids[second]!.client.result("award.decline", ["demandId": .string(demandId), "reason": "报价有误，放弃中选"])
        XCTAssertEqual(afterSecond["status"]?.stringValue, "failed")
        XCTAssertEqual(afterSecond["failureReason"]?.stringValue, "insufficient_bids")
        XCTAssertEqual(afterSecond["award"], .null)
        let statuses = Set((try purchaser.result("bid.list", ["demandId": .string(demandId)])["items"]?.arrayValue ?? [])
            .compactMap { $0["status"]?.stringValue })
        XCTAssertEqual(statuses, ["disqualified", "submitted"])
    }

    func testOpenObjectionHoldsTheAwardUntilRejected() throws {
        let (purchaser, demandId, bids, award) = try closedDemand(method: "lowest_price", prices: [100_000, 200_000])
        let winner = try XCTUnwrap(award["bidId"]?.stringValue)
        let objector = try XCTUnwrap(bids.first { $0.key != winner }?.value)
        let objection = try objector.client.result("objection.file", ["demandId": .string(demandId),
                                                                      "reason": "对中选结果有异议，请主管部门核查。"])
        Thread.sleep(forTimeInterval: 5)
        let held = try purchaser.result("demand.get", ["demandId": .string(demandId)])
        XCTAssertEqual(held["status"]?.stringValue, "publicity", "an open objection keeps the demand in publicity")
        _ = try adminClient().result("objection.resolve", ["objectionId": objection["objectionId"]!, "decision": "rejected",
                                                           "note": "质疑不成立。"])
        let awarded = try waitForStatus(purchaser, demandId, "awarded")
        XCTAssertEqual(awarded["award"]?["bidId"]?.stringValue, winner)
    }
}
