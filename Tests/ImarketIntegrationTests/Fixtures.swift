import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// Process-wide numbering for test organizations, so every fixture gets its own valid credit code.
enum FixtureNumbers {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var next = 1

    static func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next
    }

    /// A fresh valid credit code (distinct across the test process).
    static func creditCode(regionCode: String = "430482") -> String {
        CreditCode.synthetic(number: take(), regionCode: regionCode)!
    }

    /// `YYYY-MM-DD`, `days` from now (UTC; a year of margin makes the time zone irrelevant).
    static func date(daysFromNow days: Int) -> String {
        let seconds = Int(Date().timeIntervalSince1970) + days * 86400
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
    }

    /// Catalog items that need no qualification (API section 6).
    static let withoutQualification: Set<String> = ["BOOKKEEPING", "FEASIBILITY"]
}

extension IntegrationTestCase {
    /// Params for `agency.register`: a fresh credit code and, for every service type that needs
    /// one, a qualification valid for a year.
    func agencyRegistration(name: String? = nil, serviceTypes: [String] = ["TESTING"], regionCode: String = "430482",
                            creditCode: String? = nil) -> JSONValue {
        let number = FixtureNumbers.take()
        let qualifications: [JSONValue] = serviceTypes.filter { !FixtureNumbers.withoutQualification.contains($0) }.map {
            ["serviceType": .string($0), "certificateNo": .string("CERT-\(number)-\($0)"), "issuer": "湖南省市场监督管理局",
             "level": "甲级", "validUntil": .string(FixtureNumbers.date(daysFromNow: 365))]
        }
        return [
            "name": .string(name ?? "测试检验检测有限公司\(number)"),
            "creditCode": .string(creditCode ?? CreditCode.synthetic(number: number, regionCode: regionCode)!),
            "regionCode": .string(regionCode),
            "address": .string("湖南省耒阳市五一路\(number)号"),
            "contact": ["name": "张三", "phone": .string("0734-\(1_000_000 + number)"), "email": .string("a\(number)@example.cn")],
            "serviceTypes": .array(serviceTypes.map { .string($0) }),
            "qualifications": .array(qualifications),
        ]
    }

    /// A purchasing unit created by the admin, with a client holding its token.
    func makePurchaser(name: String = "耒阳市测试采购单位", regionCode: String = "430482") throws -> (purchaserId: String, client: RPCTestClient) {
        let params: JSONValue = [
            "name": .string(name), "creditCode": .string(FixtureNumbers.creditCode(regionCode: regionCode)),
            "regionCode": .string(regionCode), "contact": ["name": "李四", "phone": "0734-4321000"],
        ]
        let created = try adminClient().result("purchaser.create", params)
        guard let id = created["purchaser"]?["purchaserId"]?.stringValue, let token = created["token"]?.stringValue else {
            throw TLSTestClientError("purchaser.create returned \(created)")
        }
        return (id, try server.client(token: token))
    }

    /// An agency registered (by the admin, so the anonymous registration limit does not apply)
    /// and approved, with a client holding its token.
    func makeApprovedAgency(serviceTypes: [String] = ["TESTING"], regionCode: String = "430482",
                            name: String? = nil) throws -> (agencyId: String, client: RPCTestClient) {
        let admin = try adminClient()
        let registered = try admin.result("agency.register", agencyRegistration(name: name, serviceTypes: serviceTypes,
                                                                               regionCode: regionCode))
        guard let id = registered["agency"]?["agencyId"]?.stringValue, let token = registered["token"]?.stringValue else {
            throw TLSTestClientError("agency.register returned \(registered)")
        }
        _ = try admin.result("agency.review", ["agencyId": .string(id), "decision": "approve"])
        return (id, try server.client(token: token))
    }

    /// An overseer, optionally limited to a region prefix.
    func makeOverseer(regionScope: String? = nil) throws -> RPCTestClient {
        var params: JSONValue = ["name": "耒阳市财政局"]
        if let regionScope { params = ["name": "耒阳市财政局", "regionScope": .string(regionScope)] }
        let created = try adminClient().result("overseer.create", params)
        guard let token = created["token"]?.stringValue else { throw TLSTestClientError("overseer.create returned \(created)") }
        return try server.client(token: token)
    }
}

extension JSONValue {
    /// The number exactly as written on the wire (e.g. `80.00`).
    var numberText: String? { if case .number(let n) = self { return n.text } else { return nil } }
}
