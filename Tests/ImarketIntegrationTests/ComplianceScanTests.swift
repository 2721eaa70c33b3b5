import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `compliance.scan` over a generated dataset with a known answer: platform deals reached through
/// the API, treasury payments planted around them, and platform red flags planted in demands and
/// bids. The scan must find exactly the planted flags (as a set of (rule, subject)), a rescan must
/// add nothing and keep reviews; then flags, review, summary and stats are checked on the same data.
final class ComplianceScanTests: IntegrationTestCase {
    struct Dataset {
        var expected: Set<String> = []
        var p1 = "", p3 = "", a1 = "", a2 = "", a3 = ""
        var contracts: [String] = []
        var onPlatformFen: Int64 = 0, offPlatformFen: Int64 = 0
        var from = "", to = ""
        var offPlatformId = ""
    }

    /// Builds the dataset and returns what a scan must find.
    func makeDataset() throws -> Dataset {
        var ds = Dataset()
        try setContractRules()
        _ = try adminClient().result("rules.set", ["changes": ["shortWindowSeconds": 4, "offPlatformMinFen": 1000]])
        let today = shanghaiDate()
        let p1 = try makePurchaser(name: "耒阳市第一中学"), p3 = try makePurchaser(name: "衡阳县疾控中心", regionCode: "430421")
        let a1 = try makeApprovedAgency(name: "湖南某某检测有限公司"), a2 = try makeApprovedAgency(name: "衡阳某某评价有限公司")
        let a3 = try makeApprovedAgency(), a4 = try makeApprovedAgency(), a5 = try makeApprovedAgency()
        ds.p1 = p1.purchaserId; ds.p3 = p3.purchaserId; ds.a1 = a1.agencyId; ds.a2 = a2.agencyId; ds.a3 = a3.agencyId
        // A3 and A4 share a phone number; A3 and A5 an email (in other letter case) and an
        // address (with other white space). SHARED_CONTACT when such agencies bid on one demand.
        _ = try a3.client.result("agency.update", ["contact": ["name": "王五", "phone": "0734-8888888", "email": "Wang@Example.cn"],
                                                   "address": "湖南省耒阳市 五一路 88号"])
        _ = try a4.client.result("agency.update", ["contact": ["name": "赵六", "phone": "0734-8888888"]])
        _ = try a5.client.result("agency.update", ["contact": ["name": "钱七", "phone": "0734-7777777", "email": "wang@example.CN"],
                                                   "address": "  湖南省耒阳市  五一路\t88号 "])

        // Competitive demands of P3 (lowest price, one bidder suffices): E1 identical bids from
        // the two agencies sharing a phone; E2 a single bid at 99% of the budget; E3 won by A3;
        // E4 open only 2 s (SHORT_WINDOW), won by A3. A3 wins ≥ 3 of 4: WINNER_CONCENTRATION.
        let budget: Int64 = 5_000_000
        let e1 = try publishDemand(p3.client, demandInput(budgetFen: budget, closesIn: 6))
        _ = try bid(a3.client, e1, 3_000_000); _ = try bid(a4.client, e1, 3_000_000)
        let e2 = try publishDemand(p3.client, demandInput(budgetFen: budget, closesIn: 6))
        _ = try bid(a3.client, e2, 4_950_000)
        let e3 = try publishDemand(p3.client, demandInput(budgetFen: budget, closesIn: 6))
        _ = try bid(a3.client, e3, 2_000_000); _ = try bid(a5.client, e3, 2_500_000)
        let e4 = try publishDemand(p3.client, demandInput(budgetFen: budget, closesIn: 2))
        _ = try bid(a3.client, e4, 1_000_000); _ = try bid(a5.client, e4, 2_000_000)
        ds.expected.formUnion(["IDENTICAL_BIDS \(e1)", "SHARED_CONTACT \(e1)", "SHARED_CONTACT \(e3)", "SHARED_CONTACT \(e4)", "SINGLE_BID \(e2)", "PRICE_AT_CAP \(e2)",
                               "SHORT_WINDOW \(e4)", "WINNER_CONCENTRATION \(p3.purchaserId)"])

        // Platform deals of P1 with A1: four direct demands (each open 2 s: SHORT_WINDOW; all
        // direct: DIRECT_OVERUSE). C1 active and overpaid; C2 signed 10 days after the award
        // (LATE_CONTRACT); C3 completed without evaluation (NO_EVALUATION); C4 completed and evaluated.
        let d = try makeAwardedDemands(4, purchaser: p1.client, agency: a1)
        ds.expected.formUnion(d.map { "SHORT_WINDOW \($0)" } + ["DIRECT_OVERUSE \(p1.purchaserId)"])
        let c1 = try makeContract(d[0], purchaser: p1.client, agency: a1.client)
        let c2created = try p1.client.result("contract.create", contractParams(d[1], signedOn: shift(today, 10), endsOn: shift(today, 100)))
        let c2 = try XCTUnwrap(c2created["contractId"]?.stringValue)
        _ = try a1.client.result("contract.confirm", ["contractId": .string(c2)])
        let c3 = try makeContract(d[2], purchaser: p1.client, agency: a1.client, status: "completed")
        let c4 = try makeContract(d[3], purchaser: p1.client, agency: a1.client, status: "completed")
        _ = try p1.client.result("evaluation.submit", ["contractId": .string(c4), "scores": purchaserScores(5, 5, 4, 4, 5)])
        ds.contracts = [c1, c2, c3, c4]
        ds.expected.formUnion(["LATE_CONTRACT \(d[1])", "NO_EVALUATION \(c3)", "OVERPAYMENT \(c1)"])
        _ = try p1.client.result("payment.record", ["contractId": .string(c1), "amountFen": 500_000, "paidOn": .string(today),
                                                    "voucherNo": "记-2026-001"])

        // Treasury payments. S = the contracts' signing day (contractParams' default).
        let s = "2026-12-01"
        let payer = try creditCodeOf(purchaser: p1.purchaserId), unknownPayer = FixtureNumbers.creditCode()
        let ca1 = try creditCodeOf(agency: a1.agencyId), ca2 = try creditCodeOf(agency: a2.agencyId)
        let u1 = FixtureNumbers.creditCode(), u2 = FixtureNumbers.creditCode(), u3 = FixtureNumbers.creditCode(), u4 = FixtureNumbers.creditCode()
        let records: [JSONValue] = [
            // On platform: by contractRef (C1, which it overpays), and without one (C2, the latest signed before).
            paymentRecord("T-ON1", payer: payer, payee: ca1, amountFen: 600_000, paidOn: shift(s, 1), contractRef: c1),
            paymentRecord("T-ON2", payer: payer, payee: ca1, amountFen: 100_000, paidOn: shift(today, 12)),
            // Before every contract of the pair.
            paymentRecord("T-PBC", payer: payer, payee: ca1, amountFen: 200_000, paidOn: shift(s, -5)),
            // Off platform: to a registered agency (non-intermediary code), to an unregistered payee
            // under 30227, from an unregistered payer.
            paymentRecord("T-OFF1", payer: payer, payee: ca2, amountFen: 300_000, paidOn: s, economicCode: "30299"),
            paymentRecord("T-OFF2", payer: payer, payee: u1, payeeName: "某咨询服务部", amountFen: 250_000, paidOn: s),
            paymentRecord("T-OFF3", payer: unknownPayer, payee: ca2, amountFen: 120_000, paidOn: s),
            // A contractRef that names no contract of the pair (the pair has contracts signed before).
            paymentRecord("T-OFF4", payer: payer, payee: ca1, amountFen: 50_000, paidOn: shift(s, 3), contractRef: "con_unknown"),
            // No flag: not intermediary spending, self-funded, below offPlatformMinFen, outside the window.
            paymentRecord("T-NO1", payer: payer, payee: u1, payeeName: "某咨询服务部", amountFen: 250_000, paidOn: s, economicCode: "30299"),
            paymentRecord("T-NO2", payer: payer, payee: ca2, amountFen: 300_000, paidOn: s, fundSource: "self"),
            paymentRecord("T-NO3", payer: payer, payee: ca2, amountFen: 500, paidOn: s),
            paymentRecord("T-NO4", payer: payer, payee: ca2, amountFen: 300_000, paidOn: shift(s, -200)),
            // A split: three payments of 40,000 yuan within 90 days; not a split: two of 60,000
            // yuan 100 days apart, one of 120,000 yuan (not below the threshold).
            paymentRecord("T-SPL1", payer: payer, payee: u2, amountFen: 4_000_000, paidOn: shift(s, -30), economicCode: "30299"),
            paymentRecord("T-SPL2", payer: payer, payee: u2, amountFen: 4_000_000, paidOn: shift(s, -20), economicCode: "30299"),
            paymentRecord("T-SPL3", payer: payer, payee: u2, amountFen: 4_000_000, paidOn: shift(s, -10), economicCode: "30299"),
            paymentRecord("T-NS1", payer: payer, payee: u3, amountFen: 6_000_000, paidOn: shift(s, -100), economicCode: "30299"),
            paymentRecord("T-NS2", payer: payer, payee: u3, amountFen: 6_000_000, paidOn: s, economicCode: "30299"),
            paymentRecord("T-NS3", payer: payer, payee: u4, amountFen: 12_000_000, paidOn: s, economicCode: "30299"),
        ]
        let imported = try makeOverseer().result("compliance.importPayments", ["records": .array(records)])
        XCTAssertEqual(imported["accepted"]?.int64Value, Int64(records.count), "\(imported)")
        ds.expected.formUnion(["PAYMENT_BEFORE_CONTRACT T-PBC", "OFF_PLATFORM T-OFF1", "OFF_PLATFORM T-OFF2", "OFF_PLATFORM T-OFF3",
                               "OFF_PLATFORM T-OFF4", "SPLIT_PURCHASE T-SPL1"])
        ds.onPlatformFen = 700_000
        ds.offPlatformFen = 200_000 + 300_000 + 250_000 + 120_000 + 50_000 + 500
        ds.offPlatformId = "T-OFF1"

        for id in [e1, e2, e3, e4] { try waitForStatus(p3.client, id, "awarded") }
        // Late rules with short limits, applied after C4 was evaluated in time.
        _ = try adminClient().result("rules.set", ["changes": ["contractDeadlineDays": 2, "evaluationDeadlineDays": 0]])
        ds.from = shift(s, -120); ds.to = shift(today, 60)
        return ds
    }

