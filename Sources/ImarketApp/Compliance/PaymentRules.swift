import ImarketDomain
import ImarketPostgres

/// The four payment rules of API section 10 as candidate queries over `scan_matches`, the scan's
/// one-off copy of `compliance_payment_matches` (Schema/0040). Parameters: $1 from, $2 to
/// (dates), $4 the rule time zone, $7… rule values.
/// Every query yields the columns `ScanRule.insert` expects.
enum PaymentRules {
    /// Shared by OFF_PLATFORM and PAYMENT_BEFORE_CONTRACT: unmatched fiscal intermediary payments
    /// in the window at or above `offPlatformMinFen`, and whether the pair's contracts were all
    /// signed after the payment.
    private static let unmatched = """
        SELECT m.*, (m.pair_has_contract AND NOT EXISTS (
                   SELECT 1 FROM contracts k WHERE k.purchaser_id = m.purchaser_id AND k.agency_id = m.agency_id
                      AND k.signed_on <= m.paid_on)) AS before_contract,
               (SELECT string_agg(k.contract_id || ' signed ' || k.signed_on::text, ', ' ORDER BY k.signed_on, k.contract_id)
                  FROM contracts k WHERE k.purchaser_id = m.purchaser_id AND k.agency_id = m.agency_id) AS pair_contracts
        FROM scan_matches m
        WHERE m.paid_on BETWEEN $1 AND $2 AND m.fund_source = 'fiscal' AND m.contract_id IS NULL AND m.amount_fen >= $7
          AND (m.agency_id IS NOT NULL OR m.economic_code = ANY($8::text[]))
        """

    private static func paymentFlag(_ rule: String, _ sentence: String) -> String {
        """
        SELECT '\(rule):payment:' || u.external_id AS natural_key, 'payment' AS subject_type, u.external_id AS subject_id,
               u.purchaser_id, u.agency_id, u.amount_fen,
               jsonb_build_object('externalId', u.external_id, 'payerCreditCode', u.payer_credit_code,
                                  'payeeCreditCode', u.payee_credit_code, 'payeeName', u.payee_name, 'amountFen', u.amount_fen,
                                  'paidOn', u.paid_on::text, 'economicCode', u.economic_code, 'purpose', u.purpose,
                                  'contractRef', u.contract_ref, 'payeeIsRegisteredAgency', u.agency_id IS NOT NULL,
                                  'pairContracts', u.pair_contracts) AS evidence,
               format('Payment %s of %s yuan on %s from %s to %s %s',
                      u.external_id, compliance_yuan(u.amount_fen), u.paid_on,
                      coalesce(u.purchaser_name || ' (' || u.payer_credit_code || ')', u.payer_credit_code || ' (not a registered purchaser)'),
                      u.payee_name || ' (' || u.payee_credit_code ||
                        coalesce(', registered agency ' || u.agency_name, ', economic code ' || u.economic_code) || ')',
                      \(sentence)) AS explanation,
               u.paid_on AS occurred_on
        FROM (\(unmatched)) u
        """
    }

    static let offPlatform = ScanRule(
        name: "OFF_PLATFORM", severity: "high",
        sql: paymentFlag("OFF_PLATFORM", "CASE WHEN u.contract_ref IS NOT NULL THEN 'names contract ' || u.contract_ref || ', which is not a platform contract between them.' ELSE 'has no platform contract.' END")
            + " WHERE NOT u.before_contract",
        values: { r in [r.offPlatformMinFen, r.intermediaryEconomicCodes] })

    static let paymentBeforeContract = ScanRule(
        name: "PAYMENT_BEFORE_CONTRACT", severity: "medium",
        sql: paymentFlag("PAYMENT_BEFORE_CONTRACT", "'was made before any platform contract between them was signed (' || u.pair_contracts || ').'")
            + " WHERE u.before_contract",
        values: { r in [r.offPlatformMinFen, r.intermediaryEconomicCodes] })

