import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Sealed bids (API section 8): before closing nobody but the bidding agency sees a bid, a price,
/// a bidder or a proposal through any method; afterwards agency, price and status are public and
/// the proposal only for the owner, admin, overseers and the bid's own agency.
final class SealedBidTests: IntegrationTestCase {
    private func text(_ value: JSONValue) -> String { String(decoding: value.serialized(), as: UTF8.self) }

    private func assertNoLeak(_ value: JSONValue, _ secrets: [String], _ label: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        let body = text(value)
        for secret in secrets {
            XCTAssertFalse(body.contains(secret), "\(label) leaks \(secret): \(body)", file: file, line: line)
        }
    }

    func testNothingLeaksBeforeClosingAndPricesArePublicAfter() throws {
        try setRules(window: 2, publicity: 60, minBidders: 2)
        let (_, purchaser) = try makePurchaser()
        let a = try makeApprovedAgency(name: "甲检测机构有限公司")
        let b = try makeApprovedAgency(name: "乙检测机构有限公司")
        let stranger = try makeApprovedAgency(name: "丙检测机构有限公司")
        let overseer = try makeOverseer()
        let admin = try adminClient()
        let anonymous = try anonymousClient()
        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", closesIn: 4))
        let proposalA = "甲方案：独家水质采样方法ALPHA"
        let proposalB = "乙方案：独家水质采样方法BRAVO"
        let bidA = try bid(a.client, demandId, 4_918_273, proposal: proposalA)
        let bidB = try bid(b.client, demandId, 3_827_164, proposal: proposalB)
        let secrets = [bidA, bidB, "4918273", "3827164", proposalA, proposalB, a.agencyId, b.agencyId, "甲检测", "乙检测"]
        // A withdrawn bid is not counted in bidCount.
        let withdrawer = try makeApprovedAgency(name: "丁检测机构有限公司")
        let bidD = try bid(withdrawer.client, demandId, 4_000_000, proposal: "丁方案")
        _ = try withdrawer.client.result("bid.withdraw", ["bidId": .string(bidD)])

        // bid.list: each agency only its own; everybody else refused.
        let ownA = try a.client.result("bid.list", ["demandId": .string(demandId)])
        XCTAssertEqual(ownA["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(ownA["items"]?[0]?["proposal"]?.stringValue, proposalA)
        assertNoLeak(ownA, [bidB, "3827164", proposalB, b.agencyId], "own list of A")
        XCTAssertEqual(try stranger.client.result("bid.list", ["demandId": .string(demandId)])["items"]?.arrayValue?.count, 0)
        for (label, client) in [("purchaser", purchaser), ("admin", admin), ("overseer", overseer), ("anonymous", anonymous)] {
            let outcome = try client.call("bid.list", ["demandId": .string(demandId)])
            XCTAssertNil(outcome.result, "\(label) must not list sealed bids")
            XCTAssertTrue(outcome.code == -32003 || outcome.code == -32001, "\(label): \(outcome)")
        }
        assertError(try b.client.call("bid.update", ["bidId": .string(bidA), "priceFen": 1]), code: -32003)
        assertError(try b.client.call("bid.withdraw", ["bidId": .string(bidA)]), code: -32003)

        // demand.get / demand.search / agency.*: no bid data for anyone; bidCount only for privileged roles.
        let viewers: [(String, RPCTestClient, Bool)] = [
            ("purchaser", purchaser, true), ("admin", admin, true), ("overseer", overseer, true),
            ("anonymous", anonymous, false), ("stranger", stranger.client, false),
        ]
        for (label, client, privileged) in viewers {
            let demand = try client.result("demand.get", ["demandId": .string(demandId)])
            assertNoLeak(demand, secrets, "demand.get as \(label)")
            XCTAssertEqual(demand["bidCount"]?.int64Value, privileged ? 2 : nil, label)
            XCTAssertFalse(text(demand).contains("\"secret\""), label)
            let search = try client.result("demand.search", ["text": "检测"])
            XCTAssertTrue(text(search).contains(demandId), "search as \(label) finds the demand")
            assertNoLeak(search, secrets, "demand.search as \(label)")
            for agency in [a, b] {
                let got = try client.result("agency.get", ["agencyId": .string(agency.agencyId)])
                assertNoLeak(got, [bidA, bidB, "4918273", "3827164", proposalA, proposalB, demandId], "agency.get as \(label)")
            }
            let found = try client.result("agency.search", ["serviceType": "TESTING"])
            XCTAssertTrue(text(found).contains(a.agencyId), "agency.search as \(label) lists the bidders")
            assertNoLeak(found, [bidA, bidB, "4918273", "3827164", proposalA, proposalB, demandId], "agency.search as \(label)")
            let credit = try client.result("agency.credit", ["agencyId": .string(a.agencyId)])
            assertNoLeak(credit, [bidA, "4918273", proposalA, demandId], "agency.credit as \(label)")
        }
        let seenByOther = try b.client.result("demand.get", ["demandId": .string(demandId)])
        assertNoLeak(seenByOther, [bidA, "4918273", proposalA, a.agencyId], "demand.get as a competitor")
        XCTAssertEqual(seenByOther["bidCount"], .null)

        // After closing: agency, price and status public; proposals only where allowed.
        _ = try waitForStatus(purchaser, demandId, "publicity")
        for (label, client, privileged) in viewers {
            XCTAssertEqual(try client.result("demand.get", ["demandId": .string(demandId)])["bidCount"]?.int64Value, 2,
                           "bidCount is public after closing (\(label))")
            let list = try client.result("bid.list", ["demandId": .string(demandId)])
            let items = try XCTUnwrap(list["items"]?.arrayValue, label)
            let live = items.filter { $0["status"]?.stringValue == "submitted" }
            XCTAssertEqual(Set(live.compactMap { $0["bidId"]?.stringValue }), [bidA, bidB], label)
            XCTAssertEqual(Set(live.compactMap { $0["priceFen"]?.int64Value }), [4_918_273, 3_827_164], label)
            XCTAssertEqual(Set(live.compactMap { $0["agencyId"]?.stringValue }), [a.agencyId, b.agencyId], label)
            XCTAssertEqual(items.count, live.count + (items.contains { $0["bidId"]?.stringValue == bidD } ? 1 : 0), label)
            for item in items {
                if privileged {
                    XCTAssertNotNil(item["proposal"]?.stringValue, label)
                } else {
                    XCTAssertEqual(item["proposal"], .null, label)
                }
            }
        }
        let afterA = try a.client.result("bid.list", ["demandId": .string(demandId)])["items"]?.arrayValue ?? []
        XCTAssertEqual(afterA.first { $0["bidId"]?.stringValue == bidA }?["proposal"]?.stringValue, proposalA)
        XCTAssertEqual(afterA.first { $0["bidId"]?.stringValue == bidB }?["proposal"], .null)
        XCTAssertEqual(try anonymous.result("demand.get", ["demandId": .string(demandId)])["award"]?["bidId"]?.stringValue, bidB)
    }
}
