import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 7: "State changes at deadlines happen on time even with no client traffic". The
/// test makes no request between publishing and the final read, and checks from the audit log
/// that the server closed and awarded the demand by itself, each exactly once, on time.
final class DeadlineWithoutTrafficTests: IntegrationTestCase {
    func testClosesAndAwardsWithNoRequestsInBetween() throws {
        try setRules(window: 2, publicity: 2, minBidders: 1)
        let (_, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let admin = try adminClient()
        let demandId = try publishDemand(purchaser, demandInput(method: "random", closesIn: 3))
        let bidId = try bid(agency.client, demandId, 123_456)
        let sent = Date()

        // No calls at all while the demand closes and its publicity period runs out.
        Thread.sleep(forTimeInterval: 3 + 2 + 2.5)
        let readAt = isoString(Date())

        let events = try admin.result("audit.events", ["subjectType": "demand", "subjectId": .string(demandId), "limit": 100])
        let items = try XCTUnwrap(events["items"]?.arrayValue)
        let close = items.filter { $0["method"]?.stringValue == "deadline.close" }
        let end = items.filter { $0["method"]?.stringValue == "deadline.endPublicity" }
        XCTAssertEqual(close.count, 1, "\(items)")
        XCTAssertEqual(end.count, 1, "\(items)")
        for entry in close + end {
            XCTAssertEqual(entry["actorId"], .null, "done by the server's clock, not a caller")
            XCTAssertLessThan(entry["at"]?.stringValue ?? "~", readAt, "happened before anyone read")
        }

        let demand = try anonymousClient().result("demand.get", ["demandId": .string(demandId)])
        XCTAssertEqual(demand["status"]?.stringValue, "awarded")
        XCTAssertEqual(demand["award"]?["bidId"]?.stringValue, bidId)
        verifyDraw(try XCTUnwrap(demand["award"]?["draw"]), demandId: demandId, expectedCandidates: [bidId])
        // On time: closed within a second of biddingClosesAt (the worker polls every 250 ms).
        let closesAt = try XCTUnwrap(parseISO(demand["biddingClosesAt"]?.stringValue))
        let closedAt = try XCTUnwrap(parseISO(demand["closedAt"]?.stringValue))
        XCTAssertGreaterThanOrEqual(closedAt.timeIntervalSince(closesAt), 0)
        XCTAssertLessThan(closedAt.timeIntervalSince(closesAt), 1.5)
        XCTAssertGreaterThan(closedAt, sent)
        XCTAssertTrue(try admin.result("audit.verify", [:])["ok"]?.boolValue ?? false)
    }
}

func parseISO(_ text: String?) -> Date? {
    guard let text else { return nil }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.date(from: text)
}

func isoString(_ date: Date) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: date)
}