    /// Contracts signed in the window whose matched imported plus recorded payments exceed the
    /// amount; amountFen is the excess. The matched sums come from one pass over the imported
    /// payments (grouped by contract), not a lookup per contract: a pair with many contracts would
    /// otherwise have its payments matched once per contract.
    static let overpayment = ScanRule(
        name: "OVERPAYMENT", severity: "high",
        sql: """
        SELECT 'OVERPAYMENT:contract:' || k.contract_id AS natural_key, 'contract' AS subject_type, k.contract_id AS subject_id,
               k.purchaser_id, k.agency_id, i.imported + k.paid_fen - k.amount_fen AS amount_fen,
               jsonb_build_object('contractId', k.contract_id, 'amountFen', k.amount_fen, 'recordedFen', k.paid_fen,
                                  'importedFen', i.imported, 'importedPayments', to_jsonb(i.ids)) AS evidence,
               format('Contract %s of %s yuan has been paid %s yuan (%s yuan recorded on the platform plus %s yuan in imported payments %s), %s yuan more than its amount.',
                      k.contract_id, compliance_yuan(k.amount_fen), compliance_yuan(i.imported + k.paid_fen),
                      compliance_yuan(k.paid_fen), compliance_yuan(i.imported), array_to_string(i.ids, ', '),
                      compliance_yuan(i.imported + k.paid_fen - k.amount_fen)) AS explanation,
               k.signed_on AS occurred_on
        FROM contracts k
        JOIN (SELECT m.contract_id, sum(m.amount_fen)::bigint AS imported,
                     array_agg(m.external_id ORDER BY m.paid_on, m.external_id) AS ids
                FROM scan_matches m
               WHERE m.contract_id IS NOT NULL
               GROUP BY m.contract_id) i ON i.contract_id = k.contract_id
        WHERE k.signed_on BETWEEN $1 AND $2 AND i.imported + k.paid_fen > k.amount_fen
        """,
        values: { _ in [] })

    /// Unmatched fiscal payments below the threshold, grouped per payer and payee greedily in date
    /// order: a group starts at its first payment and takes every later one paid within
    /// `splitWindowDays` of that start. A group is flagged (once, keyed by its first payment) when
    /// it has ≥ 2 payments totalling ≥ the threshold and touches the scan window.
    static let splitPurchase = ScanRule(
        name: "SPLIT_PURCHASE", severity: "high",
        sql: """
        WITH RECURSIVE c AS (
            SELECT m.*, row_number() OVER (PARTITION BY m.payer_credit_code, m.payee_credit_code ORDER BY m.paid_on, m.external_id) AS rn
            FROM scan_matches m
            WHERE m.fund_source = 'fiscal' AND m.contract_id IS NULL AND m.amount_fen < $7
              AND (m.payer_credit_code, m.payee_credit_code) IN (
                  SELECT payer_credit_code, payee_credit_code FROM imported_payments
                   WHERE paid_on BETWEEN $1 AND $2 AND fund_source = 'fiscal' AND amount_fen < $7)
        ), g AS (
            SELECT payer_credit_code, payee_credit_code, rn, paid_on AS start_on, external_id AS anchor FROM c WHERE rn = 1
            UNION ALL
            SELECT n.payer_credit_code, n.payee_credit_code, n.rn,
                   CASE WHEN n.paid_on <= g.start_on + $8::int THEN g.start_on ELSE n.paid_on END,
                   CASE WHEN n.paid_on <= g.start_on + $8::int THEN g.anchor ELSE n.external_id END
            FROM g JOIN c n ON n.payer_credit_code = g.payer_credit_code AND n.payee_credit_code = g.payee_credit_code AND n.rn = g.rn + 1
        ), groups AS (
            SELECT g.payer_credit_code, g.payee_credit_code, g.anchor, min(c.paid_on) AS first_on, max(c.paid_on) AS last_on,
                   count(*) AS n, sum(c.amount_fen)::bigint AS total, array_agg(c.external_id ORDER BY c.paid_on, c.external_id) AS ids,
                   max(c.purchaser_id) AS purchaser_id, max(c.purchaser_name) AS purchaser_name, max(c.agency_id) AS agency_id,
                   max(c.payee_name) AS payee_name, bool_or(c.paid_on BETWEEN $1 AND $2) AS touches
            FROM g JOIN c USING (payer_credit_code, payee_credit_code, rn)
            GROUP BY g.payer_credit_code, g.payee_credit_code, g.anchor
        )
        SELECT 'SPLIT_PURCHASE:payment:' || anchor AS natural_key, 'payment' AS subject_type, anchor AS subject_id,
               purchaser_id, agency_id, total AS amount_fen,
               jsonb_build_object('payerCreditCode', payer_credit_code, 'payeeCreditCode', payee_credit_code, 'payments', to_jsonb(ids),
                                  'totalFen', total, 'firstPaidOn', first_on::text, 'lastPaidOn', last_on::text,
                                  'thresholdFen', $7::bigint, 'windowDays', $8::int) AS evidence,
               format('%s payments (%s) from %s to %s (%s) between %s and %s total %s yuan, each below the %s yuan threshold but together at or above it: a possibly split purchase.',
                      n, array_to_string(ids, ', '), coalesce(purchaser_name || ' (' || payer_credit_code || ')', payer_credit_code),
                      payee_name, payee_credit_code, first_on, last_on, compliance_yuan(total), compliance_yuan($7::bigint)) AS explanation,
               first_on AS occurred_on
        FROM groups WHERE n >= 2 AND total >= $7 AND touches
        """,
        values: { r in [r.splitThresholdFen, r.splitWindowDays] })
}