    func found(_ flags: [JSONValue]) -> Set<String> {
        Set(flags.map { "\($0["rule"]?.stringValue ?? "") \($0["subject"]?["id"]?.stringValue ?? "")" })
    }

    func testScanFindsExactlyThePlantedFlags() throws {
        let ds = try makeDataset()
        let overseer = try makeOverseer(regionScope: "4304")
        let window: JSONValue = ["from": .string(ds.from), "to": .string(ds.to)]
        let scan = try overseer.result("compliance.scan", window)
        let flags = try allFlags(overseer)
        XCTAssertEqual(found(flags), ds.expected, "missing: \(ds.expected.subtracting(found(flags))), extra: \(found(flags).subtracting(ds.expected))")
        XCTAssertEqual(flags.count, ds.expected.count)
        XCTAssertEqual(scan["flagsRaised"]?.int64Value, Int64(ds.expected.count))
        XCTAssertEqual(scan["flagsTotal"]?.int64Value, Int64(ds.expected.count))
        let byRule = Dictionary(grouping: ds.expected, by: { String($0.split(separator: " ")[0]) }).mapValues { Int64($0.count) }
        for (rule, n) in byRule { XCTAssertEqual(scan["byRule"]?[rule]?.int64Value, n, rule) }
        XCTAssertEqual(scan["byRule"]?.objectValue?.count, 13)

        // Severity, organizations and an explanation naming the record and the numbers.
        let off = try XCTUnwrap(flags.first { $0["subject"]?["id"]?.stringValue == ds.offPlatformId })
        XCTAssertEqual(off["severity"]?.stringValue, "high")
        XCTAssertEqual(off["status"]?.stringValue, "open")
        XCTAssertEqual(off["purchaserId"]?.stringValue, ds.p1)
        XCTAssertEqual(off["agencyId"]?.stringValue, ds.a2)
        XCTAssertEqual(off["amountFen"]?.int64Value, 300_000)
        let text = try XCTUnwrap(off["explanation"]?.stringValue)
        XCTAssertTrue(text.contains("T-OFF1") && text.contains("3,000.00 yuan") && text.contains("衡阳某某评价有限公司"), text)
        let over = try XCTUnwrap(flags.first { $0["rule"]?.stringValue == "OVERPAYMENT" })
        XCTAssertEqual(over["amountFen"]?.int64Value, 100_000)
        XCTAssertEqual(over["evidence"]?["importedFen"]?.int64Value, 600_000)
        let split = try XCTUnwrap(flags.first { $0["rule"]?.stringValue == "SPLIT_PURCHASE" })
        XCTAssertEqual(split["amountFen"]?.int64Value, 12_000_000)
        XCTAssertEqual(split["evidence"]?["payments"], ["T-SPL1", "T-SPL2", "T-SPL3"])
        let shared = flags.filter { $0["rule"]?.stringValue == "SHARED_CONTACT" }
            .map { $0["evidence"]?["shared"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        XCTAssertEqual(shared.sorted { $0.count < $1.count }, [["phone"], ["email", "address"], ["email", "address"]])
        let badRef = try XCTUnwrap(flags.first { $0["subject"]?["id"]?.stringValue == "T-OFF4" })
        XCTAssertTrue(badRef["explanation"]?.stringValue?.contains("con_unknown") == true)
        let unknownPayer = try XCTUnwrap(flags.first { $0["subject"]?["id"]?.stringValue == "T-OFF3" })
        XCTAssertEqual(unknownPayer["purchaserId"], .null)

        // Review, then rescan: nothing new, the review is kept.
        let reviewed = try overseer.result("compliance.review", ["flagId": off["flagId"]!, "status": "confirmed",
                                                                  "note": "已核实：未在平台签约"])
        XCTAssertEqual(reviewed["status"]?.stringValue, "confirmed")
        XCTAssertEqual(reviewed["review"]?["note"]?.stringValue, "已核实：未在平台签约")
        let again = try adminClient().result("compliance.scan", window)
        XCTAssertEqual(again["flagsRaised"]?.int64Value, 0)
        XCTAssertEqual(again["flagsTotal"]?.int64Value, Int64(ds.expected.count))
        let afterRescan = try allFlags(overseer)
        XCTAssertEqual(afterRescan.count, ds.expected.count)
        XCTAssertEqual(afterRescan.first { $0["flagId"] == off["flagId"] }?["status"]?.stringValue, "confirmed")
        XCTAssertEqual(try allFlags(overseer, filter: [("status", "confirmed")]).count, 1)
        XCTAssertEqual(found(try allFlags(overseer, filter: [("rule", "OFF_PLATFORM")])).count, 4)
        XCTAssertEqual(try allFlags(overseer, filter: [("purchaserId", .string(ds.p3))]).count, 8)

        // Scope: an overseer of another region sees none of them and may not review them.
        let elsewhere = try makeOverseer(regionScope: "11")
        XCTAssertEqual(try allFlags(elsewhere).count, 0)
        assertError(try elsewhere.call("compliance.review", ["flagId": off["flagId"]!, "status": "dismissed", "note": "x"]), code: -32003)
        assertError(try overseer.call("compliance.review", ["flagId": "flg_nope", "status": "dismissed", "note": "x"]),
                    code: -32004, field: "flagId")
        assertError(try overseer.call("compliance.review", ["flagId": off["flagId"]!, "status": "open", "note": "x"]), code: -32602)
        assertError(try makePurchaser().client.call("compliance.flags", [:]), code: -32003)

        // Summary: platform share of fiscal intermediary spending, and flags by rule / purchaser.
        let summary = try overseer.result("compliance.summary", ["from": .string(ds.from), "to": .string(ds.to), "groupBy": "rule"])
        XCTAssertEqual(summary["onPlatformFen"]?.int64Value, ds.onPlatformFen)
        XCTAssertEqual(summary["offPlatformFen"]?.int64Value, ds.offPlatformFen)
        let share = Double(ds.onPlatformFen) / Double(ds.onPlatformFen + ds.offPlatformFen)
        XCTAssertEqual(summary["platformShare"]?.doubleValue ?? -1, (share * 10_000).rounded() / 10_000, accuracy: 1e-9)
        let rows = summary["rows"]?.arrayValue ?? []
        XCTAssertEqual(rows.reduce(Int64(0)) { $0 + ($1["flags"]?.int64Value ?? 0) }, Int64(ds.expected.count))
        XCTAssertEqual(rows.first { $0["key"]?.stringValue == "OFF_PLATFORM" }?["amountFen"]?.int64Value, 720_000)
        let byPurchaser = try overseer.result("compliance.summary", ["from": .string(ds.from), "to": .string(ds.to), "groupBy": "purchaser"])
        let p3row = byPurchaser["rows"]?.arrayValue?.first { $0["key"]?.stringValue == ds.p3 }
        XCTAssertEqual(p3row?["flags"]?.int64Value, 8)
        XCTAssertEqual(p3row?["name"]?.stringValue, "衡阳县疾控中心")

        // Public statistics with the region ranking (both regions published four demands).
        let stats = try anonymousClient().result("stats.overview", ["from": .string(shanghaiDate(-1)), "to": .string(shanghaiDate(1))])
        XCTAssertEqual(stats["demandsPublished"]?.int64Value, 8)
        XCTAssertEqual(stats["demandsAwarded"]?.int64Value, 8)
        XCTAssertEqual(stats["demandsFailed"]?.int64Value, 0)
        let awardedFen: Int64 = 4 * 1_000_000 + 3_000_000 + 4_950_000 + 2_000_000 + 1_000_000
        XCTAssertEqual(stats["awardedFen"]?.int64Value, awardedFen)
        XCTAssertEqual(stats["avgBidsPerDemand"]?.numberText, "1.38")
        XCTAssertEqual(stats["contractsCompleted"]?.int64Value, 2)
        let regions = (stats["byRegion"]?.arrayValue ?? []).map {
            "\($0["regionCode"]?.stringValue ?? "") \($0["demandsPublished"]?.int64Value ?? 0) \($0["rank"]?.int64Value ?? 0)"
        }
        XCTAssertEqual(regions, ["430421 4 1", "430482 4 1"])
        let scoped = try anonymousClient().result("stats.overview", ["from": .string(shanghaiDate(-1)), "to": .string(shanghaiDate(1)),
                                                                      "regionCode": "430421"])
        XCTAssertEqual(scoped["demandsPublished"]?.int64Value, 4)
    }
}
