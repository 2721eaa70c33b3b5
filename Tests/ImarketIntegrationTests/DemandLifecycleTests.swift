import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 7: DemandInput validation, drafts, publishing, amendments, cancellation,
/// search and idempotency.
final class DemandLifecycleTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setRules(window: 60, publicity: 60, minBidders: 2)
    }

    private func with(_ base: JSONValue, _ changes: [(String, JSONValue?)]) -> JSONValue {
        guard case .object(var o) = base else { return base }
        for (k, v) in changes {
            o.members.removeAll { $0.key == k }
            if let v { o.members.append((k, v)) }
        }
        return .object(o)
    }

    func testDemandInputValidation() throws {
        let (_, purchaser) = try makePurchaser()
        let base = demandInput(closesIn: 3600)
        let cases: [([(String, JSONValue?)], Int64, String?, String)] = [
            ([("serviceType", "NOPE")], -32022, "unknown_service_type", "serviceType"),
            ([("budgetFen", 0)], -32602, nil, "budgetFen"),
            ([("budgetFen", 10_000_000_000_001)], -32602, nil, "budgetFen"),
            ([("minPriceFen", 5_000_000)], -32602, nil, "minPriceFen"),
            ([("fundSource", "mixed")], -32602, "missing_field", "fiscalFen"),
            ([("fundSource", "mixed"), ("fiscalFen", 5_000_000)], -32602, nil, "fiscalFen"),
            ([("fundSource", "lottery")], -32602, nil, "fundSource"),
            ([("selectionMethod", "auction")], -32602, nil, "selectionMethod"),
            ([("selectionMethod", "direct")], -32602, nil, "directAgencyId"),
            ([("directAgencyId", "agy_x")], -32602, nil, "directAgencyId"),
            ([("selectionMethod", "composite")], -32602, nil, "compositeWeights"),
            ([("selectionMethod", "composite"), ("compositeWeights", ["price": 50, "quality": 40])], -32602, "invalid_weights", "compositeWeights"),
            ([("compositeWeights", ["price": 50, "quality": 50])], -32602, nil, "compositeWeights"),
            ([("regionRestriction", "43a")], -32602, nil, "regionRestriction"),
            ([("servicePeriodDays", 0)], -32602, nil, "servicePeriodDays"),
            ([("servicePeriodDays", 3651)], -32602, nil, "servicePeriodDays"),
            ([("biddingClosesAt", "tomorrow")], -32602, nil, "biddingClosesAt"),
            ([("title", nil)], -32602, "missing_field", "title"),
            ([("surprise", 1)], -32602, "unknown_member", "surprise"),
        ]
        for (changes, code, reason, field) in cases {
            assertError(try purchaser.call("demand.create", with(base, changes)), code: code, reason: reason, field: field)
        }
        // direct above directSelectionMaxFen (default 10^7 fen) needs a reason; below it does not.
        let agency = try makeApprovedAgency()
        let direct = with(base, [("selectionMethod", "direct"), ("directAgencyId", .string(agency.agencyId)), ("budgetFen", 20_000_000)])
        assertError(try purchaser.call("demand.create", direct), code: -32602, field: "directReason")
        XCTAssertEqual(try purchaser.result("demand.create", with(direct, [("directReason", "应急检测，仅此一家具备资质")]))["status"]?.stringValue, "draft")
        XCTAssertEqual(try purchaser.result("demand.create", with(direct, [("budgetFen", 9_000_000)]))["directReason"], .null)
        let mixed = try purchaser.result("demand.create", with(base, [("fundSource", "mixed"), ("fiscalFen", 1_000_000),
                                                                      ("compositeWeights", nil), ("regionRestriction", "4304"),
                                                                      ("excludedAgencies", [["agencyId": .string(agency.agencyId), "reason": "亲属关系回避"]])]))
        XCTAssertEqual(mixed["fiscalFen"]?.int64Value, 1_000_000)
        XCTAssertEqual(mixed["excludedAgencies"]?[0]?["agencyId"]?.stringValue, agency.agencyId)
        XCTAssertEqual(mixed["revision"]?.int64Value, 1)
        XCTAssertEqual(mixed["amendments"]?.arrayValue?.count, 0)
        XCTAssertEqual(mixed["drawCommitment"], .null)

        assertError(try agency.client.call("demand.create", base), code: -32003)
        assertError(try anonymousClient().call("demand.create", base), code: -32001)
    }

    func testDraftUpdatePublishAndVisibility() throws {
        let (purchaserId, purchaser) = try makePurchaser()
        let (_, other) = try makePurchaser(name: "另一采购单位")
        let draft = try purchaser.result("demand.create", demandInput(closesIn: 10))
        let id = try XCTUnwrap(draft["demandId"]?.stringValue)
        XCTAssertEqual(draft["purchaserId"]?.stringValue, purchaserId)
        assertError(try anonymousClient().call("demand.get", ["demandId": .string(id)]), code: -32003)
        assertError(try other.call("demand.get", ["demandId": .string(id)]), code: -32003)
        XCTAssertEqual(try adminClient().result("demand.get", ["demandId": .string(id)])["status"]?.stringValue, "draft")
        assertError(try anonymousClient().call("demand.get", ["demandId": "dem_missing"]), code: -32004)
        // Text PostgreSQL cannot hold is the caller's error, and fails only its own read.
        assertError(try anonymousClient().call("demand.get", ["demandId": "dem_\u{0}"]), code: -32602, reason: "invalid_value")
        assertError(try anonymousClient().call("demand.search", ["text": "a\u{0}b"]), code: -32602, reason: "invalid_value")
        XCTAssertFalse(String(decoding: try anonymousClient().result("demand.search", [:]).serialized(), as: UTF8.self).contains(id))

        assertError(try other.call("demand.update", ["demandId": .string(id), "title": "别人的"]), code: -32003)
        assertError(try purchaser.call("demand.publish", ["demandId": .string(id)]), code: -32022, reason: "window_too_short")
        let updated = try purchaser.result("demand.update", ["demandId": .string(id), "title": "更新后的检验检测服务",
                                                             "biddingClosesAt": .string(timestamp(in: 600))])
        XCTAssertEqual(updated["title"]?.stringValue, "更新后的检验检测服务")
        assertError(try purchaser.call("demand.update", ["demandId": .string(id), "selectionMethod": "composite"]),
                    code: -32602, field: "compositeWeights")
        let published = try purchaser.result("demand.publish", ["demandId": .string(id)])
        XCTAssertEqual(published["status"]?.stringValue, "open")
        XCTAssertNotNil(published["publishedAt"]?.stringValue)
        XCTAssertEqual(published["drawCommitment"]?.stringValue?.count, 64)
        XCTAssertEqual(published["award"], .null)
        assertError(try purchaser.call("demand.publish", ["demandId": .string(id)]), code: -32009)
        assertError(try purchaser.call("demand.update", ["demandId": .string(id), "title": "x"]), code: -32009)
        XCTAssertEqual(try anonymousClient().result("demand.get", ["demandId": .string(id)])["status"]?.stringValue, "open")

        assertError(try other.call("demand.cancel", ["demandId": .string(id), "reason": "不是我的"]), code: -32003)
        let cancelled = try adminClient().result("demand.cancel", ["demandId": .string(id), "reason": "预算调整"])
        XCTAssertEqual(cancelled["status"]?.stringValue, "cancelled")
        assertError(try purchaser.call("demand.cancel", ["demandId": .string(id), "reason": "再次取消"]), code: -32009)
    }

    func testAmendmentsWindowAndBudgetInvalidatesBids() throws {
        let (_, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let id = try publishDemand(purchaser, demandInput(budgetFen: 5_000_000, closesIn: 120))
        let bidId = try bid(agency.client, id, 4_000_000)

        let amended = try purchaser.result("demand.amend", ["demandId": .string(id), "changes": ["description": "补充：需出具CMA报告"],
                                                            "reason": "补充技术要求"])
        XCTAssertEqual(amended["revision"]?.int64Value, 2)
        XCTAssertEqual(amended["description"]?.stringValue, "补充：需出具CMA报告")
        XCTAssertEqual(amended["amendments"]?[0]?["revision"]?.int64Value, 2)
        XCTAssertEqual(amended["amendments"]?[0]?["reason"]?.stringValue, "补充技术要求")
        XCTAssertEqual(amended["amendments"]?[0]?["changes"]?["description"]?.stringValue, "补充：需出具CMA报告")

        // A longer minimum window: an amendment must now also move the closing time.
        try setRules(window: 300, publicity: 60, minBidders: 2)
        assertError(try purchaser.call("demand.amend", ["demandId": .string(id), "changes": ["budgetFen": 3_000_000], "reason": "预算调减"]),
                    code: -32022, reason: "window_too_short")
        assertError(try purchaser.call("demand.amend", ["demandId": .string(id), "changes": ["biddingClosesAt": .string(timestamp(in: 200))],
                                                        "reason": "延期"]), code: -32022, reason: "window_too_short")
        let lowered = try purchaser.result("demand.amend", ["demandId": .string(id), "changes": [
            "budgetFen": 3_000_000, "biddingClosesAt": .string(timestamp(in: 400))], "reason": "预算调减并延期"])
        try setRules(window: 60, publicity: 60, minBidders: 2)
        XCTAssertEqual(lowered["revision"]?.int64Value, 3)
        XCTAssertEqual(lowered["budgetFen"]?.int64Value, 3_000_000)
        XCTAssertEqual(lowered["amendments"]?.arrayValue?.count, 2)

        let mine = try agency.client.result("bid.list", ["demandId": .string(id)])
        XCTAssertEqual(mine["items"]?[0]?["status"]?.stringValue, "invalid")
        assertError(try agency.client.call("bid.submit", ["demandId": .string(id), "priceFen": 1, "proposal": "x"]),
                    code: -32009, reason: "bid_exists")
        assertError(try agency.client.call("bid.update", ["bidId": .string(bidId), "priceFen": 3_500_000]),
                    code: -32022, reason: "price_out_of_range")
        let fixed = try agency.client.result("bid.update", ["bidId": .string(bidId), "priceFen": 2_900_000])
        XCTAssertEqual(fixed["status"]?.stringValue, "submitted")
        XCTAssertEqual(fixed["priceFen"]?.int64Value, 2_900_000)
    }

    func testBidAcceptanceRules() throws {
        let (_, purchaser) = try makePurchaser()
        let good = try makeApprovedAgency()
        let excluded = try makeApprovedAgency()
        let bookkeeper = try makeApprovedAgency(serviceTypes: ["BOOKKEEPING"])
        let elsewhere = try makeApprovedAgency(regionCode: "110101")
        let registered = try anonymousClient().result("agency.register", agencyRegistration())
        let pending = try server.client(token: try XCTUnwrap(registered["token"]?.stringValue))

        let draft = try purchaser.result("demand.create", demandInput(closesIn: 600))
        let draftId = try XCTUnwrap(draft["demandId"]?.stringValue)
        assertError(try good.client.call("bid.submit", ["demandId": .string(draftId), "priceFen": 100, "proposal": "x"]),
                    code: -32010, reason: "bidding_not_open")
        let id = try publishDemand(purchaser, demandInput(closesIn: 600, extra: [
            ("regionRestriction", "4304"), ("minPriceFen", 1000),
            ("excludedAgencies", [["agencyId": .string(excluded.agencyId), "reason": "利害关系回避"]])]))
        func submit(_ client: RPCTestClient, _ price: Int64) throws -> RPCTestClient.Outcome {
            try client.call("bid.submit", ["demandId": .string(id), "priceFen": .number(JSONNumber(price)), "proposal": "方案"])
        }
        assertError(try submit(pending, 5000), code: -32022, reason: "agency_not_approved")
        assertError(try submit(bookkeeper.client, 5000), code: -32022, reason: "not_qualified")
        assertError(try submit(elsewhere.client, 5000), code: -32022, reason: "region_not_allowed")
        assertError(try submit(excluded.client, 5000), code: -32022, reason: "agency_excluded")
        assertError(try submit(good.client, 999), code: -32022, reason: "price_out_of_range", field: "priceFen")
        assertError(try submit(good.client, 5_000_001), code: -32022, reason: "price_out_of_range")
        assertError(try purchaser.call("bid.submit", ["demandId": .string(id), "priceFen": 5000, "proposal": "x"]), code: -32003)
        assertError(try good.client.call("bid.submit", ["demandId": "dem_nope", "priceFen": 5000, "proposal": "x"]), code: -32004)

        let keyed: JSONValue = ["demandId": .string(id), "priceFen": 5000, "proposal": "方案", "idempotencyKey": "bid-1"]
        let first = try good.client.result("bid.submit", keyed)
        XCTAssertEqual(first["status"]?.stringValue, "submitted")
        XCTAssertEqual(try good.client.result("bid.submit", keyed)["bidId"], first["bidId"], "a retry returns the original bid")
        assertError(try good.client.call("bid.submit", ["demandId": .string(id), "priceFen": 6000, "proposal": "方案", "idempotencyKey": "bid-1"]),
                    code: -32009, reason: "idempotency_key_reused")
        assertError(try submit(good.client, 6000), code: -32009, reason: "bid_exists")
        let withdrawn = try good.client.result("bid.withdraw", ["bidId": first["bidId"]!])
        XCTAssertEqual(withdrawn["status"]?.stringValue, "withdrawn")
        assertError(try good.client.call("bid.update", ["bidId": first["bidId"]!, "priceFen": 7000]), code: -32009)
        XCTAssertEqual(try submit(good.client, 6000).result?["priceFen"]?.int64Value, 6000, "a new bid after withdrawing")
    }

    func testIdempotentCreate() throws {
        let (_, purchaser) = try makePurchaser()
        let params = with(demandInput(closesIn: 3600), [("idempotencyKey", "create-1")])
        let first = try purchaser.result("demand.create", params)
        let again = try purchaser.result("demand.create", params)
        XCTAssertEqual(first["demandId"], again["demandId"])
        assertError(try purchaser.call("demand.create", with(params, [("title", "另一个标题")])), code: -32009, reason: "idempotency_key_reused")
    }

    func testSearchFindsChineseSubstringsAndPagesStably() throws {
        let (purchaserId, purchaser) = try makePurchaser(regionCode: "430482")
        var ids: [String] = []
        for i in 0..<5 {
            let title = i == 2 ? "检验检测服务采购" : "代理记账服务\(i)"
            ids.append(try publishDemand(purchaser, demandInput(title: title, serviceType: i == 2 ? "TESTING" : "BOOKKEEPING", closesIn: 3600)))
        }
        let anonymous = try anonymousClient()
        let found = try anonymous.result("demand.search", ["text": "检测", "purchaserId": .string(purchaserId)])
        // Every description mentions 检测 too; the title-only word 采购 narrows it to one.
        XCTAssertEqual(found["items"]?.arrayValue?.count, 5)
        let narrowed = try anonymous.result("demand.search", ["text": "检测服务采", "purchaserId": .string(purchaserId)])
        XCTAssertEqual(narrowed["items"]?.arrayValue?.compactMap { $0["demandId"]?.stringValue }, [ids[2]])
        XCTAssertEqual(try anonymous.result("demand.search", ["text": "100%", "purchaserId": .string(purchaserId)])["items"]?.arrayValue?.count, 0)
        let byType = try anonymous.result("demand.search", ["serviceType": "TESTING", "purchaserId": .string(purchaserId), "status": "open"])
        XCTAssertEqual(byType["items"]?.arrayValue?.count, 1)
        XCTAssertEqual(try anonymous.result("demand.search", ["regionCode": "11", "purchaserId": .string(purchaserId)])["items"]?.arrayValue?.count, 0)

        var seen: [String] = []
        var cursor: JSONValue = .null
        repeat {
            var params: JSONValue = ["purchaserId": .string(purchaserId), "limit": 2]
            if case .string = cursor { params = ["purchaserId": .string(purchaserId), "limit": 2, "cursor": cursor] }
            let page = try anonymous.result("demand.search", params)
            seen += page["items"]?.arrayValue?.compactMap { $0["demandId"]?.stringValue } ?? []
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        XCTAssertEqual(seen, ids.reversed(), "newest published first, every demand exactly once")
        assertError(try anonymous.call("demand.search", ["limit": 0]), code: -32602, field: "limit")
        assertError(try anonymous.call("demand.search", ["limit": 201]), code: -32602, field: "limit")
        assertError(try anonymous.call("demand.search", ["cursor": "garbage!"]), code: -32602, field: "cursor")
    }
}
