import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// `agency.search`: filters, highest credit first, agency id as the tie-breaker, keyset paging.
///
/// The cursor is base64url of `<credit_hundredths>:<agency_id>` of the last row served; the next
/// page starts strictly after that key, so pages neither skip nor repeat rows while the order
/// keys are stable. `text` is a case-insensitive substring match on the name (`ILIKE`), which the
/// pg_trgm GIN index on `name` serves for patterns of three or more characters.
enum AgencySearch {
    struct Filter: Sendable {
        var serviceType: String?
        var regionPrefix: String?
        var scopePrefix: String?
        var status: AgencyStatus
        var text: String?
        var after: (credit: Int64, agencyId: String)?
        var limit: Int
    }

    static func encodeCursor(credit: Int64, agencyId: String) -> String {
        Data("\(credit):\(agencyId)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func decodeCursor(_ cursor: String) -> (credit: Int64, agencyId: String)? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard cursor.count <= 200, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"), let credit = Int64(text[..<colon]) else { return nil }
        let id = String(text[text.index(after: colon)...])
        return id.isEmpty ? nil : (credit, id)
    }

    /// `%`, `_` and `\` in user text match themselves.
    static func likePattern(_ text: String) -> String {
        var escaped = ""
        for ch in text {
            if ch == "%" || ch == "_" || ch == "\\" { escaped.append("\\") }
            escaped.append(ch)
        }
        return "%" + escaped + "%"
    }

    static func statusCondition(_ status: AgencyStatus) -> String {
        switch status {
        case .approved: return "(a.status = 'approved' OR (a.status = 'suspended' AND a.suspended_until <= now()))"
        case .suspended: return "(a.status = 'suspended' AND (a.suspended_until IS NULL OR a.suspended_until > now()))"
        case .pending: return "a.status = 'pending'"
        case .rejected: return "a.status = 'rejected'"
        }
    }

    /// One page plus whether more rows follow.
    static func run(_ connection: PostgresConnection, _ filter: Filter) throws -> (items: [Agency], more: Bool) {
        let rows = try connection.query(
            """
            SELECT \(AgencyStore.columns) FROM agencies a
            WHERE \(statusCondition(filter.status))
              AND ($1::text IS NULL OR a.service_types @> ARRAY[$1::text])
              AND ($2::text IS NULL OR a.region_code LIKE $2::text || '%')
              AND ($3::text IS NULL OR a.region_code LIKE $3::text || '%')
              AND ($4::text IS NULL OR a.name ILIKE $4::text)
              AND ($5::bigint IS NULL OR a.credit_hundredths < $5::bigint
                   OR (a.credit_hundredths = $5::bigint AND a.agency_id > $6::text))
            ORDER BY a.credit_hundredths DESC, a.agency_id
            LIMIT $7
            """,
            [filter.serviceType, filter.regionPrefix, filter.scopePrefix, filter.text.map(likePattern),
             filter.after?.credit, filter.after?.agencyId, filter.limit + 1])
        let items = try rows.prefix(filter.limit).map(AgencyStore.agency(from:))
        return (items, rows.count > filter.limit)
    }
}
