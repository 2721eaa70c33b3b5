import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTLS
import ImarketTestSupport
import XCTest

/// Helpers for the demand, bid and selection tests: short rule windows, demands closing a few
/// seconds from now, polling for a state, and recomputing a published draw independently.
extension IntegrationTestCase {
    /// Sets the windows short enough for tests (API section 12: "windows of a few seconds").
    func setRules(window: Int = 2, publicity: Int = 2, minBidders: Int = 2) throws {
        _ = try adminClient().result("rules.set", ["changes": [
            "minBiddingWindowSeconds": .number(JSONNumber(window)),
            "publicityPeriodSeconds": .number(JSONNumber(publicity)),
            "minBidders": .number(JSONNumber(minBidders)),
        ]])
    }

    /// RFC 3339, `seconds` from now (the test and the database share the machine's clock).
    func timestamp(in seconds: Double) -> String {
        let millis = Int64((Date().timeIntervalSince1970 + seconds) * 1000)
        var t = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(millis % 1000))
    }

    func demandInput(title: String = "耒阳市疾控中心检验检测服务", serviceType: String = "TESTING",
                     method: String = "lowest_price", budgetFen: Int64 = 5_000_000, closesIn: Double = 3600,
                     extra: [(String, JSONValue)] = []) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("title", .string(title)), ("serviceType", .string(serviceType)),
            ("description", "委托第三方开展水质检验检测，出具检测报告。"), ("budgetFen", .number(JSONNumber(budgetFen))),
            ("fundSource", "fiscal"), ("selectionMethod", .string(method)), ("servicePeriodDays", 90),
            ("biddingClosesAt", .string(timestamp(in: closesIn))),
        ]
        for (k, v) in extra {
            members.removeAll { $0.key == k }
            members.append((k, v))
        }
        return .object(JSONObject(members))
    }

    /// Creates and publishes a demand; returns its id.
    func publishDemand(_ purchaser: RPCTestClient, _ input: JSONValue) throws -> String {
        let created = try purchaser.result("demand.create", input)
        let id = try XCTUnwrap(created["demandId"]?.stringValue)
        let published = try purchaser.result("demand.publish", ["demandId": .string(id)])
        XCTAssertEqual(published["status"]?.stringValue, "open")
        return id
    }

    func bid(_ agency: RPCTestClient, _ demandId: String, _ priceFen: Int64, proposal: String = "技术方案：按国标检测。") throws -> String {
        let bid = try agency.result("bid.submit", ["demandId": .string(demandId), "priceFen": .number(JSONNumber(priceFen)),
                                                   "proposal": .string(proposal)])
        return try XCTUnwrap(bid["bidId"]?.stringValue)
    }

    /// Polls `demand.get` until the demand reaches `status` (reads apply due deadlines).
    @discardableResult
    func waitForStatus(_ client: RPCTestClient, _ demandId: String, _ status: String, timeout: Double = 20,
                       file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        let deadline = Date().addingTimeInterval(timeout)
        var last: JSONValue = .null
        while Date() < deadline {
            last = try client.result("demand.get", ["demandId": .string(demandId)])
            if last["status"]?.stringValue == status { return last }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("demand \(demandId) did not reach \(status): \(String(decoding: last.serialized(), as: UTF8.self))", file: file, line: line)
        return last
    }

    /// Recomputes a published draw from its commitment, secret and candidates alone (API
    /// section 8), with OpenSSL's SHA-256, and checks the winner.
    func verifyDraw(_ draw: JSONValue, demandId: String, expectedCandidates: Set<String>? = nil,
                    file: StaticString = #filePath, line: UInt = #line) {
        guard let secret = draw["secret"]?.stringValue, let commitment = draw["commitment"]?.stringValue,
              let candidates = draw["candidates"]?.arrayValue?.compactMap(\.stringValue),
              let seed = draw["seed"]?.stringValue, let index = draw["index"]?.int64Value, let bidId = draw["bidId"]?.stringValue else {
            return XCTFail("incomplete draw: \(draw)", file: file, line: line)
        }
        XCTAssertEqual(secret.count, 64, file: file, line: line)
        XCTAssertTrue(secret.allSatisfy { "0123456789abcdef".contains($0) }, file: file, line: line)
        XCTAssertEqual(Crypto.sha256Hex(secret), commitment, "commitment", file: file, line: line)
        XCTAssertEqual(candidates, candidates.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, file: file, line: line)
        if let expectedCandidates { XCTAssertEqual(Set(candidates), expectedCandidates, file: file, line: line) }
        let digest = Crypto.sha256(Array((secret + ":" + demandId + ":" + candidates.joined(separator: ",")).utf8))
        XCTAssertEqual(Crypto.hex(digest), seed, "seed", file: file, line: line)
        let prefix = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let expectedIndex = Int(prefix % UInt64(candidates.count))
        XCTAssertEqual(Int(index), expectedIndex, "index", file: file, line: line)
        XCTAssertEqual(bidId, candidates[expectedIndex], "winner", file: file, line: line)
    }
}
