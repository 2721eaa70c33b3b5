import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Full flows for the four selection methods and the failed case (API section 8), with windows
/// of a few seconds; every draw is recomputed here from the published fields.
final class SelectionFlowTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setRules(window: 2, publicity: 2, minBidders: 2)
    }

    private func agencies(_ n: Int) throws -> [(agencyId: String, client: RPCTestClient)] {
        try (0..<n).map { _ in try makeApprovedAgency() }
    }

    func testRandomDrawAmongAllValidBids() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try agencies(3)
        let demandId = try publishDemand(purchaser, demandInput(method: "random", closesIn: 3))
        let opened = try purchaser.result("demand.get", ["demandId": .string(demandId)])
        let commitment = try XCTUnwrap(opened["drawCommitment"]?.stringValue)
        XCTAssertEqual(commitment.count, 64)
        var bidIds: Set<String> = []
        for (i, agency) in a.enumerated() { bidIds.insert(try bid(agency.client, demandId, 1_000_000 + Int64(i) * 1000)) }

        let publicity = try waitForStatus(purchaser, demandId, "publicity")
        let award = try XCTUnwrap(publicity["award"])
        XCTAssertNotNil(publicity["closedAt"]?.stringValue)
        let draw = try XCTUnwrap(award["draw"])
        XCTAssertEqual(draw["commitment"]?.stringValue, commitment, "the commitment published at opening")
        verifyDraw(draw, demandId: demandId, expectedCandidates: bidIds)
        XCTAssertEqual(award["bidId"], draw["bidId"])
        let ranking = try XCTUnwrap(award["ranking"]?.arrayValue)
        XCTAssertEqual(ranking.map { $0["rank"]?.int64Value }, [1, 2, 3])
        XCTAssertEqual(ranking[0]["bidId"], award["bidId"])
        let winnerAgency = try XCTUnwrap(award["agencyId"]?.stringValue)
        XCTAssertTrue(a.map(\.agencyId).contains(winnerAgency))
        XCTAssertNotNil(award["publicityEndsAt"]?.stringValue)

        let awarded = try waitForStatus(purchaser, demandId, "awarded")
        XCTAssertEqual(awarded["award"]?["bidId"], award["bidId"])
    }

    func testLowestPriceDrawsAmongTiedBidsOnly() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try agencies(3)
        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", closesIn: 3))
        let tied1 = try bid(a[0].client, demandId, 300_000)
        let tied2 = try bid(a[1].client, demandId, 300_000)
        let higher = try bid(a[2].client, demandId, 400_000)

        let demand = try waitForStatus(purchaser, demandId, "publicity")
        let award = try XCTUnwrap(demand["award"])
        verifyDraw(try XCTUnwrap(award["draw"]), demandId: demandId, expectedCandidates: [tied1, tied2])
        XCTAssertTrue([tied1, tied2].contains(award["bidId"]?.stringValue ?? ""))
        XCTAssertEqual(award["priceFen"]?.int64Value, 300_000)
        XCTAssertEqual(award["ranking"]?[2]?["bidId"]?.stringValue, higher)
    }

    func testLowestPriceWithoutTieHasNoDraw() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try agencies(2)
        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", closesIn: 3))
        _ = try bid(a[0].client, demandId, 500_000)
        let cheapest = try bid(a[1].client, demandId, 450_000)
        let demand = try waitForStatus(purchaser, demandId, "publicity")
        XCTAssertEqual(demand["award"]?["bidId"]?.stringValue, cheapest)
        XCTAssertEqual(demand["award"]?["agencyId"]?.stringValue, a[1].agencyId)
        XCTAssertEqual(demand["award"]?["draw"], .null)
    }

    func testCompositeWaitsForScoresThenRanksByTotal() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try agencies(2)
        let input = demandInput(method: "composite", closesIn: 3, extra: [("compositeWeights", ["price": 60, "quality": 40])])
        let demandId = try publishDemand(purchaser, input)
        let cheap = try bid(a[0].client, demandId, 40_000)
        let dear = try bid(a[1].client, demandId, 50_000)

        _ = try waitForStatus(purchaser, demandId, "evaluating")
        assertError(try purchaser.call("selection.score", ["demandId": .string(demandId), "scores": [["bidId": .string(cheap), "qualityScore": 70]]]),
                    code: -32602, reason: "missing_score")
        assertError(try purchaser.call("selection.score", ["demandId": .string(demandId), "scores": [
            ["bidId": .string(cheap), "qualityScore": 70], ["bidId": .string(cheap), "qualityScore": 71]]]),
                    code: -32602, reason: "duplicate_score", field: "scores[1].bidId")
        assertError(try a[0].client.call("selection.score", ["demandId": .string(demandId), "scores": []]), code: -32003)

        let scored = try purchaser.result("selection.score", ["demandId": .string(demandId), "scores": [
            ["bidId": .string(cheap), "qualityScore": 70], ["bidId": .string(dear), "qualityScore": 90]]])
        XCTAssertEqual(scored["status"]?.stringValue, "publicity")
        let award = try XCTUnwrap(scored["award"])
        // priceScore 100 and 80; totals 0.6×100 + 0.4×70 = 88, 0.6×80 + 0.4×90 = 84.
        XCTAssertEqual(award["bidId"]?.stringValue, cheap)
        XCTAssertEqual(award["ranking"]?[0]?["totalScore"]?.doubleValue, 88)
        XCTAssertEqual(award["ranking"]?[1]?["totalScore"]?.doubleValue, 84)
        XCTAssertEqual(award["draw"], .null)
        let bids = try purchaser.result("bid.list", ["demandId": .string(demandId)])
        let scores = Dictionary(uniqueKeysWithValues: (bids["items"]?.arrayValue ?? []).map {
            ($0["bidId"]?.stringValue ?? "", $0["qualityScore"]?.int64Value ?? -1) })
        XCTAssertEqual(scores, [cheap: 70, dear: 90])
        _ = try waitForStatus(purchaser, demandId, "awarded")
    }

    func testDirectAwardsTheNamedAgency() throws {
        let (_, purchaser) = try makePurchaser()
        let named = try makeApprovedAgency()
        let other = try makeApprovedAgency()
        let input = demandInput(method: "direct", budgetFen: 50_000, closesIn: 3,
                                extra: [("directAgencyId", .string(named.agencyId))])
        let demandId = try publishDemand(purchaser, input)
        assertError(try other.client.call("bid.submit", ["demandId": .string(demandId), "priceFen": 40_000, "proposal": "x"]),
                    code: -32022, reason: "not_direct_agency")
        let bidId = try bid(named.client, demandId, 45_000)
        let demand = try waitForStatus(purchaser, demandId, "publicity")
        XCTAssertEqual(demand["award"]?["bidId"]?.stringValue, bidId, "one bid suffices for direct")
        XCTAssertEqual(demand["award"]?["agencyId"]?.stringValue, named.agencyId)
        XCTAssertEqual(demand["award"]?["draw"], .null)
    }

    func testTooFewValidBidsFails() throws {
        let (_, purchaser) = try makePurchaser()
        let a = try agencies(2)
        let demandId = try publishDemand(purchaser, demandInput(method: "random", closesIn: 3))
        _ = try bid(a[0].client, demandId, 100_000)
        let withdrawn = try bid(a[1].client, demandId, 100_000)
        _ = try a[1].client.result("bid.withdraw", ["bidId": .string(withdrawn)])
        let demand = try waitForStatus(purchaser, demandId, "failed")
        XCTAssertEqual(demand["failureReason"]?.stringValue, "insufficient_bids")
        XCTAssertEqual(demand["award"], .null)
        XCTAssertNotNil(demand["closedAt"]?.stringValue)
        // Nothing more can happen to it but cancellation.
        assertError(try a[0].client.call("bid.submit", ["demandId": .string(demandId), "priceFen": 1, "proposal": "x"]),
                    code: -32010, reason: "bidding_closed")
        let cancelled = try purchaser.result("demand.cancel", ["demandId": .string(demandId), "reason": "流标后取消"])
        XCTAssertEqual(cancelled["status"]?.stringValue, "cancelled")
    }
}
