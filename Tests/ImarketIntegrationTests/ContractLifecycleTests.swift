import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Every transition and error of the contract state machine of API section 9, driven over the
/// API from a demand awarded the ordinary way (direct demand, windows of a second).
final class ContractLifecycleTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setContractRules()
    }

    func testCreateConfirmDeliverRejectDeliverAccept() throws {
        let (purchaserId, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let other = try makeApprovedAgency()
        let demandId = try makeAwardedDemand(purchaser: purchaser, agency: agency, priceFen: 800_000)

        let created = try purchaser.result("contract.create", contractParams(demandId, amountFen: 780_000, key: "c-1"))
        let id = try XCTUnwrap(created["contractId"]?.stringValue)
        XCTAssertEqual(created["status"]?.stringValue, "pending_confirmation")
        XCTAssertEqual(created["demandId"]?.stringValue, demandId)
        XCTAssertEqual(created["purchaserId"]?.stringValue, purchaserId)
        XCTAssertEqual(created["agencyId"]?.stringValue, agency.agencyId)
        XCTAssertEqual(created["amountFen"]?.int64Value, 780_000)
        XCTAssertEqual(created["paidFen"]?.int64Value, 0)
        XCTAssertEqual(created["signedOn"]?.stringValue, "2026-12-01")
        XCTAssertEqual(created["endsOn"]?.stringValue, "2027-03-31")
        XCTAssertEqual(created["deliveredAt"], .null)
        XCTAssertEqual(created["completedAt"], .null)
        XCTAssertEqual(created["termination"], .null)

        // Idempotent retry, key reuse with other params, and the one-per-demand rule.
        let replay = try purchaser.result("contract.create", contractParams(demandId, amountFen: 780_000, key: "c-1"))
        XCTAssertEqual(replay["contractId"]?.stringValue, id)
        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 700_000, key: "c-1")),
                    code: -32009, reason: "idempotency_key_reused")
        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 700_000)),
                    code: -32009, reason: "contract_exists")
        // A contract ends the winner's chance to decline.
        assertError(try agency.client.call("award.decline", ["demandId": .string(demandId), "reason": "人员不足，无法履约"]),
                    code: -32009, reason: "contract_exists")

        let ref: JSONValue = ["contractId": .string(id)]
        let deliver: JSONValue = ["contractId": .string(id), "summary": "已提交水质检测报告。"]
        assertError(try agency.client.call("contract.deliver", deliver), code: -32009, reason: "invalid_state")
        assertError(try purchaser.call("contract.accept", ["contractId": .string(id), "accepted": true]),
                    code: -32009, reason: "invalid_state")
        assertError(try other.client.call("contract.confirm", ref), code: -32003, reason: "forbidden")
        assertError(try purchaser.call("contract.confirm", ref), code: -32003, reason: "forbidden")

        let active = try agency.client.result("contract.confirm", ref)
        XCTAssertEqual(active["status"]?.stringValue, "active")
        XCTAssertNotNil(active["confirmedAt"]?.stringValue)
        assertError(try agency.client.call("contract.confirm", ref), code: -32009, reason: "invalid_state")
        assertError(try other.client.call("contract.deliver", deliver), code: -32003, reason: "forbidden")
        assertError(try agency.client.call("contract.deliver", ["contractId": .string(id), "summary": "  "]),
                    code: -32602, field: "summary")

        let delivered = try agency.client.result("contract.deliver", deliver)
        XCTAssertEqual(delivered["status"]?.stringValue, "delivered")
        XCTAssertNotNil(delivered["deliveredAt"]?.stringValue)
        XCTAssertEqual(delivered["deliverySummary"]?.stringValue, "已提交水质检测报告。")
        assertError(try agency.client.call("contract.deliver", deliver), code: -32009, reason: "invalid_state")
        assertError(try agency.client.call("contract.accept", ["contractId": .string(id), "accepted": true]),
                    code: -32003, reason: "forbidden")
        assertError(try purchaser.call("contract.accept", ["contractId": .string(id), "accepted": false]),
                    code: -32602, reason: "missing_field", field: "note")

        let reworked = try purchaser.result("contract.accept", ["contractId": .string(id), "accepted": false, "note": "报告缺少第3项指标"])
        XCTAssertEqual(reworked["status"]?.stringValue, "active")
        XCTAssertEqual(reworked["acceptanceNote"]?.stringValue, "报告缺少第3项指标")
        XCTAssertEqual(reworked["completedAt"], .null)

        _ = try agency.client.result("contract.deliver", deliver)
        let completed = try purchaser.result("contract.accept", ["contractId": .string(id), "accepted": true])
        XCTAssertEqual(completed["status"]?.stringValue, "completed")
        XCTAssertNotNil(completed["completedAt"]?.stringValue)
        assertError(try purchaser.call("contract.terminate", ["contractId": .string(id), "reason": "测试", "faultOf": "none"]),
                    code: -32009, reason: "invalid_state")
        assertError(try purchaser.call("contract.accept", ["contractId": .string(id), "accepted": true]),
                    code: -32009, reason: "invalid_state")
    }

    func testCreateChecks() throws {
        let (_, purchaser) = try makePurchaser()
        let (_, stranger) = try makePurchaser(name: "另一个采购单位")
        let agency = try makeApprovedAgency()
        let demandId = try makeAwardedDemand(purchaser: purchaser, agency: agency, priceFen: 500_000)

        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 500_001)),
                    code: -32022, reason: "amount_above_award", field: "amountFen")
        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 0)),
                    code: -32602, field: "amountFen")
        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 500_000, signedOn: "2027-01-02",
                                                                          endsOn: "2027-01-01")),
                    code: -32602, field: "endsOn")
        assertError(try purchaser.call("contract.create", contractParams(demandId, amountFen: 500_000, signedOn: "2027-02-30")),
                    code: -32602, field: "signedOn")
        assertError(try stranger.call("contract.create", contractParams(demandId)), code: -32003, reason: "forbidden")
        assertError(try agency.client.call("contract.create", contractParams(demandId)), code: -32003, reason: "forbidden")
        assertError(try anonymousClient().call("contract.create", contractParams(demandId)),
                    code: -32001, reason: "authentication_required")
        assertError(try purchaser.call("contract.create", contractParams("dem_missing")), code: -32004, field: "demandId")

        let open = try publishDemand(purchaser, demandInput(method: "direct", closesIn: 60,
                                                            extra: [("directAgencyId", .string(agency.agencyId))]))
        assertError(try purchaser.call("contract.create", contractParams(open)), code: -32009, reason: "invalid_state")

        // Same-day contracts are fine; the full award price is fine.
        let same = try purchaser.result("contract.create", contractParams(demandId, amountFen: 500_000, signedOn: "2027-01-01",
                                                                          endsOn: "2027-01-01"))
        XCTAssertEqual(same["amountFen"]?.int64Value, 500_000)
    }

    func testTerminationFromEveryOpenState() throws {
        let (_, purchaser) = try makePurchaser()
        let (_, stranger) = try makePurchaser(name: "无关采购单位")
        let agency = try makeApprovedAgency()
        let demands = try makeAwardedDemands(3, purchaser: purchaser, agency: agency)
        let pending = try makeContract(demands[0], purchaser: purchaser, agency: agency.client, status: "pending_confirmation")
        let active = try makeContract(demands[1], purchaser: purchaser, agency: agency.client, status: "active")
        let delivered = try makeContract(demands[2], purchaser: purchaser, agency: agency.client, status: "delivered")
        func terminate(_ id: String, _ fault: String) -> JSONValue {
            ["contractId": .string(id), "reason": "服务方未按期履约", "faultOf": .string(fault)]
        }

        assertError(try agency.client.call("contract.terminate", terminate(pending, "none")), code: -32003)
        assertError(try stranger.call("contract.terminate", terminate(pending, "none")), code: -32003, reason: "forbidden")
        assertError(try purchaser.call("contract.terminate", terminate(pending, "nobody")), code: -32602, field: "faultOf")
        assertError(try purchaser.call("contract.terminate", terminate("con_missing", "none")), code: -32004, field: "contractId")

        let t1 = try purchaser.result("contract.terminate", terminate(pending, "none"))
        XCTAssertEqual(t1["status"]?.stringValue, "terminated")
        XCTAssertEqual(t1["termination"]?["reason"]?.stringValue, "服务方未按期履约")
        XCTAssertEqual(t1["termination"]?["faultOf"]?.stringValue, "none")
        XCTAssertEqual(t1["termination"]?["by"]?.stringValue, "purchaser")
        XCTAssertNotNil(t1["termination"]?["at"]?.stringValue)
        assertError(try purchaser.call("contract.terminate", terminate(pending, "none")), code: -32009, reason: "invalid_state")
        assertError(try agency.client.call("contract.confirm", ["contractId": .string(pending)]), code: -32009, reason: "invalid_state")

        let t2 = try adminClient().result("contract.terminate", terminate(active, "purchaser"))
        XCTAssertEqual(t2["termination"]?["faultOf"]?.stringValue, "purchaser")
        XCTAssertEqual(t2["termination"]?["by"]?.stringValue, "admin")
        XCTAssertEqual(try creditText(agency.agencyId), "80.00", "only faultOf agency costs credit")

        let t3 = try purchaser.result("contract.terminate", terminate(delivered, "agency"))
        XCTAssertEqual(t3["status"]?.stringValue, "terminated")
        XCTAssertEqual(try creditText(agency.agencyId), "70.00")
        assertError(try purchaser.call("contract.accept", ["contractId": .string(delivered), "accepted": true]),
                    code: -32009, reason: "invalid_state")
    }

    func testReadAccessAndSearch() throws {
        let (purchaserId, purchaser) = try makePurchaser()
        let (otherPurchaserId, otherPurchaser) = try makePurchaser(name: "长沙市某局", regionCode: "430102")
        let agency = try makeApprovedAgency()
        let outsider = try makeApprovedAgency(regionCode: "110101")
        let demands = try makeAwardedDemands(3, purchaser: purchaser, agency: agency)
        let ids = try demands.map { try makeContract($0, purchaser: purchaser, agency: agency.client, status: "pending_confirmation") }
        let otherDemand = try makeAwardedDemand(purchaser: otherPurchaser, agency: outsider)
        let otherId = try makeContract(otherDemand, purchaser: otherPurchaser, agency: outsider.client, status: "active")

        let ref: JSONValue = ["contractId": .string(ids[0])]
        for client in [purchaser, agency.client, try adminClient(), try makeOverseer(), try makeOverseer(regionScope: "4304")] {
            XCTAssertEqual(try client.result("contract.get", ref)["contractId"]?.stringValue, ids[0])
        }
        assertError(try makeOverseer(regionScope: "11").call("contract.get", ref), code: -32003, reason: "forbidden")
        assertError(try outsider.client.call("contract.get", ref), code: -32003, reason: "forbidden")
        assertError(try otherPurchaser.call("contract.get", ref), code: -32003, reason: "forbidden")
        assertError(try anonymousClient().call("contract.get", ref), code: -32001)
        assertError(try purchaser.call("contract.get", ["contractId": "con_missing"]), code: -32004)

        // Own contracts only, newest first; someone else's filter is forbidden, not empty.
        let own = try purchaser.result("contract.search", [:])
        XCTAssertEqual(own["items"]?.arrayValue?.compactMap { $0["contractId"]?.stringValue }, ids.reversed())
        assertError(try purchaser.call("contract.search", ["purchaserId": .string(otherPurchaserId)]), code: -32003)
        XCTAssertEqual(try purchaser.result("contract.search", ["purchaserId": .string(purchaserId)])["items"]?.arrayValue?.count, 3)
        XCTAssertEqual(try agency.client.result("contract.search", [:])["items"]?.arrayValue?.count, 3)
        assertError(try agency.client.call("contract.search", ["agencyId": .string(outsider.agencyId)]), code: -32003)
        XCTAssertEqual(try outsider.client.result("contract.search", [:])["items"]?.arrayValue?.compactMap { $0["contractId"]?.stringValue },
                       [otherId])
        let activeOnes = try adminClient().result("contract.search", ["status": "active"])["items"]?.arrayValue ?? []
        XCTAssertTrue(activeOnes.contains { $0["contractId"]?.stringValue == otherId })
        XCTAssertTrue(activeOnes.allSatisfy { $0["status"]?.stringValue == "active" })
        assertError(try anonymousClient().call("contract.search", [:]), code: -32001)
        assertError(try adminClient().call("contract.search", ["status": "open"]), code: -32602, field: "status")
        assertError(try adminClient().call("contract.search", ["cursor": "nonsense!"]), code: -32602, field: "cursor")

        // Admin pages through all four, one at a time, without repeats.
        var seen: [String] = []
        var cursor: JSONValue = .null
        repeat {
            let params: JSONValue = cursor == .null ? ["limit": 1] : ["limit": 1, "cursor": cursor]
            let page = try adminClient().result("contract.search", params)
            seen += page["items"]?.arrayValue?.compactMap { $0["contractId"]?.stringValue } ?? []
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null && seen.count < 100
        let all = try adminClient().result("contract.search", ["limit": 200])["items"]?.arrayValue?.compactMap { $0["contractId"]?.stringValue }
        XCTAssertEqual(seen, all, "pages of one join up to the full list")
        XCTAssertEqual(Set(seen).count, seen.count)
        XCTAssertEqual(Array(seen.prefix(4)), [otherId] + ids.reversed(), "newest first")

        // A scoped overseer sees contracts whose purchaser or agency is in scope.
        let scoped = try makeOverseer(regionScope: "110")
        XCTAssertEqual(try scoped.result("contract.search", [:])["items"]?.arrayValue?.compactMap { $0["contractId"]?.stringValue },
                       [otherId])
    }
}
