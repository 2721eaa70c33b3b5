import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// One red-flag rule: a query yielding candidate flags (columns natural_key, subject_type,
/// subject_id, purchaser_id, agency_id, amount_fen, evidence, explanation, occurred_on) and the
/// rule values it needs as $7, $8….
struct ScanRule: Sendable {
    var name: String
    var severity: String
    var sql: String
    var values: @Sendable (RuleSet) -> [PostgresBindable?]
}

struct ScanResult: Codable, Sendable {
    var scanId: String
    var flagsRaised: Int
    var flagsTotal: Int
    var byRule: [String: Int]
}

/// `compliance.scan`: each rule is one `INSERT … SELECT` over the whole window (no per-row round
/// trips). A flag's id and unique natural key depend only on the finding, never on the window, so
/// scanning again inserts nothing new (`ON CONFLICT DO NOTHING`) and leaves reviews alone.
enum ComplianceScan {
    static let rules: [ScanRule] = [
        PaymentRules.offPlatform, PaymentRules.paymentBeforeContract, PaymentRules.overpayment, PaymentRules.splitPurchase,
        PlatformRules.singleBid, PlatformRules.shortWindow, PlatformRules.identicalBids, PlatformRules.priceAtCap,
        PlatformRules.winnerConcentration, PlatformRules.directOveruse, PlatformRules.lateContract, PlatformRules.noEvaluation,
        PlatformRules.sharedContact,
    ]

    static var ruleNames: [String] { rules.map(\.name) }

    /// `byRule` counts the flags each rule found in the window (new or already known);
    /// `flagsRaised` only the new ones.
    static func run(_ c: PostgresConnection, scanId: String, from: String, to: String, by accountId: String?) throws -> ScanResult {
        let ruleSet = try RulesStore.load(c)
        // A scan is a bulk job: with a million payments single rules run longer than the
        // per-statement limit meant for API requests. The setting ends with the transaction.
        try c.execute("SET LOCAL statement_timeout = '15min'")
        // Matching every imported payment to its contract is the expensive part; do it once per
        // scan rather than once per payment rule. Dropped with the transaction (also on a retry).
        try c.execute("DROP TABLE IF EXISTS scan_matches")
        try c.execute("CREATE TEMP TABLE scan_matches ON COMMIT DROP AS SELECT * FROM compliance_payment_matches")
        try c.execute("CREATE INDEX ON scan_matches (paid_on)")
        try c.execute("ANALYZE scan_matches")
        var byRule: [String: Int] = [:]
        var raised = 0, total = 0
        for rule in rules {
            let row = try c.query(
                """
                WITH params AS (SELECT $1::date AS from_on, $2::date AS to_on, $3::text AS scan_id, $4::text AS tz, $5::text AS rule, $6::text AS severity),
                cand AS (\(rule.sql)),
                ins AS (
                    INSERT INTO compliance_flags (flag_id, rule, severity, natural_key, subject_type, subject_id, purchaser_id, agency_id,
                                                  amount_fen, evidence, explanation, occurred_on, scan_id)
                    SELECT 'flg_' || left(encode(sha256(convert_to(natural_key, 'UTF8')), 'hex'), 24), $5, $6, natural_key,
                           subject_type, subject_id, purchaser_id, agency_id, amount_fen, evidence, explanation, occurred_on, $3
                    FROM cand
                    ON CONFLICT (natural_key) DO NOTHING
                    RETURNING 1
                )
                SELECT (SELECT count(DISTINCT natural_key) FROM cand) AS found, (SELECT count(*) FROM ins) AS raised
                """, [from, to, scanId, ruleSet.timeZone, rule.name, rule.severity] + rule.values(ruleSet))[0]
            let found = try row.int("found")
            byRule[rule.name] = found
            total += found
            raised += try row.int("raised")
        }
        try c.execute(
            "INSERT INTO compliance_scans (scan_id, from_date, to_date, scanned_by, flags_raised, flags_total) VALUES ($1, $2::date, $3::date, $4, $5, $6)",
            [scanId, from, to, accountId, raised, total])
        return ScanResult(scanId: scanId, flagsRaised: raised, flagsTotal: total, byRule: byRule)
    }
}
