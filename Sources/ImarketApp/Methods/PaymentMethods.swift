import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 9: payments recorded by the purchaser against a contract.
enum PaymentMethods {
    struct RecordParams: Codable, Sendable {
        var contractId: String
        var amountFen: Int64
        var paidOn: String
        var voucherNo: String
        var idempotencyKey: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contractId = try c.decode(String.self, forKey: .contractId)
            amountFen = try c.decode(Int64.self, forKey: .amountFen)
            paidOn = try c.decode(String.self, forKey: .paidOn)
            voucherNo = try c.decode(String.self, forKey: .voucherNo)
            idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
            try decoder.require(amountFen > 0 && Money.isValid(amountFen), "out_of_range", "amountFen must be 1…10^13", field: "amountFen")
            try ContractParams.checkDate(paidOn, "paidOn", decoder)
            try ContractParams.checkText(voucherNo, "voucherNo", max: 100, decoder)
        }
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("payment.record", "The purchaser records a payment on its contract; the total may not exceed the contract amount.",
                     access: .only(.purchaser), params: RecordParams.self, result: PaymentView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("payment.record", params: params, idempotencyKey: params.idempotencyKey) { c in
                let payment = try PaymentStore.record(c, params, caller: caller)
                return (payment, AuditSubject("contract", payment.contractId))
            }
        }
    }
}
