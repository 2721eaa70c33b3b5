import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// Flag `{flagId, rule, severity, status, raisedAt, subject: {type, id}, purchaserId, agencyId,
/// amountFen, evidence, explanation, review}` of API section 10.
struct FlagView: Codable, Sendable {
    struct Subject: Codable, Sendable { var type: String; var id: String }
    var flagId: String
    var rule: String
    var severity: String
    var status: String
    var raisedAt: String
    var subject: Subject
    @NullEncodable var purchaserId: String?
    @NullEncodable var agencyId: String?
    @NullEncodable var amountFen: Int64?
    var evidence: JSONValue
    var explanation: String
    /// `{status, note, reviewedBy, reviewedAt}` or null.
    var review: JSONValue

    static let columns = """
        f.flag_id, f.rule, f.severity, f.status, f.raised_at, f.raised_at::text AS sort_key, f.subject_type, f.subject_id,
        f.purchaser_id, f.agency_id, f.amount_fen, f.evidence::text AS evidence, f.explanation, f.review::text AS review
        """

    init(row: PostgresRow) throws {
        flagId = try row.string("flag_id"); rule = try row.string("rule"); severity = try row.string("severity")
        status = try row.string("status"); raisedAt = RFC3339.format(try row.date("raised_at"))
        subject = Subject(type: try row.string("subject_type"), id: try row.string("subject_id"))
        purchaserId = try row.optionalString("purchaser_id"); agencyId = try row.optionalString("agency_id")
        amountFen = try row.optionalInt64("amount_fen")
        evidence = try JSONParser.parse(Array(try row.string("evidence").utf8))
        explanation = try row.string("explanation")
        review = try row.optionalString("review").map { try JSONParser.parse(Array($0.utf8)) } ?? .null
    }
}

/// Reading and reviewing flags. An overseer with a region scope sees a flag only when its
/// purchaser or agency lies in the scope; another flag is -32003 for them.
enum FlagStore {
    /// SQL condition on `f` for a scope prefix bound as `$n`.
    static func scopeCondition(_ n: Int) -> String {
        """
        ($\(n)::text IS NULL
         OR EXISTS (SELECT 1 FROM purchasers p WHERE p.purchaser_id = f.purchaser_id AND starts_with(p.region_code, $\(n)))
         OR EXISTS (SELECT 1 FROM agencies a WHERE a.agency_id = f.agency_id AND starts_with(a.region_code, $\(n))))
        """
    }

    struct Filter: Sendable {
        var rule: String?, status: String?, purchaserId: String?, agencyId: String?, from: String?, to: String?
        var scope: String?
        var after: (sortKey: String, id: String)?
        var limit: Int
    }

    /// Newest first (raisedAt, then flagId), keyset paging.
    static func list(_ c: PostgresConnection, _ f: Filter) throws -> (items: [FlagView], keys: [String], more: Bool) {
        let rows = try c.query(
            """
            SELECT \(FlagView.columns) FROM compliance_flags f
            WHERE ($1::text IS NULL OR f.rule = $1) AND ($2::text IS NULL OR f.status = $2)
              AND ($3::text IS NULL OR f.purchaser_id = $3) AND ($4::text IS NULL OR f.agency_id = $4)
              AND ($5::date IS NULL OR f.occurred_on >= $5) AND ($6::date IS NULL OR f.occurred_on <= $6)
              AND \(scopeCondition(7))
              AND ($8::timestamptz IS NULL OR (f.raised_at, f.flag_id) < ($8::timestamptz, $9::text))
            ORDER BY f.raised_at DESC, f.flag_id DESC
            LIMIT $10
            """, [f.rule, f.status, f.purchaserId, f.agencyId, f.from, f.to, f.scope, f.after?.sortKey, f.after?.id, f.limit + 1])
        let page = Array(rows.prefix(f.limit))
        return (try page.map(FlagView.init(row:)), try page.map { try $0.string("sort_key") }, rows.count > f.limit)
    }

    /// Sets the review of a flag (a later review replaces an earlier one).
    static func review(_ c: PostgresConnection, flagId: String, status: String, note: String, caller: Caller) throws -> FlagView {
        let scope = caller.role == .overseer ? caller.regionScope : nil
        let rows = try c.query(
            "SELECT \(scopeCondition(2)) AS visible FROM compliance_flags f WHERE f.flag_id = $1 FOR UPDATE", [flagId, scope])
        guard let row = rows.first else { throw RPCError.notFound("No such flag", field: "flagId") }
        guard try row.bool("visible") else { throw RPCError.forbidden("This flag concerns organizations outside your region") }
        let updated = try c.query(
            """
            UPDATE compliance_flags f SET status = $2,
                   review = jsonb_build_object('status', $2::text, 'note', $3::text, 'reviewedBy', $4::text,
                                               'reviewedAt', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
            WHERE f.flag_id = $1
            RETURNING \(FlagView.columns)
            """, [flagId, status, note, caller.accountId])
        return try FlagView(row: updated[0])
    }
}
