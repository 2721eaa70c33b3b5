import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 11 topics fed by the demand code: `demand.published`, `demand.amended`,
/// `bid.invalidated` (only to the bid's agency), `demand.closed` and `award.published`, with no
/// sealed data in them.
final class DemandEventsTests: IntegrationTestCase {
    private func subscribe(_ token: String?, _ topic: String, filter: String = "") throws -> WebSocketTestClient {
        let server = try self.server
        let ws = try WebSocketTestClient(port: server.port, caPath: server.caPath, token: token)
        let r = try ws.call(#"{"jsonrpc":"2.0","method":"subscription.subscribe","params":{"topic":"\#(topic)"\#(filter)},"id":1}"#)
        XCTAssertNotNil(r["result"]?["subscriptionId"]?.stringValue, "\(r)")
        return ws
    }

    private func event(_ ws: WebSocketTestClient, _ topic: String, file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let frame = try ws.receive()
        XCTAssertEqual(frame["params"]?["topic"]?.stringValue, topic, "\(frame)", file: file, line: line)
        return frame["params"]?["data"] ?? .null
    }

    func testDemandLifecycleEvents() throws {
        try setRules(window: 2, publicity: 60, minBidders: 1)
        let (_, purchaser) = try makePurchaser()
        let bidder = try makeApprovedAgency()
        let watcher = try makeApprovedAgency()
        let published = try subscribe(watcher.client.token, "demand.published", filter: #","filter":{"serviceTypes":["TESTING"]}"#)
        let amended = try subscribe(purchaser.token, "demand.amended")
        let invalidated = try subscribe(bidder.client.token, "bid.invalidated")
        let othersInvalidated = try subscribe(watcher.client.token, "bid.invalidated")
        let closed = try subscribe(watcher.client.token, "demand.closed")
        let awarded = try subscribe(purchaser.token, "award.published")

        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", budgetFen: 5_000_000, closesIn: 3))
        let announced = try event(published, "demand.published")
        XCTAssertEqual(announced["demandId"]?.stringValue, demandId)
        XCTAssertEqual(announced["status"]?.stringValue, "open")
        XCTAssertEqual(announced["drawCommitment"]?.stringValue?.count, 64)

        let bidId = try bid(bidder.client, demandId, 4_000_000, proposal: "机密方案")
        _ = try purchaser.result("demand.amend", ["demandId": .string(demandId), "changes": ["budgetFen": 3_000_000], "reason": "预算调减"])
        let lost = try event(invalidated, "bid.invalidated")
        XCTAssertEqual(lost["bidId"]?.stringValue, bidId)
        XCTAssertEqual(lost["demandId"]?.stringValue, demandId)
        let change = try event(amended, "demand.amended")
        XCTAssertEqual(change["revision"]?.int64Value, 2)
        XCTAssertEqual(change["budgetFen"]?.int64Value, 3_000_000)
        let changeText = String(decoding: change.serialized(), as: UTF8.self)
        XCTAssertFalse(changeText.contains(bidId) || changeText.contains("4000000") || changeText.contains("机密方案"), changeText)
        _ = try bidder.client.result("bid.update", ["bidId": .string(bidId), "priceFen": 2_500_000])

        let closing = try event(closed, "demand.closed")
        XCTAssertEqual(closing["demandId"]?.stringValue, demandId)
        XCTAssertEqual(closing["status"]?.stringValue, "publicity")
        let award = try event(awarded, "award.published")
        XCTAssertEqual(award["demandId"]?.stringValue, demandId)
        XCTAssertEqual(award["award"]?["bidId"]?.stringValue, bidId)
        XCTAssertEqual(award["award"]?["priceFen"]?.int64Value, 2_500_000)

        // The other agency never heard about someone else's bid: its next frame answers a ping.
        XCTAssertEqual(try othersInvalidated.call(#"{"jsonrpc":"2.0","method":"system.ping","id":7}"#)["id"]?.int64Value, 7)
    }
}
