import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Helpers for the compliance tests: treasury payment records and dates in the rule time zone.
extension IntegrationTestCase {
    /// A PaymentRecord (API section 10) as JSON; `contractRef` only when given.
    func paymentRecord(_ externalId: String, payer: String, payee: String, payeeName: String = "某某检测有限公司",
                       amountFen: Int64, paidOn: String, fundSource: String = "fiscal", economicCode: String = "30227",
                       contractRef: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("externalId", .string(externalId)), ("payerCreditCode", .string(payer)), ("payeeCreditCode", .string(payee)),
            ("payeeName", .string(payeeName)), ("amountFen", .number(JSONNumber(amountFen))), ("paidOn", .string(paidOn)),
            ("fundSource", .string(fundSource)), ("economicCode", .string(economicCode)), ("purpose", "委托业务费"),
        ]
        if let contractRef { members.append(("contractRef", .string(contractRef))) }
        return .object(JSONObject(members))
    }

    /// `YYYY-MM-DD` `days` after today in Asia/Shanghai (UTC+8, no daylight saving), the default
    /// rule time zone.
    func shanghaiDate(_ days: Int = 0) -> String {
        var t = time_t(Int(Date().timeIntervalSince1970) + 8 * 3600 + days * 86400)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
    }

    /// `date` shifted by `days`.
    func shift(_ date: String, _ days: Int) -> String {
        let p = date.split(separator: "-").map { Int($0)! }
        var parts = tm()
        parts.tm_year = Int32(p[0] - 1900); parts.tm_mon = Int32(p[1] - 1); parts.tm_mday = Int32(p[2] + days); parts.tm_hour = 12
        var t = timegm(&parts)
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
    }

    /// The credit code of a purchaser or agency as the API shows it.
    func creditCodeOf(purchaser id: String) throws -> String {
        try XCTUnwrap(adminClient().result("purchaser.get", ["purchaserId": .string(id)])["creditCode"]?.stringValue)
    }

    func creditCodeOf(agency id: String) throws -> String {
        try XCTUnwrap(adminClient().result("agency.get", ["agencyId": .string(id)])["creditCode"]?.stringValue)
    }

    /// Every flag the caller sees, all pages.
    func allFlags(_ client: RPCTestClient, filter: [(String, JSONValue)] = []) throws -> [JSONValue] {
        var out: [JSONValue] = []
        var cursor: JSONValue = .null
        repeat {
            var members: [(key: String, value: JSONValue)] = filter.map { ($0.0, $0.1) } + [("limit", 7)]
            if cursor != .null { members.append(("cursor", cursor)) }
            let page = try client.result("compliance.flags", .object(JSONObject(members)))
            out += page["items"]?.arrayValue ?? []
            cursor = page["nextCursor"] ?? .null
        } while cursor != .null
        return out
    }
}
