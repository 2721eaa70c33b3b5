import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `compliance.importPayments`: per-record rejects with reason and field, valid records stored
/// despite rejects, idempotency by externalId, one audit entry per call, access.
final class ComplianceImportTests: IntegrationTestCase {
    func testRejectsDuplicatesAndIdempotency() throws {
        let overseer = try makeOverseer()
        let payer = FixtureNumbers.creditCode(), payee = FixtureNumbers.creditCode()
        let good = paymentRecord("T-0001", payer: payer, payee: payee, amountFen: 120_000, paidOn: "2026-03-01")
        let records: [JSONValue] = [
            good,
            paymentRecord("T-0002", payer: "91430482MA4L12345", payee: payee, amountFen: 1, paidOn: "2026-03-01"),
            paymentRecord("T-0003", payer: payer, payee: payee, amountFen: 0, paidOn: "2026-03-01"),
            paymentRecord("T-0004", payer: payer, payee: payee, amountFen: 5, paidOn: "2026-02-30"),
            paymentRecord("T-0005", payer: payer, payee: payee, amountFen: 5, paidOn: "2026-03-01", economicCode: "3022"),
            good,
            paymentRecord("T-0001", payer: payer, payee: payee, amountFen: 999, paidOn: "2026-03-01"),
            paymentRecord("T-0006", payer: payer, payee: payee.lowercased(), amountFen: 5, paidOn: "2026-03-01", fundSource: "self"),
            paymentRecord("T-0007", payer: payer, payee: payee, amountFen: 7, paidOn: "2026-03-02", fundSource: "loan"),
            paymentRecord("T-0008", payer: payer, payee: payee, amountFen: 8, paidOn: "2026-03-02", fundSource: "self", contractRef: "con_x"),
        ]
        let first = try overseer.result("compliance.importPayments", ["records": .array(records)])
        XCTAssertEqual(first["accepted"]?.int64Value, 2)
        XCTAssertEqual(first["duplicates"]?.int64Value, 1)
        let rejected = (first["rejected"]?.arrayValue ?? []).map {
            "\($0["index"]?.int64Value ?? -1) \($0["reason"]?.stringValue ?? "") \($0["field"]?.stringValue ?? "")"
        }
        XCTAssertEqual(rejected, [
            "1 invalid_credit_code payerCreditCode", "2 invalid_amount amountFen", "3 invalid_date paidOn",
            "4 invalid_economic_code economicCode", "6 conflicting_duplicate externalId", "7 invalid_credit_code payeeCreditCode",
            "8 invalid_fund_source fundSource",
        ])

        // Again: identical content is a duplicate, changed content is rejected; nothing else changes.
        let changed = paymentRecord("T-0008", payer: payer, payee: payee, amountFen: 8, paidOn: "2026-03-02", fundSource: "self")
        let second = try overseer.result("compliance.importPayments", ["records": [good, changed,
            paymentRecord("T-0009", payer: payer, payee: payee, amountFen: 9, paidOn: "2026-03-03")]])
        XCTAssertEqual(second["accepted"]?.int64Value, 1)
        XCTAssertEqual(second["duplicates"]?.int64Value, 1)
        XCTAssertEqual(second["rejected"]?.arrayValue?.count, 1)
        XCTAssertEqual(second["rejected"]?.arrayValue?.first?["index"]?.int64Value, 1)
        XCTAssertEqual(second["rejected"]?.arrayValue?.first?["reason"]?.stringValue, "conflicting_duplicate")

        // One audit entry per call.
        let audit = try adminClient().result("audit.events", ["subjectType": "payment_import", "limit": 200])
        XCTAssertEqual(audit["items"]?.arrayValue?.count, 2)

        assertError(try overseer.call("compliance.importPayments", ["records": []]), code: -32602, field: "records")
        assertError(try overseer.call("compliance.importPayments", ["records": [["externalId": "x"]]]), code: -32602)
        let purchaser = try makePurchaser()
        assertError(try purchaser.client.call("compliance.importPayments", ["records": [good]]), code: -32003)
        assertError(try anonymousClient().call("compliance.importPayments", ["records": [good]]), code: -32001)
        // The admin may import too.
        XCTAssertEqual(try adminClient().result("compliance.importPayments", ["records": [good]])["duplicates"]?.int64Value, 1)
    }
}
