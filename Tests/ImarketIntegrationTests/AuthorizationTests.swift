import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Every method of `rpc.discover`, called as every role: roles outside `x-roles` are refused
/// (-32001 anonymous, -32003 otherwise) before params are even looked at; listed roles get through
/// (with real params for the account and catalog methods, acting on their own resources).
final class AuthorizationTests: IntegrationTestCase {
    static let roles = ["anonymous", "admin", "purchaser", "agency", "overseer"]

    func testEveryMethodAsEveryRole() throws {
        let admin = try adminClient()
        let purchaser = try makePurchaser()
        let agency = try makeApprovedAgency()
        let clients: [String: RPCTestClient] = [
            "anonymous": try anonymousClient(), "admin": admin, "purchaser": purchaser.client, "agency": agency.client,
            "overseer": try makeOverseer(),
        ]
        func pendingAgency() throws -> JSONValue { try admin.result("agency.register", agencyRegistration())["agency"]!["agencyId"]! }
        func suspendedAgency() throws -> JSONValue {
            let id: JSONValue = .string(try makeApprovedAgency().agencyId)
            _ = try admin.result("agency.suspend", ["agencyId": id, "reason": "matrix"])
            return id
        }
        // Params that make a permitted call succeed, acting on the caller's own resources.
        let ownParams: [String: (String) throws -> JSONValue] = [
            "catalog.list": { _ in [:] },
            "catalog.upsert": { _ in ["code": "MATRIX_ITEM", "name": "矩阵测试", "qualificationRequired": false] },
            "purchaser.create": { _ in
                ["name": "矩阵单位", "creditCode": .string(FixtureNumbers.creditCode()), "regionCode": "430482",
                 "contact": ["name": "甲", "phone": "0734-1234567"]]
            },
            "purchaser.get": { _ in ["purchaserId": .string(purchaser.purchaserId)] },
            "overseer.create": { _ in ["name": "矩阵监督"] },
            "agency.register": { _ in self.agencyRegistration() },
            "agency.review": { _ in ["agencyId": try pendingAgency(), "decision": "approve"] },
            "agency.update": { _ in ["address": "矩阵路1号"] },
            "agency.suspend": { _ in ["agencyId": .string(try self.makeApprovedAgency().agencyId), "reason": "矩阵"] },
            "agency.reinstate": { _ in ["agencyId": try suspendedAgency(), "reason": "矩阵"] },
            "agency.get": { _ in ["agencyId": .string(agency.agencyId)] },
            "agency.search": { _ in [:] },
            "agency.credit": { _ in ["agencyId": .string(agency.agencyId)] },
            "system.ping": { _ in [:] },
            "system.whoami": { _ in [:] },
            "rules.get": { _ in [:] },
        ]

        let methods = try XCTUnwrap(anonymousClient().result("rpc.discover")["methods"]?.arrayValue)
        XCTAssertGreaterThanOrEqual(methods.count, ownParams.count)
        var seen = Set<String>()
        for method in methods {
            let name = try XCTUnwrap(method["name"]?.stringValue)
            seen.insert(name)
            let declared = try XCTUnwrap(method["x-roles"]?.arrayValue?.compactMap(\.stringValue), "\(name) has no x-roles")
            XCTAssertFalse(declared.isEmpty, name)
            let allowed = declared.contains("anyone") ? Set(Self.roles)
                : Set(declared).union(declared.contains("authenticated") ? Set(Self.roles.dropFirst()) : [])
            for role in Self.roles {
                let client = clients[role]!
                if !allowed.contains(role) {
                    let outcome = try client.call(name, [:])
                    if role == "anonymous" {
                        assertError(outcome, code: -32001, reason: "authentication_required")
                    } else {
                        assertError(outcome, code: -32003, reason: "forbidden")
                    }
                } else if let params = ownParams[name] {
                    let outcome = try client.call(name, try params(role))
                    XCTAssertNotNil(outcome.result, "\(name) as \(role): \(outcome)")
                } else {
                    let outcome = try client.call(name, [:])
                    XCTAssertNotEqual(outcome.code, -32001, "\(name) as \(role): \(outcome)")
                    XCTAssertNotEqual(outcome.code, -32003, "\(name) as \(role): \(outcome)")
                }
            }
        }
        XCTAssertTrue(Set(ownParams.keys).isSubset(of: seen), "missing: \(Set(ownParams.keys).subtracting(seen))")
    }

