import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// API section 6 over TLS: registration, review, profile changes, suspension, lookup and credit.
final class AgencyTests: IntegrationTestCase {
    private func set(_ params: JSONValue, _ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var o) = params else { return params }
        o[key] = value
        return .object(o)
    }

    private func qualification(_ type: String, validUntil: String = FixtureNumbers.date(daysFromNow: 365)) -> JSONValue {
        ["serviceType": .string(type), "certificateNo": "CMA-2024-001", "issuer": "湖南省市场监督管理局", "validUntil": .string(validUntil)]
    }

    func testAnonymousRegistrationStartsPendingWithAWorkingToken() throws {
        let anonymous = try anonymousClient()
        let params = agencyRegistration(name: "湖南检验检测有限公司", serviceTypes: ["TESTING", "BOOKKEEPING"])
        let registered = try anonymous.result("agency.register", params)
        let agency = try XCTUnwrap(registered["agency"])
        let id = try XCTUnwrap(agency["agencyId"]?.stringValue)
        XCTAssertEqual(agency["status"]?.stringValue, "pending")
        XCTAssertEqual(agency["statusReason"], .null)
        XCTAssertEqual(agency["reviewedAt"], .null)
        XCTAssertEqual(agency["serviceTypes"], ["TESTING", "BOOKKEEPING"])
        XCTAssertEqual(agency["qualifications"]?[0]?["serviceType"]?.stringValue, "TESTING")
        XCTAssertEqual(agency["qualifications"]?[0]?["level"]?.stringValue, "甲级")
        XCTAssertEqual(agency["creditCode"], params["creditCode"])
        XCTAssertEqual(agency["address"], params["address"])
        XCTAssertEqual(agency["contact"], params["contact"])
        // 80.00 exactly, written with two decimals.
        XCTAssertEqual(agency["creditScore"]?.numberText, "80.00")

        let own = try server.client(token: try XCTUnwrap(registered["token"]?.stringValue))
        let me = try own.result("system.whoami")
        XCTAssertEqual(me["role"]?.stringValue, "agency")
        XCTAssertEqual(me["orgId"]?.stringValue, id)

        let approved = try adminClient().result("agency.review", ["agencyId": .string(id), "decision": "approve"])
        XCTAssertEqual(approved["status"]?.stringValue, "approved")
        XCTAssertNotNil(approved["reviewedAt"]?.stringValue)
        assertError(try adminClient().call("agency.review", ["agencyId": .string(id), "decision": "approve"]), code: -32009,
                    reason: "invalid_state")
        assertError(try adminClient().call("agency.review", ["agencyId": "agy_missing", "decision": "approve"]), code: -32004,
                    reason: "not_found", field: "agencyId")
    }

    func testAnonymousRegistrationIsIdempotentByKey() throws {
        let params = set(agencyRegistration(), "idempotencyKey", "reg-0001")
        let first = try anonymousClient().result("agency.register", params)
        let second = try anonymousClient().result("agency.register", params)
        XCTAssertEqual(first, second)
        assertError(try anonymousClient().call("agency.register", set(agencyRegistration(), "idempotencyKey", "reg-0001")),
                    code: -32009, reason: "idempotency_key_reused", field: "idempotencyKey")
    }

    func testRegistrationErrors() throws {
        let admin = try adminClient()
        let taken = try admin.result("agency.register", agencyRegistration())["agency"]!["creditCode"]!
        assertError(try admin.call("agency.register", set(agencyRegistration(), "creditCode", taken)), code: -32009,
                    reason: "duplicate_credit_code", field: "creditCode")
        assertError(try admin.call("agency.register", set(agencyRegistration(), "creditCode", "91430482MA4L000000")), code: -32022,
                    reason: "invalid_credit_code", field: "creditCode")
        assertError(try admin.call("agency.register", set(agencyRegistration(), "regionCode", "4304821")), code: -32602,
                    reason: "invalid_value", field: "regionCode")
        assertError(try admin.call("agency.register", agencyRegistration(serviceTypes: ["BOOKKEEPING", "FEASIBILITY", "MASSAGE"])),
                    code: -32022, reason: "unknown_service_type", field: "serviceTypes[2]")
        assertError(try admin.call("agency.register", set(agencyRegistration(serviceTypes: ["BOOKKEEPING"]), "qualifications",
                                                          [qualification("AUDIT"), qualification("NOPE")])),
                    code: -32022, reason: "unknown_service_type", field: "qualifications[1].serviceType")
        // No qualification at all, one for another type, and an expired one.
        assertError(try admin.call("agency.register", set(agencyRegistration(serviceTypes: ["BOOKKEEPING", "EIA"]), "qualifications", [])),
                    code: -32022, reason: "qualification_required", field: "serviceTypes[1]")
        assertError(try admin.call("agency.register", set(agencyRegistration(serviceTypes: ["EIA"]), "qualifications",
                                                          [qualification("AUDIT")])),
                    code: -32022, reason: "qualification_required", field: "serviceTypes[0]")
        assertError(try admin.call("agency.register", set(agencyRegistration(serviceTypes: ["EIA"]), "qualifications",
                                                          [qualification("EIA", validUntil: FixtureNumbers.date(daysFromNow: -3))])),
                    code: -32022, reason: "qualification_required", field: "serviceTypes[0]")
        assertError(try admin.call("agency.register", set(agencyRegistration(serviceTypes: ["EIA"]), "qualifications",
                                                          [qualification("EIA", validUntil: "2030-02-30")])),
                    code: -32602, reason: "invalid_value", field: "qualifications[0].validUntil")
        assertError(try admin.call("agency.register", agencyRegistration(serviceTypes: [])), code: -32602, field: "serviceTypes")
        assertError(try admin.call("agency.register", set(agencyRegistration(), "extra", 1)), code: -32602, reason: "unknown_member")
    }

    func testReviewRejectNeedsAReason() throws {
        let admin = try adminClient()
        let id = try admin.result("agency.register", agencyRegistration())["agency"]!["agencyId"]!
        assertError(try admin.call("agency.review", ["agencyId": id, "decision": "reject"]), code: -32602, reason: "missing_field",
                    field: "reason")
        assertError(try admin.call("agency.review", ["agencyId": id, "decision": "maybe"]), code: -32602, field: "decision")
        let rejected = try admin.result("agency.review", ["agencyId": id, "decision": "reject", "reason": "资质证书无法核验"])
        XCTAssertEqual(rejected["status"]?.stringValue, "rejected")
        XCTAssertEqual(rejected["statusReason"]?.stringValue, "资质证书无法核验")
    }

    func testUpdateReturnsToPendingOnlyForServiceTypesOrQualifications() throws {
        let (id, own) = try makeApprovedAgency(serviceTypes: ["TESTING"])
        let contactOnly = try own.result("agency.update", ["contact": ["name": "赵六", "phone": "13800000000"], "address": "新地址1号"])
        XCTAssertEqual(contactOnly["status"]?.stringValue, "approved")
        XCTAssertEqual(contactOnly["address"]?.stringValue, "新地址1号")
        XCTAssertEqual(contactOnly["contact"]?["email"], .null)
        // Same qualifications again: no change, still approved.
        let current = try own.result("agency.get", ["agencyId": .string(id)])
        XCTAssertEqual(try own.result("agency.update", ["qualifications": current["qualifications"]!])["status"]?.stringValue, "approved")

        let widened = try own.result("agency.update", ["serviceTypes": ["TESTING", "FEASIBILITY"]])
        XCTAssertEqual(widened["status"]?.stringValue, "pending")
        XCTAssertEqual(widened["serviceTypes"], ["TESTING", "FEASIBILITY"])
        _ = try adminClient().result("agency.review", ["agencyId": .string(id), "decision": "approve"])
        let requalified = try own.result("agency.update", ["qualifications": [qualification("TESTING")]])
        XCTAssertEqual(requalified["status"]?.stringValue, "pending")
        XCTAssertEqual(requalified["qualifications"]?[0]?["certificateNo"]?.stringValue, "CMA-2024-001")
        XCTAssertEqual(requalified["qualifications"]?[0]?["level"], .null)

        assertError(try own.call("agency.update", ["serviceTypes": ["TESTING", "SURVEYING"]]), code: -32022,
                    reason: "qualification_required", field: "serviceTypes[1]")
        assertError(try own.call("agency.update", ["serviceTypes": ["UNKNOWN_X"]]), code: -32022, reason: "unknown_service_type",
                    field: "serviceTypes[0]")
        let purchaser = try makePurchaser()
        assertError(try purchaser.client.call("agency.update", ["address": "x"]), code: -32003, reason: "forbidden")
        assertError(try adminClient().call("agency.update", ["address": "x"]), code: -32003, reason: "forbidden")
    }

    func testSuspensionWithUntilEndsByItself() throws {
        let admin = try adminClient()
        let (id, own) = try makeApprovedAgency()
        let until = RFC3339Text.format(Date().addingTimeInterval(2))
        let suspended = try admin.result("agency.suspend", ["agencyId": .string(id), "reason": "违规转包", "until": .string(until)])
        XCTAssertEqual(suspended["status"]?.stringValue, "suspended")
        XCTAssertEqual(suspended["statusReason"]?.stringValue, "违规转包")
        let search = try anonymousClient().result("agency.search", ["status": "suspended", "limit": 200])["items"]?.arrayValue ?? []
        XCTAssertTrue(search.contains { $0["agencyId"]?.stringValue == id })
        assertError(try own.call("agency.update", ["serviceTypes": ["BOOKKEEPING"]]), code: -32009, reason: "invalid_state")

        Thread.sleep(forTimeInterval: 2.5)
        // Reads reflect the end at once, without any worker.
        let after = try anonymousClient().result("agency.get", ["agencyId": .string(id)])
        XCTAssertEqual(after["status"]?.stringValue, "approved")
        XCTAssertEqual(after["statusReason"], .null)
        let approvedNow = try anonymousClient().result("agency.search", ["limit": 200])["items"]?.arrayValue ?? []
        XCTAssertTrue(approvedNow.contains { $0["agencyId"]?.stringValue == id })
        // A change sees it lifted too: reinstating is no longer possible.
        assertError(try admin.call("agency.reinstate", ["agencyId": .string(id), "reason": "x"]), code: -32009, reason: "invalid_state")

        assertError(try admin.call("agency.suspend", ["agencyId": .string(id), "reason": "x", "until": "2001-01-01T00:00:00Z"]),
                    code: -32602, reason: "out_of_range", field: "until")
        assertError(try admin.call("agency.suspend", ["agencyId": .string(id), "reason": "x", "until": "tomorrow"]),
                    code: -32602, reason: "invalid_value", field: "until")
    }

    func testSuspendAndReinstate() throws {
        let admin = try adminClient()
        let (id, _) = try makeApprovedAgency()
        let suspended = try admin.result("agency.suspend", ["agencyId": .string(id), "reason": "调查中"])
        XCTAssertEqual(suspended["status"]?.stringValue, "suspended")
        let reinstated = try admin.result("agency.reinstate", ["agencyId": .string(id), "reason": "调查结束"])
        XCTAssertEqual(reinstated["status"]?.stringValue, "approved")
        XCTAssertEqual(reinstated["statusReason"]?.stringValue, "调查结束")
        let pending = try admin.result("agency.register", agencyRegistration())["agency"]!["agencyId"]!
        assertError(try admin.call("agency.suspend", ["agencyId": pending, "reason": "x"]), code: -32009, reason: "invalid_state")
        assertError(try admin.call("agency.suspend", ["agencyId": "agy_nope", "reason": "x"]), code: -32004, field: "agencyId")
        assertError(try admin.call("agency.reinstate", ["agencyId": .string(id), "reason": ""]), code: -32602, field: "reason")
    }

    func testGetShowsContactOnlyToAdminOverseerAndItself() throws {
        let (id, own) = try makeApprovedAgency(regionCode: "430482")
        let params: JSONValue = ["agencyId": .string(id)]
        XCTAssertNotEqual(try own.result("agency.get", params)["contact"], .null)
        XCTAssertNotEqual(try adminClient().result("agency.get", params)["contact"], .null)
        XCTAssertNotEqual(try makeOverseer().result("agency.get", params)["contact"], .null)
        XCTAssertNotEqual(try makeOverseer(regionScope: "43").result("agency.get", params)["contact"], .null)
        assertError(try makeOverseer(regionScope: "11").call("agency.get", params), code: -32003, reason: "forbidden")
        assertError(try makeOverseer(regionScope: "11").call("agency.credit", params), code: -32003, reason: "forbidden")
        let anonymousView = try anonymousClient().result("agency.get", params)
        XCTAssertEqual(anonymousView["contact"], .null)
        XCTAssertEqual(anonymousView["agencyId"]?.stringValue, id)
        XCTAssertEqual(try makePurchaser().client.result("agency.get", params)["contact"], .null)
        XCTAssertEqual(try makeApprovedAgency().client.result("agency.get", params)["contact"], .null)
        assertError(try anonymousClient().call("agency.get", ["agencyId": "agy_none"]), code: -32004, reason: "not_found", field: "agencyId")
    }

    func testCreditOfANewAgency() throws {
        let (id, _) = try makeApprovedAgency()
        let credit = try anonymousClient().result("agency.credit", ["agencyId": .string(id)])
        XCTAssertEqual(credit["agencyId"]?.stringValue, id)
        XCTAssertEqual(credit["score"]?.numberText, "80.00")
        XCTAssertEqual(credit["evaluations"], 0)
        XCTAssertEqual(credit["penalties"], [])
        assertError(try anonymousClient().call("agency.credit", ["agencyId": "agy_none"]), code: -32004, field: "agencyId")
    }
}

/// Test-side RFC 3339 formatting (UTC, `Z`), written against the contract rather than the server.
enum RFC3339Text {
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// Anonymous registration is limited per client address (own server: the limit is per process).
final class AgencyRegistrationLimitTests: IntegrationTestCase {
    func testAnonymousRegistrationsAreRateLimitedPerAddress() throws {
        _ = try adminClient().result("rules.set", ["changes": ["registrationsPerMinute": 3]])
        let anonymous = try anonymousClient()
        for _ in 0..<3 { _ = try anonymous.result("agency.register", agencyRegistration()) }
        assertError(try anonymous.call("agency.register", agencyRegistration()), code: -32029, reason: "rate_limited")
        // Authenticated callers (the operator entering paper applications) are not limited.
        _ = try adminClient().result("agency.register", agencyRegistration())
    }
}
