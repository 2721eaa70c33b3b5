import Foundation
import ImarketJSONRPC
import ImarketTestSupport
import XCTest

/// `payment.record` (API section 9): who may record, idempotency, and the overpayment guard,
/// including recordings racing each other on separate connections.
final class PaymentTests: IntegrationTestCase {
    override func setUpWithError() throws {
        try setContractRules()
    }

    private func payment(_ contractId: String, _ amountFen: Int64, voucher: String = "PZ-2026-001", key: String? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("contractId", .string(contractId)), ("amountFen", .number(JSONNumber(amountFen))),
            ("paidOn", "2026-12-15"), ("voucherNo", .string(voucher)),
        ]
        if let key { members.append(("idempotencyKey", .string(key))) }
        return .object(JSONObject(members))
    }

    func testRecordingChecksAndOverpayment() throws {
        let (_, purchaser) = try makePurchaser()
        let (_, stranger) = try makePurchaser(name: "其他采购单位")
        let agency = try makeApprovedAgency()
        let demands = try makeAwardedDemands(2, purchaser: purchaser, agency: agency)
        let pending = try makeContract(demands[0], purchaser: purchaser, agency: agency.client, amountFen: 1_000_000,
                                       status: "pending_confirmation")
        assertError(try purchaser.call("payment.record", payment(pending, 100)), code: -32009, reason: "invalid_state")

        let id = try makeContract(demands[1], purchaser: purchaser, agency: agency.client, amountFen: 1_000_000)
        assertError(try agency.client.call("payment.record", payment(id, 100)), code: -32003, reason: "forbidden")
        assertError(try stranger.call("payment.record", payment(id, 100)), code: -32003, reason: "forbidden")
        assertError(try purchaser.call("payment.record", payment("con_missing", 100)), code: -32004, field: "contractId")
        assertError(try purchaser.call("payment.record", payment(id, 0)), code: -32602, field: "amountFen")
        assertError(try purchaser.call("payment.record", json(#"{"contractId":"\#(id)","amountFen":1,"paidOn":"15/12/2026","voucherNo":"A"}"#)),
                    code: -32602, field: "paidOn")

        let first = try purchaser.result("payment.record", payment(id, 600_000, key: "p-1"))
        XCTAssertEqual(first["contractId"]?.stringValue, id)
        XCTAssertEqual(first["amountFen"]?.int64Value, 600_000)
        XCTAssertEqual(first["paidOn"]?.stringValue, "2026-12-15")
        XCTAssertEqual(first["voucherNo"]?.stringValue, "PZ-2026-001")
        let paymentId = try XCTUnwrap(first["paymentId"]?.stringValue)
        // A retry with the key is the same payment, not a second one.
        XCTAssertEqual(try purchaser.result("payment.record", payment(id, 600_000, key: "p-1"))["paymentId"]?.stringValue, paymentId)
        assertError(try purchaser.call("payment.record", payment(id, 500_000, key: "p-1")), code: -32009, reason: "idempotency_key_reused")
        XCTAssertEqual(try purchaser.result("contract.get", ["contractId": .string(id)])["paidFen"]?.int64Value, 600_000)

        assertError(try purchaser.call("payment.record", payment(id, 400_001, voucher: "PZ-2")),
                    code: -32022, reason: "overpayment", field: "amountFen")
        _ = try purchaser.result("payment.record", payment(id, 400_000, voucher: "PZ-2"))
        assertError(try purchaser.call("payment.record", payment(id, 1, voucher: "PZ-3")), code: -32022, reason: "overpayment")
        let contract = try purchaser.result("contract.get", ["contractId": .string(id)])
        XCTAssertEqual(contract["paidFen"]?.int64Value, 1_000_000)

        // Payments may still be recorded after completion (final settlement), within the amount.
        let demand = try makeAwardedDemand(purchaser: purchaser, agency: agency)
        let done = try makeContract(demand, purchaser: purchaser, agency: agency.client, amountFen: 500_000, status: "completed")
        XCTAssertEqual(try purchaser.result("payment.record", payment(done, 500_000))["amountFen"]?.int64Value, 500_000)
    }

    /// Ten purchaser connections each record 30 % of the amount at once: the contract row lock
    /// lets exactly three through and the others see the committed total.
    func testConcurrentRecordingsNeverOvershoot() throws {
        let (_, purchaser) = try makePurchaser()
        let agency = try makeApprovedAgency()
        let demand = try makeAwardedDemand(purchaser: purchaser, agency: agency)
        let id = try makeContract(demand, purchaser: purchaser, agency: agency.client, amountFen: 1_000_000)
        let token = try XCTUnwrap(purchaser.token)
        let clients = try (0..<10).map { _ in try server.client(token: token) }
        for client in clients { _ = try client.result("system.whoami") }   // connections up before the race

        let outcomes = OutcomeBox()
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for (i, client) in clients.enumerated() {
            let params = payment(id, 300_000, voucher: "PZ-\(i)")
            group.enter()
            Thread.detachNewThread {
                start.wait()
                let outcome = Result { try client.call("payment.record", params) }
                outcomes.append(outcome)
                group.leave()
            }
        }
        for _ in clients { start.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)

        let all = try outcomes.values.map { try $0.get() }
        let successes = all.compactMap(\.result)
        XCTAssertEqual(successes.count, 3, "\(all)")
        for failure in all where failure.result == nil {
            assertError(failure, code: -32022, reason: "overpayment")
        }
        let paid = try purchaser.result("contract.get", ["contractId": .string(id)])["paidFen"]?.int64Value
        XCTAssertEqual(paid, successes.reduce(0) { $0 + ($1["amountFen"]?.int64Value ?? 0) })
        XCTAssertEqual(paid, 900_000)
    }
}

/// Collects results from several threads.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<RPCTestClient.Outcome, any Error>] = []

    func append(_ item: Result<RPCTestClient.Outcome, any Error>) {
        lock.lock(); defer { lock.unlock() }
        items.append(item)
    }

    var values: [Result<RPCTestClient.Outcome, any Error>] {
        lock.lock(); defer { lock.unlock() }
        return items
    }
}
