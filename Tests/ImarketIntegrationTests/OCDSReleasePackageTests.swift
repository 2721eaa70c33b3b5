import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `ocds.releasePackage`: a package for closed demands (awarded with a contract and payments,
/// competitive with several bids, failed) validates against OCDS 1.1 with libcoveocds, with no
/// validation errors; an open demand and its sealed bid never appear.
final class OCDSReleasePackageTests: IntegrationTestCase {
    static var standardZip: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/ocds/standard-1__1__5-schema.zip").path
    }

    func testPackageValidatesAndKeepsSealedBidsSealed() throws {
        try setContractRules()
        let purchaser = try makePurchaser(), agency = try makeApprovedAgency(), other = try makeApprovedAgency()
        // Open (sealed) demand with a bid: must not appear.
        let open = try publishDemand(purchaser.client, demandInput(title: "尚未截止的检测服务", closesIn: 3600))
        let sealedBid = try bid(agency.client, open, 1_234_567)
        // Competitive demand with two bids, a failed one (no bids), and a direct deal with a
        // contract, a recorded payment and a matched treasury payment.
        let competitive = try publishDemand(purchaser.client, demandInput(budgetFen: 3_000_000, closesIn: 2))
        _ = try bid(agency.client, competitive, 2_100_000); _ = try bid(other.client, competitive, 2_500_000)
        let failed = try publishDemand(purchaser.client, demandInput(title: "无人投标的测绘服务", closesIn: 2))
        let direct = try makeAwardedDemand(purchaser: purchaser.client, agency: agency)
        let contract = try makeContract(direct, purchaser: purchaser.client, agency: agency.client)
        _ = try purchaser.client.result("payment.record", ["contractId": .string(contract), "amountFen": 300_000,
                                                           "paidOn": "2026-12-02", "voucherNo": "记-001"])
        let payer = try creditCodeOf(purchaser: purchaser.purchaserId), payee = try creditCodeOf(agency: agency.agencyId)
        _ = try makeOverseer().result("compliance.importPayments", ["records": [
            paymentRecord("OCDS-1", payer: payer, payee: payee, amountFen: 200_000, paidOn: "2026-12-03", contractRef: contract),
        ]])
        try waitForStatus(purchaser.client, competitive, "awarded")
        try waitForStatus(purchaser.client, failed, "failed")

        let package = try anonymousClient().result("ocds.releasePackage", ["from": .string(shanghaiDate(-1)), "to": .string(shanghaiDate(1))])
        let text = String(decoding: package.serialized(), as: UTF8.self)
        let releases = try XCTUnwrap(package["releases"]?.arrayValue)
        let ocids = Set(releases.compactMap { $0["ocid"]?.stringValue })
        XCTAssertEqual(ocids.count, 3)
        for ocid in ocids { XCTAssertNotNil(ocid.range(of: "^ocds-[a-z0-9]{6}-", options: .regularExpression), ocid) }
        XCTAssertFalse(text.contains(open), "an open demand leaked")
        XCTAssertFalse(text.contains(sealedBid), "a sealed bid leaked")
        XCTAssertFalse(text.contains("12345.67"), "a sealed price leaked")

        let deal = try XCTUnwrap(releases.first { $0["ocid"]?.stringValue?.hasSuffix(direct) == true })
        XCTAssertEqual(deal["tender"]?["value"]?["currency"]?.stringValue, "CNY")
        XCTAssertEqual(deal["tender"]?["value"]?["amount"]?.doubleValue, 20_000)
        let transactions = deal["contracts"]?[0]?["implementation"]?["transactions"]?.arrayValue ?? []
        XCTAssertEqual(transactions.compactMap { $0["value"]?["amount"]?.doubleValue }.sorted(), [2_000, 3_000])
        var roles = Set<String>()
        for party in deal["parties"]?.arrayValue ?? [] {
            for role in party["roles"]?.arrayValue ?? [] { if let r = role.stringValue { roles.insert(r) } }
        }
        XCTAssertEqual(roles, ["buyer", "procuringEntity", "tenderer", "supplier"])
        let comp = try XCTUnwrap(releases.first { $0["ocid"]?.stringValue?.hasSuffix(competitive) == true })
        XCTAssertEqual(comp["bids"]?["details"]?.arrayValue?.count, 2)
        XCTAssertEqual(comp["awards"]?[0]?["value"]?["amount"]?.doubleValue, 21_000)
        // By id: only closed demands are returned, whatever is asked for.
        let byId = try anonymousClient().result("ocds.releasePackage", ["demandIds": [.string(open), .string(failed)]])
        XCTAssertEqual(byId["releases"]?.arrayValue?.compactMap { $0["ocid"]?.stringValue?.hasSuffix(failed) }, [true])
        assertError(try anonymousClient().call("ocds.releasePackage", [:]), code: -32602, field: "from")

        // libcoveocds (OCDS 1.1 schema, offline): no validation errors.
        let dir = NSTemporaryDirectory() + "ocds-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(package.serialized()).write(to: URL(fileURLWithPath: dir + "/package.json"))
        let run = try ChildProcess.run("/usr/bin/env", ["libcoveocds", "--standard-zip", Self.standardZip, "-s", "1.1",
                                                        "-o", dir + "/out", dir + "/package.json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONParser.parse(Array(run.stdout.utf8))
        XCTAssertEqual(report["validation_errors"]?.arrayValue?.count, 0,
                       String(decoding: (report["validation_errors"] ?? .null).serialized(), as: UTF8.self))
        XCTAssertEqual(report["schema_version"]?.stringValue ?? "1.1", "1.1")
    }
}
