@testable import ImarketApp
import ImarketJSONRPC
import XCTest

/// Results that write their own members on the hot path (`JSONObjectWritable`: `DemandView`,
/// `system.ping`'s result) must write the bytes of their `Encodable` conformance, which clients'
/// schemas and the tree encoder follow.
final class WrittenResultEncodingTests: XCTestCase {
    private static let full: JSONValue = [
        "demandId": "dem_1", "purchaserId": "pur_1", "purchaserName": "某某县卫生健康局 \"A\"",
        "title": "代理记账\n服务", "serviceType": "BOOKKEEPING", "description": "tab\there \\ slash",
        "budgetFen": 1_000_000, "minPriceFen": 500_000, "fundSource": "mixed", "fiscalFen": 400_000,
        "selectionMethod": "composite", "directAgencyId": "age_1", "directReason": "only one",
        "compositeWeights": ["price": 40, "quality": 60], "regionRestriction": "430482",
        "excludedAgencies": [["agencyId": "age_2", "reason": "conflict"]], "servicePeriodDays": 365,
        "biddingClosesAt": "2026-12-01T08:00:00Z", "status": "awarded", "createdAt": "2026-11-01T08:00:00.123Z",
        "publishedAt": "2026-11-02T08:00:00Z", "closedAt": "2026-12-01T08:00:01Z", "failureReason": "none",
        "revision": 3, "amendments": [["revision": 2, "reason": "r", "changes": ["title": "t"]]],
        "drawCommitment": "ab12", "bidCount": 7, "award": ["agencyId": "age_3", "priceFen": 450_000],
    ]

    private static var empty: JSONValue {
        guard case .object(var object) = full else { fatalError() }
        for key in ["minPriceFen", "fiscalFen", "directAgencyId", "directReason", "compositeWeights", "regionRestriction",
                    "publishedAt", "closedAt", "failureReason", "drawCommitment", "bidCount", "award"] {
            object[key] = .null
        }
        object["excludedAgencies"] = []
        object["amendments"] = []
        return .object(object)
    }

    func testWrittenMembersAreTheEncodableBytes() throws {
        for source in [Self.full, Self.empty] {
            let view = try JSONValueDecoder().decode(DemandView.self, from: source)
            let written = try JSONStreamEncoder.encode(view)
            XCTAssertEqual(String(decoding: written, as: UTF8.self),
                           String(decoding: try JSONValueEncoder().encode(view).serialized(), as: UTF8.self))
            XCTAssertEqual(String(decoding: written, as: UTF8.self), String(decoding: source.serialized(), as: UTF8.self),
                           "a member is missing, extra or out of order")
            // As an element of a page, too.
            XCTAssertEqual(try JSONStreamEncoder.encode([view, view]),
                           try JSONValueEncoder().encode([view, view]).serialized())
        }
    }

    func testPingWritesItsEncodableBytes() throws {
        let ping = SystemMethods.Ping(version: "1.0.0 \"q\"", time: "2026-11-29T08:00:00.000Z")
        let written = try JSONStreamEncoder.encoder(for: SystemMethods.Ping.self)(ping)
        XCTAssertEqual(String(decoding: written, as: UTF8.self),
                       String(decoding: try JSONValueEncoder().encode(ping).serialized(), as: UTF8.self))
        XCTAssertEqual(String(decoding: written, as: UTF8.self), #"{"version":"1.0.0 \"q\"","time":"2026-11-29T08:00:00.000Z"}"#)
    }
}
