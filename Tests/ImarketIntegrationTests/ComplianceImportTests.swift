import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `compliance.importPayments`: per-record rejects with reason and field, valid records stored
/// despite rejects, idempotency by externalId, one audit entry per call, access.
final class ComplianceImportTests: IntegrationTestCase {
    private func importAuditEntries() throws -> Int {
        let audit = try adminClient().result("audit.events", ["subjectType": "payment_import", "limit": 200])
        return audit["items"]?.arrayValue?.filter { $0["method"]?.stringValue == "compliance.importPayments" }.count ?? -1
    }

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
        let auditBefore = try importAuditEntries()
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
            paymentRecord("T-0009", payer: payer, payee: payee, amountFen: 9, paidOn: "2026-03-03"), changed]])
        XCTAssertEqual(second["accepted"]?.int64Value, 1)
        XCTAssertEqual(second["duplicates"]?.int64Value, 1)
        XCTAssertEqual(second["rejected"]?.arrayValue?.compactMap { $0["index"]?.int64Value }, [1, 3])
        XCTAssertEqual(Set(second["rejected"]?.arrayValue?.compactMap { $0["reason"]?.stringValue } ?? []), ["conflicting_duplicate"])

        // One audit entry per call.
        XCTAssertEqual(try importAuditEntries(), auditBefore + 2)

        assertError(try overseer.call("compliance.importPayments", ["records": []]), code: -32602, field: "records")
        assertError(try overseer.call("compliance.importPayments", ["records": [["externalId": "x"]]]), code: -32602)
        let purchaser = try makePurchaser()
        assertError(try purchaser.client.call("compliance.importPayments", ["records": [good]]), code: -32003)
        assertError(try anonymousClient().call("compliance.importPayments", ["records": [good]]), code: -32001)
        // The admin may import too.
        XCTAssertEqual(try adminClient().result("compliance.importPayments", ["records": [good]])["duplicates"]?.int64Value, 1)
    }

    /// `imarket compliance import --csv`: quoted fields, the same checks as the API, rejected rows
    /// (with reason and field) in FILE.rejected.csv, and a re-run counting duplicates.
    func testCommandLineImport() throws {
        let payer = FixtureNumbers.creditCode(), payee = FixtureNumbers.creditCode()
        let dir = NSTemporaryDirectory() + "csv-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/payments.csv"
        let csv = [
            "externalId,payerCreditCode,payeeCreditCode,payeeName,amountFen,paidOn,fundSource,economicCode,purpose,contractRef",
            #"C-1,\#(payer),\#(payee),"某某检测有限公司,耒阳分公司",120000,2026-03-01,fiscal,30227,"委托业务费 ""检测""","#,
            "C-2,\(payer),\(payee),某某检测有限公司,abc,2026-03-01,fiscal,30227,委托业务费,",
            "C-3,\(payer),BAD,某某检测有限公司,5,2026-03-01,fiscal,30227,委托业务费,",
            "C-4,\(payer),\(payee),某某检测有限公司,7,2026-03-02,self,30299,办公费,con_123",
            "",
        ].joined(separator: "\n")
        try Data(csv.utf8).write(to: URL(fileURLWithPath: path))
        let first = try server.cli(["compliance", "import", "--csv", path])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("imported 4 rows") && first.stdout.contains("2 accepted, 0 duplicates, 2 rejected"), first.stdout)
        XCTAssertTrue(first.stderr.contains("4 rows"), first.stderr)
        let rejected = try String(contentsOfFile: path + ".rejected.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rejected.count, 3)
        XCTAssertTrue(rejected[1].hasPrefix("C-2,") && rejected[1].hasSuffix(",invalid_amount,amountFen"), String(rejected[1]))
        XCTAssertTrue(rejected[2].hasSuffix(",invalid_credit_code,payeeCreditCode"), String(rejected[2]))
        // The stored record kept the quoted comma and quotes: the API sees it as identical.
        let again = try makeOverseer().result("compliance.importPayments", ["records": [
            paymentRecord("C-1", payer: payer, payee: payee, payeeName: "某某检测有限公司,耒阳分公司", amountFen: 120_000, paidOn: "2026-03-01"),
        ]])
        XCTAssertEqual(again["duplicates"]?.int64Value, 0, "purpose differs, so this must conflict")
        XCTAssertEqual(again["rejected"]?.arrayValue?.first?["reason"]?.stringValue, "conflicting_duplicate")
        let second = try server.cli(["compliance", "import", "--csv", path])
        XCTAssertTrue(second.stdout.contains("0 accepted, 2 duplicates, 2 rejected"), second.stdout)
    }
}
