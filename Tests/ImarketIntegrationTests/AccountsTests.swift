import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 6 over TLS: purchasers, overseers and the catalog, as each role.
final class AccountsTests: IntegrationTestCase {
    private func purchaserParams(creditCode: String = FixtureNumbers.creditCode(), regionCode: String = "430482",
                                 key: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", "耒阳市教育局"), ("creditCode", .string(creditCode)), ("regionCode", .string(regionCode)),
            ("contact", ["name": "王五", "phone": "0734-4300000", "email": "jyj@example.cn"]),
        ]
        if let key { members.append(("idempotencyKey", .string(key))) }
        return .object(JSONObject(members))
    }

    func testPurchaserCreateGivesAWorkingPurchaserAccount() throws {
        let admin = try adminClient()
        let created = try admin.result("purchaser.create", purchaserParams())
        let purchaser = try XCTUnwrap(created["purchaser"])
        let id = try XCTUnwrap(purchaser["purchaserId"]?.stringValue)
        XCTAssertEqual(purchaser["name"]?.stringValue, "耒阳市教育局")
        XCTAssertEqual(purchaser["regionCode"]?.stringValue, "430482")
        XCTAssertEqual(purchaser["contact"]?["email"]?.stringValue, "jyj@example.cn")
        XCTAssertNotNil(purchaser["createdAt"]?.stringValue.flatMap { $0.hasSuffix("Z") ? $0 : nil })

        let client = try server.client(token: try XCTUnwrap(created["token"]?.stringValue))
        let me = try client.result("system.whoami")
        XCTAssertEqual(me["role"]?.stringValue, "purchaser")
        XCTAssertEqual(me["orgId"]?.stringValue, id)

        // Own record with contact; another purchaser and an agency see it without contact.
        XCTAssertEqual(try client.result("purchaser.get", ["purchaserId": .string(id)])["contact"]?["name"]?.stringValue, "王五")
        let other = try makePurchaser(name: "耒阳市卫健局")
        let seenByOther = try other.client.result("purchaser.get", ["purchaserId": .string(id)])
        XCTAssertEqual(seenByOther["name"]?.stringValue, "耒阳市教育局")
        XCTAssertEqual(seenByOther["contact"], .null)
        let agency = try makeApprovedAgency()
        XCTAssertEqual(try agency.client.result("purchaser.get", ["purchaserId": .string(id)])["contact"], .null)
        XCTAssertEqual(try admin.result("purchaser.get", ["purchaserId": .string(id)])["contact"]?["phone"]?.stringValue, "0734-4300000")
        assertError(try anonymousClient().call("purchaser.get", ["purchaserId": .string(id)]), code: -32001,
                    reason: "authentication_required")
        assertError(try admin.call("purchaser.get", ["purchaserId": "pur_missing"]), code: -32004, reason: "not_found",
                    field: "purchaserId")
    }

    func testPurchaserCreateErrors() throws {
        let admin = try adminClient()
        let code = FixtureNumbers.creditCode()
        _ = try admin.result("purchaser.create", purchaserParams(creditCode: code))
        assertError(try admin.call("purchaser.create", purchaserParams(creditCode: code)), code: -32009,
                    reason: "duplicate_credit_code", field: "creditCode")
        // The same code cannot be reused by an agency either.
        assertError(try admin.call("agency.register", agencyRegistration(creditCode: code)), code: -32009,
                    reason: "duplicate_credit_code", field: "creditCode")
        var bad = Array(code)
        bad[17] = bad[17] == "0" ? "1" : "0"
        assertError(try admin.call("purchaser.create", purchaserParams(creditCode: String(bad))), code: -32022,
                    reason: "invalid_credit_code", field: "creditCode")
        // Letters appear only in the check characters, so not every code has one to lowercase.
        let lettered = (0..<100).lazy.map { _ in FixtureNumbers.creditCode() }.first { $0 != $0.lowercased() }!
        assertError(try admin.call("purchaser.create", purchaserParams(creditCode: lettered.lowercased())), code: -32022,
                    reason: "invalid_credit_code", field: "creditCode")
        assertError(try admin.call("purchaser.create", purchaserParams(regionCode: "43048")), code: -32602, field: "regionCode")
        assertError(try admin.call("purchaser.create", json(#"{"name":"x","creditCode":"\#(FixtureNumbers.creditCode())","regionCode":"430482","contact":{"name":"a"}}"#)),
                    code: -32602, reason: "missing_field", field: "contact.phone")
        assertError(try admin.call("purchaser.create", json(#"{"name":"x","creditCode":"\#(FixtureNumbers.creditCode())","regionCode":"430482","contact":{"name":"a","phone":"0734-1","email":"nope"}}"#)),
                    code: -32602, reason: "invalid_value", field: "contact.email")
        let purchaser = try makePurchaser()
        assertError(try purchaser.client.call("purchaser.create", purchaserParams()), code: -32003, reason: "forbidden")
    }

    func testPurchaserCreateIsIdempotent() throws {
        let admin = try adminClient()
        let code = FixtureNumbers.creditCode()
        let first = try admin.result("purchaser.create", purchaserParams(creditCode: code, key: "create-edu-1"))
        let again = try admin.result("purchaser.create", purchaserParams(creditCode: code, key: "create-edu-1"))
        XCTAssertEqual(first, again)
        assertError(try admin.call("purchaser.create", purchaserParams(key: "create-edu-1")), code: -32009,
                    reason: "idempotency_key_reused", field: "idempotencyKey")
    }

    func testOverseerCreateAndRegionScope() throws {
        let admin = try adminClient()
        let created = try admin.result("overseer.create", ["name": "衡阳市审计局", "regionScope": "4304"])
        let overseerId = try XCTUnwrap(created["overseer"]?["overseerId"]?.stringValue)
        XCTAssertEqual(created["overseer"]?["regionScope"]?.stringValue, "4304")
        XCTAssertEqual(created["overseer"]?["name"]?.stringValue, "衡阳市审计局")
        let scoped = try server.client(token: try XCTUnwrap(created["token"]?.stringValue))
        let me = try scoped.result("system.whoami")
        XCTAssertEqual(me["role"]?.stringValue, "overseer")
        XCTAssertEqual(me["accountId"]?.stringValue, overseerId)

        let inside = try makePurchaser(regionCode: "430482")
        let outside = try makePurchaser(regionCode: "110105")
        XCTAssertNotEqual(try scoped.result("purchaser.get", ["purchaserId": .string(inside.purchaserId)])["contact"], .null)
        assertError(try scoped.call("purchaser.get", ["purchaserId": .string(outside.purchaserId)]), code: -32003, reason: "forbidden")
        let unscoped = try makeOverseer()
        XCTAssertNotNil(try unscoped.result("purchaser.get", ["purchaserId": .string(outside.purchaserId)])["contact"]?["name"])
        let whole = try admin.result("overseer.create", ["name": "省财政厅"])
        XCTAssertEqual(whole["overseer"]?["regionScope"], .null)
        assertError(try admin.call("overseer.create", ["name": "x", "regionScope": "43a"]), code: -32602, field: "regionScope")
    }

    func testCatalogListAndUpsert() throws {
        let anonymous = try anonymousClient()
        let items = try XCTUnwrap(anonymous.result("catalog.list")["items"]?.arrayValue)
        let byCode = Dictionary(uniqueKeysWithValues: items.map { ($0["code"]!.stringValue!, $0) })
        XCTAssertEqual(Set(byCode.keys), ["BOOKKEEPING", "TESTING", "RADIATION_HEALTH", "EIA", "COST_CONSULTING", "SURVEYING",
                                          "ASSET_APPRAISAL", "AUDIT", "FEASIBILITY", "SAFETY_ASSESSMENT"])
        XCTAssertEqual(byCode["TESTING"]?["name"]?.stringValue, "检验检测")
        XCTAssertEqual(byCode["BOOKKEEPING"]?["qualificationRequired"], false)
        XCTAssertEqual(byCode["AUDIT"]?["qualificationRequired"], true)
        XCTAssertEqual(byCode["AUDIT"]?["active"], true)

        let admin = try adminClient()
        let item = try admin.result("catalog.upsert", ["code": "LEGAL_ADVICE", "name": "法律咨询", "qualificationRequired": false])
        XCTAssertEqual(item, ["code": "LEGAL_ADVICE", "name": "法律咨询", "description": "", "qualificationRequired": false, "active": true])
        let inactive = try admin.result("catalog.upsert", ["code": "LEGAL_ADVICE", "name": "法律咨询服务", "qualificationRequired": true,
                                                           "description": "律师事务所", "active": false])
        XCTAssertEqual(inactive["active"], false)
        XCTAssertEqual(inactive["description"]?.stringValue, "律师事务所")
        let visible = try anonymous.result("catalog.list")["items"]?.arrayValue?.compactMap { $0["code"]?.stringValue }
        XCTAssertFalse(visible?.contains("LEGAL_ADVICE") ?? true)
        let all = try anonymous.result("catalog.list", ["includeInactive": true])["items"]?.arrayValue?.compactMap { $0["code"]?.stringValue }
        XCTAssertTrue(all?.contains("LEGAL_ADVICE") ?? false)
        // An inactive item cannot be offered.
        assertError(try admin.call("agency.register", agencyRegistration(serviceTypes: ["BOOKKEEPING", "LEGAL_ADVICE"])),
                    code: -32022, reason: "unknown_service_type", field: "serviceTypes[1]")

        assertError(try admin.call("catalog.upsert", ["code": "bad code", "name": "x", "qualificationRequired": false]),
                    code: -32602, reason: "invalid_value", field: "code")
        assertError(try anonymous.call("catalog.upsert", ["code": "X1", "name": "x", "qualificationRequired": false]),
                    code: -32001, reason: "authentication_required")
        let purchaser = try makePurchaser()
        assertError(try purchaser.client.call("catalog.upsert", ["code": "X1", "name": "x", "qualificationRequired": false]),
                    code: -32003, reason: "forbidden")
    }
}
