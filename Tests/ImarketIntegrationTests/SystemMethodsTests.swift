import Foundation
import ImarketJSONRPC
import ImarketTLS
import ImarketTestSupport
import XCTest

/// API section 5: ping, whoami, rules and tokens.
final class SystemMethodsTests: IntegrationTestCase {
    func testPingAndWhoami() throws {
        let anonymous = try anonymousClient()
        let ping = try anonymous.result("system.ping")
        XCTAssertNotNil(ping["version"]?.stringValue)
        let time = ping["time"]?.stringValue ?? ""
        XCTAssertTrue(time.hasSuffix("Z") && time.count == 24, time)
        assertError(try anonymous.call("system.whoami"), code: -32001, reason: "authentication_required")

        let whoami = try adminClient().result("system.whoami")
        XCTAssertEqual(whoami["role"]?.stringValue, "admin")
        XCTAssertEqual(whoami["orgId"], .null)
        XCTAssertEqual(whoami["name"]?.stringValue, "test admin")
        XCTAssertTrue(whoami["accountId"]?.stringValue?.hasPrefix("acc_") ?? false)
    }

    func testRulesGetAndSetValidateEveryChange() throws {
        let admin = try adminClient()
        let rules = try admin.result("rules.get")
        XCTAssertEqual(rules["minBiddingWindowSeconds"]?.int64Value, 259200)
        XCTAssertEqual(rules["timeZone"]?.stringValue, "Asia/Shanghai")
        XCTAssertEqual(rules["intermediaryEconomicCodes"], json(#"["30227"]"#))
        XCTAssertEqual(rules.objectValue?.count, 19)

        let changed = try admin.result("rules.set", json(#"{"changes":{"publicityPeriodSeconds":5,"timeZone":"UTC"}}"#))
        XCTAssertEqual(changed["publicityPeriodSeconds"]?.int64Value, 5)
        XCTAssertEqual(try admin.result("rules.get")["timeZone"]?.stringValue, "UTC")

        assertError(try admin.call("rules.set", json(#"{"changes":{"noSuchRule":1}}"#)), code: -32602, field: "changes.noSuchRule")
        assertError(try admin.call("rules.set", json(#"{"changes":{"minBidders":21}}"#)), code: -32602, reason: "out_of_range",
                    field: "changes.minBidders")
        assertError(try admin.call("rules.set", json(#"{"changes":{"priceAtCapPermille":1001}}"#)), code: -32602, reason: "out_of_range")
        assertError(try admin.call("rules.set", json(#"{"changes":{"minBidders":"3"}}"#)), code: -32602, reason: "invalid_type")
        assertError(try admin.call("rules.set", json(#"{"changes":{"timeZone":"Mars/Base"}}"#)), code: -32602, field: "changes.timeZone")
        assertError(try admin.call("rules.set", json(#"{"changes":[]}"#)), code: -32602, field: "changes")
        // A refused change leaves everything as it was.
        assertError(try admin.call("rules.set", json(#"{"changes":{"minBidders":4,"splitWindowDays":-1}}"#)), code: -32602)
        XCTAssertEqual(try admin.result("rules.get")["minBidders"]?.int64Value, 3)

        let anonymous = try anonymousClient()
        assertError(try anonymous.call("rules.get"), code: -32001)
        assertError(try anonymous.call("rules.set", json(#"{"changes":{}}"#)), code: -32001)
    }

    func testTokensAreShownOnceStoredHashedAndRevocable() throws {
        let admin = try adminClient()
        let me = try admin.result("system.whoami")["accountId"]!.stringValue!
        let issued = try admin.result("token.create", json(#"{"accountId":"\#(me)","label":"second"}"#))
        let token = issued["token"]!.stringValue!
        let tokenId = issued["tokenId"]!.stringValue!
        XCTAssertTrue(token.hasPrefix("imk_") && token.count == 68)

        let second = try server.client(token: token)
        XCTAssertEqual(try second.result("system.whoami")["accountId"]?.stringValue, me)

        // Only the hash is stored.
        let dump = try ChildProcess.run("/bin/sh", ["-c", "psql \"$0\" -Atc 'SELECT encode(token_hash, $$hex$$) FROM api_tokens'", try server.databaseURL])
        XCTAssertFalse(dump.stdout.contains(String(token.dropFirst(4))), "token text found in the database")
        XCTAssertTrue(dump.stdout.contains(Crypto.sha256Hex(token)), dump.stdout + dump.stderr)

        assertError(try admin.call("token.create", json(#"{"accountId":"acc_nobody","label":"x"}"#)), code: -32004, field: "accountId")
        assertError(try admin.call("token.create", json(#"{"accountId":"\#(me)","label":""}"#)), code: -32602, field: "label")
        assertError(try admin.call("token.revoke", json(#"{"tokenId":"tok_nobody"}"#)), code: -32004)

        let revoked = try second.result("token.revoke", json(#"{"tokenId":"\#(tokenId)"}"#))
        XCTAssertEqual(revoked["tokenId"]?.stringValue, tokenId)
        XCTAssertNotNil(revoked["revokedAt"]?.stringValue)
        let after = try second.post(#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#)
        XCTAssertEqual(after.status, 401)
        XCTAssertEqual(try JSONParser.parse(after.body)["error"]?["data"]?["reason"]?.stringValue, "invalid_token")
    }

    func testCommandLineTokenCreation() throws {
        let result = try server.cli(["token", "create", "--role", "overseer", "--label", "audit office"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let token = String(result.stdout.split(separator: "\n").last ?? "")
        let whoami = try server.client(token: token).result("system.whoami")
        XCTAssertEqual(whoami["role"]?.stringValue, "overseer")
        XCTAssertEqual(whoami["name"]?.stringValue, "audit office")
        let refused = try server.cli(["token", "create", "--role", "purchaser", "--label", "x"])
        XCTAssertNotEqual(refused.status, 0)
    }
}
