import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// One treasury payment record (API section 10). Only the JSON shape is checked while decoding;
/// values are checked per record by `PaymentImport.validate`, so one bad record is reported as a
/// reject and does not fail the whole import.
struct PaymentRecord: Codable, Sendable, Equatable {
    var externalId: String
    var payerCreditCode: String
    var payeeCreditCode: String
    var payeeName: String
    var amountFen: Int64
    var paidOn: String
    var fundSource: String
    var economicCode: String
    var purpose: String
    var contractRef: String?
}

struct PaymentReject: Codable, Sendable, Equatable {
    var index: Int
    var reason: String
    var field: String
}

struct ImportResult: Codable, Sendable {
    var accepted: Int
    var duplicates: Int
    var rejected: [PaymentReject]
}

/// `compliance.importPayments` and `imarket compliance import`: validation per record, then one
/// set-based statement for the whole batch (arrays unnested, `ON CONFLICT DO NOTHING`), whose
/// result also tells, for every externalId that already existed, whether the stored content is
/// identical (a duplicate) or not (`conflicting_duplicate`).
enum PaymentImport {
    /// The first problem of a record, as `(reason, field)`, or nil when it is valid.
    static func validate(_ r: PaymentRecord) -> (String, String)? {
        if !TextRules.isPresent(r.externalId, max: 100) { return ("invalid_external_id", "externalId") }
        if !CreditCode.validate(r.payerCreditCode) { return ("invalid_credit_code", "payerCreditCode") }
        if !CreditCode.validate(r.payeeCreditCode) { return ("invalid_credit_code", "payeeCreditCode") }
        if !TextRules.isPresent(r.payeeName, max: 200) { return ("invalid_payee_name", "payeeName") }
        if r.amountFen <= 0 || !Money.isValid(r.amountFen) { return ("invalid_amount", "amountFen") }
        if CivilDate(r.paidOn) == nil { return ("invalid_date", "paidOn") }
        if r.fundSource != "fiscal" && r.fundSource != "self" { return ("invalid_fund_source", "fundSource") }
        if r.economicCode.utf8.count != 5 || !r.economicCode.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            return ("invalid_economic_code", "economicCode")
        }
        if !TextRules.isPresent(r.purpose, max: 500) { return ("invalid_purpose", "purpose") }
        if let ref = r.contractRef, !TextRules.isPresent(ref, max: 100) { return ("invalid_contract_ref", "contractRef") }
        return nil
    }

    /// Validates and stores `records` (indexes in rejects are positions in `records` plus
    /// `indexOffset`). Records repeating an externalId earlier in the same batch count like a
    /// re-import of that earlier record.
    static func run(_ c: PostgresConnection, importId: String, records: [PaymentRecord], indexOffset: Int = 0) throws -> ImportResult {
        var rejected: [PaymentReject] = []
        var valid: [(index: Int, record: PaymentRecord)] = []
        var firstByExternalId: [String: PaymentRecord] = [:]
        // Repeats of an earlier record of this batch: duplicates, unless that record itself
        // conflicts with a stored one (decided after the insert).
        var repeats: [(index: Int, externalId: String)] = []
        var duplicates = 0
        for (i, r) in records.enumerated() {
            if let (reason, field) = validate(r) {
                rejected.append(PaymentReject(index: i + indexOffset, reason: reason, field: field))
            } else if let earlier = firstByExternalId[r.externalId] {
                if earlier == r { repeats.append((i, r.externalId)) } else {
                    rejected.append(PaymentReject(index: i + indexOffset, reason: "conflicting_duplicate", field: "externalId"))
                }
            } else {
                firstByExternalId[r.externalId] = r
                valid.append((i, r))
            }
        }
        guard !valid.isEmpty else { return ImportResult(accepted: 0, duplicates: 0, rejected: rejected) }
        let v = valid.map(\.record)
        // `ins` holds the rows actually inserted; every other input row met an existing record,
        // compared column by column (IS NOT DISTINCT FROM for the optional contractRef).
        let rows = try c.query(
            """
            WITH input AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::date[],
                                     $7::text[], $8::text[], $9::text[], $10::text[])
                       AS t(external_id, payer, payee, payee_name, amount_fen, paid_on, fund_source, economic_code, purpose, contract_ref)
            ), ins AS (
                INSERT INTO imported_payments (external_id, import_id, payer_credit_code, payee_credit_code, payee_name, amount_fen,
                                               paid_on, fund_source, economic_code, purpose, contract_ref)
                SELECT external_id, $11, payer, payee, payee_name, amount_fen, paid_on, fund_source, economic_code, purpose,
                       NULLIF(contract_ref, '')
                FROM input
                ON CONFLICT (external_id) DO NOTHING
                RETURNING external_id
            )
            SELECT i.external_id,
                   (i.external_id IN (SELECT external_id FROM ins)) AS inserted,
                   coalesce((SELECT e.payer_credit_code = i.payer AND e.payee_credit_code = i.payee AND e.payee_name = i.payee_name
                                    AND e.amount_fen = i.amount_fen AND e.paid_on = i.paid_on AND e.fund_source = i.fund_source
                                    AND e.economic_code = i.economic_code AND e.purpose = i.purpose
                                    AND e.contract_ref IS NOT DISTINCT FROM NULLIF(i.contract_ref, '')
                             FROM imported_payments e WHERE e.external_id = i.external_id), false) AS identical
            FROM input i
            """,
            [v.map(\.externalId), v.map(\.payerCreditCode), v.map(\.payeeCreditCode), v.map(\.payeeName), v.map(\.amountFen),
             v.map(\.paidOn), v.map(\.fundSource), v.map(\.economicCode), v.map(\.purpose), v.map { $0.contractRef ?? "" }, importId])
        var outcome: [String: (inserted: Bool, identical: Bool)] = [:]
        for row in rows { outcome[try row.string("external_id")] = (try row.bool("inserted"), try row.bool("identical")) }
        var accepted = 0
        for (index, r) in valid {
            guard let o = outcome[r.externalId] else { continue }
            if o.inserted { accepted += 1 } else if o.identical { duplicates += 1 } else {
                rejected.append(PaymentReject(index: index + indexOffset, reason: "conflicting_duplicate", field: "externalId"))
            }
        }
        for (index, externalId) in repeats {
            if let o = outcome[externalId], !o.inserted && !o.identical {
                rejected.append(PaymentReject(index: index + indexOffset, reason: "conflicting_duplicate", field: "externalId"))
            } else {
                duplicates += 1
            }
        }
        rejected.sort { $0.index < $1.index }
        return ImportResult(accepted: accepted, duplicates: duplicates, rejected: rejected)
    }
}