    func testDeclaredRolesOfAccountMethods() throws {
        let methods = try XCTUnwrap(anonymousClient().result("rpc.discover")["methods"]?.arrayValue)
        let roles = Dictionary(uniqueKeysWithValues: methods.map {
            ($0["name"]!.stringValue!, $0["x-roles"]!.arrayValue!.compactMap(\.stringValue))
        })
        XCTAssertEqual(roles["catalog.list"], ["anyone"])
        XCTAssertEqual(roles["catalog.upsert"], ["admin"])
        XCTAssertEqual(roles["purchaser.create"], ["admin"])
        XCTAssertEqual(roles["purchaser.get"], ["admin", "purchaser", "agency", "overseer"])
        XCTAssertEqual(roles["overseer.create"], ["admin"])
        XCTAssertEqual(roles["agency.register"], ["anyone"])
        XCTAssertEqual(roles["agency.review"], ["admin"])
        XCTAssertEqual(roles["agency.update"], ["agency"])
        XCTAssertEqual(roles["agency.suspend"], ["admin"])
        XCTAssertEqual(roles["agency.reinstate"], ["admin"])
        XCTAssertEqual(roles["agency.get"], ["anyone"])
        XCTAssertEqual(roles["agency.search"], ["anyone"])
        XCTAssertEqual(roles["agency.credit"], ["anyone"])
    }

    /// agency.update acts only on the caller's own profile; other agencies are untouched.
    func testAgencyUpdateTouchesOnlyTheCallersOwnProfile() throws {
        let first = try makeApprovedAgency()
        let second = try makeApprovedAgency()
        let before = try adminClient().result("agency.get", ["agencyId": .string(second.agencyId)])
        let updated = try first.client.result("agency.update", ["address": "只改自己1号"])
        XCTAssertEqual(updated["agencyId"]?.stringValue, first.agencyId)
        XCTAssertEqual(try adminClient().result("agency.get", ["agencyId": .string(second.agencyId)]), before)
    }
}

/// Failed authentication is limited per client address (API section 2). Own class: once limited,
/// every request from the address is refused for a minute.
final class AuthorizationFailedAuthLimitTests: IntegrationTestCase {
    func testBadTokensFromOneAddressAreRateLimited() throws {
        _ = try adminClient().result("rules.set", ["changes": ["failedAuthPerMinute": 5]])
        let bad = try server.client(token: "imk_" + String(repeating: "0", count: 64))
        for _ in 0..<5 {
            let response = try bad.post(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#)
            XCTAssertEqual(response.status, 401)
            assertError(try RPCTestClient.Outcome(parsing: response), code: -32001, reason: "invalid_token")
        }
        let limited = try bad.post(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#)
        XCTAssertEqual(limited.status, 429)
        assertError(try RPCTestClient.Outcome(parsing: limited), code: -32029, reason: "rate_limited")
        // Malformed headers count as failures too and are refused the same way now.
        let malformed = try server.client(token: "not-a-token")
        assertError(try malformed.call("system.ping"), code: -32029, reason: "rate_limited")
    }
}

extension RPCTestClient.Outcome {
    init(parsing response: HTTPTestResponse) throws {
        let body = try JSONParser.parse(response.body)
        if let error = body["error"] {
            self = .failure(code: error["code"]?.int64Value ?? 0, reason: error["data"]?["reason"]?.stringValue,
                            field: error["data"]?["field"]?.stringValue, message: error["message"]?.stringValue ?? "")
        } else {
            self = .success(body["result"] ?? .null)
        }
    }
}
