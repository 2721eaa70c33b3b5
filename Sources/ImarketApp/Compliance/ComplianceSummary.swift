import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

struct SummaryResult: Codable, Sendable {
    struct Row: Codable, Sendable {
        var key: String
        var name: String
        var flags: Int
        var amountFen: Int64
    }
    var rows: [Row]
    var onPlatformFen: Int64
    var offPlatformFen: Int64
    /// onPlatform / (onPlatform + offPlatform), 4 decimals; null when there was no such spending.
    @NullEncodable var platformShare: Double?
}

/// `compliance.summary`: flags in the window (by the date of their finding) grouped by purchaser,
/// agency or rule, and the share of fiscal intermediary spending (imported payments whose payee is
/// a registered agency or whose economic code is in `intermediaryEconomicCodes`) that was paid
/// under a platform contract.
enum ComplianceSummary {
    static func run(_ c: PostgresConnection, from: String, to: String, groupBy: String, scope: String?) throws -> SummaryResult {
        let rules = try RulesStore.load(c)
        let keyExpr: String
        switch groupBy {
        case "purchaser": keyExpr = "f.purchaser_id"
        case "agency": keyExpr = "f.agency_id"
        default: keyExpr = "f.rule"
        }
        let nameExpr: String
        switch groupBy {
        case "purchaser": nameExpr = "(SELECT p.name FROM purchasers p WHERE p.purchaser_id = g.key)"
        case "agency": nameExpr = "(SELECT a.name FROM agencies a WHERE a.agency_id = g.key)"
        default: nameExpr = "g.key"
        }
        let rows = try c.query(
            """
            SELECT g.key, coalesce(\(nameExpr), g.key) AS name, g.flags, g.amount_fen FROM (
                SELECT \(keyExpr) AS key, count(*)::bigint AS flags, coalesce(sum(f.amount_fen), 0)::bigint AS amount_fen
                FROM compliance_flags f
                WHERE f.occurred_on BETWEEN $1::date AND $2::date AND \(keyExpr) IS NOT NULL AND \(FlagStore.scopeCondition(3))
                GROUP BY 1
            ) g
            ORDER BY g.flags DESC, g.amount_fen DESC, g.key
            """, [from, to, scope])
        let share = try c.query(
            """
            SELECT coalesce(sum(m.amount_fen) FILTER (WHERE m.contract_id IS NOT NULL), 0)::bigint AS on_fen,
                   coalesce(sum(m.amount_fen) FILTER (WHERE m.contract_id IS NULL), 0)::bigint AS off_fen
            FROM compliance_payment_matches m
            WHERE m.paid_on BETWEEN $1::date AND $2::date AND m.fund_source = 'fiscal'
              AND (m.agency_id IS NOT NULL OR m.economic_code = ANY($4::text[]))
              AND ($3::text IS NULL
                   OR EXISTS (SELECT 1 FROM purchasers p WHERE p.purchaser_id = m.purchaser_id AND starts_with(p.region_code, $3))
                   OR EXISTS (SELECT 1 FROM agencies a WHERE a.agency_id = m.agency_id AND starts_with(a.region_code, $3)))
            """, [from, to, scope, rules.intermediaryEconomicCodes])[0]
        let on = try share.int64("on_fen"), off = try share.int64("off_fen")
        let ratio: Double? = on + off == 0 ? nil : (Double(on) / Double(on + off) * 10_000).rounded() / 10_000
        return SummaryResult(
            rows: try rows.map { SummaryResult.Row(key: try $0.string("key"), name: try $0.string("name"),
                                                   flags: try $0.int("flags"), amountFen: try $0.int64("amount_fen")) },
            onPlatformFen: on, offPlatformFen: off, platformShare: ratio)
    }
}
