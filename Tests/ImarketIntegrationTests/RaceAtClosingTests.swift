import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Two server processes on one database, 50 agencies bidding concurrently up to and across
/// `biddingClosesAt`: every acknowledged bid is stored, none is stored after the close, the
/// demand is closed exactly once and every change has exactly one audit entry.
final class RaceAtClosingTests: IntegrationTestCase {
    private final class Results: @unchecked Sendable {
        let lock = NSLock()
        var acknowledged: [String: String] = [:]   // bidId → agencyId
        var refused: [String] = []
        var unexpected: [String] = []

        func add(_ body: (Results) -> Void) {
            lock.lock()
            body(self)
            lock.unlock()
        }
    }

    func testFiftyAgenciesOnTwoServersAcrossTheDeadline() throws {
        let server1 = try server
        let server2 = try ServerProcess(databaseURL: server1.databaseURL)
        defer { server2.stop() }
        try setRules(window: 2, publicity: 600, minBidders: 2)
        let (_, purchaser) = try makePurchaser()
        let agencies = try (0..<50).map { _ in try makeApprovedAgency() }
        // Each agency gets its own TLS connection, alternating servers, opened before the demand.
        let clients = try agencies.enumerated().map { i, agency in
            let target = i % 2 == 0 ? server1 : server2
            return try RPCTestClient(port: target.port, caPath: target.caPath, token: agency.client.token)
        }
        let demandId = try publishDemand(purchaser, demandInput(method: "lowest_price", closesIn: 4))
        let opened = try purchaser.result("demand.get", ["demandId": .string(demandId)])
        let closesAt = try XCTUnwrap(parseISO(opened["biddingClosesAt"]?.stringValue))

        // Each agency fires at its own moment between 1.2 s before and 0.6 s after the deadline.
        let results = Results()
        let group = DispatchGroup()
        for (i, agency) in agencies.enumerated() {
            let client = clients[i]
            let fireAt = closesAt.addingTimeInterval(-1.2 + 1.8 * Double(i) / 49)
            let price = Int64(1_000_000 + (i * 7919) % 50_000)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                Thread.sleep(until: fireAt)
                do {
                    let outcome = try client.call("bid.submit", ["demandId": .string(demandId), "priceFen": .number(JSONNumber(price)),
                                                                 "proposal": .string("方案\(i)")])
                    if let id = outcome.result?["bidId"]?.stringValue {
                        results.add { $0.acknowledged[id] = agency.agencyId }
                    } else if outcome.code == -32010, outcome.reason == "bidding_closed" {
                        results.add { $0.refused.append(agency.agencyId) }
                    } else {
                        results.add { $0.unexpected.append("\(outcome)") }
                    }
                } catch {
                    results.add { $0.unexpected.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(results.unexpected, [])
        XCTAssertEqual(results.acknowledged.count + results.refused.count, 50)
        XCTAssertGreaterThanOrEqual(results.acknowledged.count, 2, "some bids before the deadline")
        XCTAssertGreaterThanOrEqual(results.refused.count, 1, "some bids after the deadline")

        let admin = try adminClient()
        let closed = try waitForStatus(admin, demandId, "publicity")
        let closedAt = try XCTUnwrap(closed["closedAt"]?.stringValue)
        let closesText = try XCTUnwrap(closed["biddingClosesAt"]?.stringValue)
        XCTAssertLessThanOrEqual(closesText, closedAt)

        // Stored = acknowledged, every one submitted before the deadline.
        let stored = try XCTUnwrap(try admin.result("bid.list", ["demandId": .string(demandId)])["items"]?.arrayValue)
        XCTAssertEqual(Set(stored.compactMap { $0["bidId"]?.stringValue }), Set(results.acknowledged.keys))
        for bid in stored {
            let submittedAt = bid["submittedAt"]?.stringValue ?? "~"
            XCTAssertLessThanOrEqual(submittedAt, closesText, "\(bid)")
            XCTAssertLessThanOrEqual(submittedAt, closedAt, "\(bid)")
        }
        XCTAssertEqual(closed["bidCount"]?.int64Value, Int64(results.acknowledged.count))

        // Exactly one award, the same on both servers.
        let ranking = try XCTUnwrap(closed["award"]?["ranking"]?.arrayValue)
        XCTAssertEqual(ranking.count, results.acknowledged.count)
        let other = try RPCTestClient(port: server2.port, caPath: server2.caPath, token: admin.token)
        let fromServer2 = try other.result("demand.get", ["demandId": .string(demandId)])
        XCTAssertEqual(fromServer2["award"], closed["award"])

        // One audit entry per state change: one close, one bid.submit per stored bid.
        let events = try admin.result("audit.events", ["subjectType": "demand", "subjectId": .string(demandId), "limit": 200])
        let methods = (events["items"]?.arrayValue ?? []).compactMap { $0["method"]?.stringValue }
        XCTAssertEqual(methods.filter { $0 == "deadline.close" }.count, 1, "\(methods)")
        XCTAssertEqual(methods.filter { $0 == "demand.publish" }.count, 1, "\(methods)")
        for bidId in results.acknowledged.keys {
            let bidEvents = try admin.result("audit.events", ["subjectType": "bid", "subjectId": .string(bidId)])
            XCTAssertEqual(bidEvents["items"]?.arrayValue?.compactMap { $0["method"]?.stringValue }, ["bid.submit"], bidId)
        }
        XCTAssertEqual(try admin.result("audit.verify", [:])["ok"]?.boolValue, true)
    }
}
