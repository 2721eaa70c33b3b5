import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// Payment `{paymentId, contractId, amountFen, paidOn, voucherNo}` of API section 9.
struct PaymentView: Codable, Sendable, Equatable {
    var paymentId: String
    var contractId: String
    var amountFen: Int64
    var paidOn: String
    var voucherNo: String
}

/// SQL for `payment.record`. The overpayment guard relies on the contract row lock: every
/// recording locks the row (`FOR UPDATE`), so concurrent recordings run one after the other and
/// each compares against the total the previous ones committed; `paid_fen ≤ amount_fen` is also
/// a table constraint as a last line of defence.
enum PaymentStore {
    /// Records a payment on a contract the caller (a purchaser) owns: -32004 unknown contract,
    /// -32003 another purchaser's, -32009 `invalid_state` before the agency confirmed,
    /// -32022 `overpayment` when the total would exceed the contract amount.
    static func record(_ c: PostgresConnection, _ p: PaymentMethods.RecordParams, caller: Caller) throws -> PaymentView {
        guard let contract = try ContractStore.load(c, p.contractId, lock: true) else {
            throw RPCError.notFound("No such contract", field: "contractId")
        }
        guard caller.role == .purchaser, caller.orgId == contract.purchaserId else {
            throw RPCError.forbidden("Only the contract's purchaser records its payments")
        }
        guard contract.state != .pendingConfirmation else {
            throw RPCError.conflict(reason: "invalid_state", message: "The agency has not confirmed the contract yet")
        }
        guard contract.paidFen + p.amountFen <= contract.amountFen else {
            throw RPCError.businessRule(
                reason: "overpayment",
                message: "Paid \(contract.paidFen) + \(p.amountFen) would exceed the contract amount \(contract.amountFen)",
                field: "amountFen")
        }
        let id = Identifiers.make("pay")
        let rows = try c.query(
            """
            WITH paid AS (UPDATE contracts SET paid_fen = paid_fen + $3 WHERE contract_id = $2)
            INSERT INTO payments (payment_id, contract_id, amount_fen, paid_on, voucher_no, recorded_by)
            VALUES ($1, $2, $3, $4::date, $5, $6)
            RETURNING payment_id, contract_id, amount_fen, paid_on::text AS paid_on, voucher_no
            """, [id, contract.contractId, p.amountFen, p.paidOn, p.voucherNo, caller.accountId])
        let row = rows[0]
        return PaymentView(paymentId: try row.string("payment_id"), contractId: try row.string("contract_id"),
                           amountFen: try row.int64("amount_fen"), paidOn: try row.string("paid_on"),
                           voucherNo: try row.string("voucher_no"))
    }
}
