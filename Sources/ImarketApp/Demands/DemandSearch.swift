import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

struct DemandSearchParams: Codable, Sendable {
    var status: DemandStatusName?
    var serviceType: String?
    var purchaserId: String?
    var regionCode: String?
    var text: String?
    var cursor: String?
    var limit: Int?

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decodeIfPresent(DemandStatusName.self, forKey: .status)
        serviceType = try c.decodeIfPresent(String.self, forKey: .serviceType)
        purchaserId = try c.decodeIfPresent(String.self, forKey: .purchaserId)
        regionCode = try c.decodeIfPresent(String.self, forKey: .regionCode)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit)
        try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
        try decoder.require(regionCode.map(RegionCode.validatePrefix) ?? true, "invalid_region",
                            "regionCode must be a prefix of a 6-digit region code", field: "regionCode")
        try decoder.require((text ?? "x").count <= 100, "out_of_range", "text must be at most 100 characters", field: "text")
    }
}

enum DemandStatusName: String, Codable, Sendable, CaseIterable {
    case draft, open, evaluating, publicity, awarded, failed, cancelled
}

struct DemandPage: Codable, Sendable {
    var items: [DemandView]
    @NullEncodable var nextCursor: String?
}

/// `demand.search`: newest published first (drafts by creation time), `demand_id` descending as
/// the tie-breaker; the cursor is the last row's exact sort key, so pages never skip or repeat.
enum DemandSearch {
    static func run(_ c: PostgresConnection, _ p: DemandSearchParams, viewer: Viewer) throws -> DemandPage {
        var conditions: [String] = []
        var binds: [PostgresBindable?] = []
        func bind(_ value: PostgresBindable?) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        switch viewer.role {
        case .admin: break
        case .purchaser: conditions.append("(d.status <> 'draft' OR d.purchaser_id = \(bind(viewer.orgId ?? "")))")
        default: conditions.append("d.status <> 'draft'")
        }
        if let s = p.status { conditions.append("d.status = \(bind(s.rawValue))") }
        if let t = p.serviceType { conditions.append("d.service_type = \(bind(t))") }
        if let id = p.purchaserId { conditions.append("d.purchaser_id = \(bind(id))") }
        if let r = p.regionCode, !r.isEmpty { conditions.append("p.region_code LIKE \(bind(r + "%"))") }
        if let text = p.text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            // Same expression as the trigram index demands_text_trgm.
            conditions.append("(d.title || ' ' || d.description) ILIKE \(bind("%" + escapeLike(text) + "%"))")
        }
        if let cursor = p.cursor {
            guard let (key, id) = decodeCursor(cursor) else {
                throw RPCError.invalidParams(reason: "invalid_cursor", field: "cursor", message: "Unknown cursor")
            }
            conditions.append("(coalesce(d.published_at, d.created_at), d.demand_id) < (\(bind(key))::timestamptz, \(bind(id)))")
        }
        let limit = p.limit ?? 50
        let sql = """
            SELECT \(DemandRecord.columns) FROM demands d JOIN purchasers p USING (purchaser_id)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY coalesce(d.published_at, d.created_at) DESC, d.demand_id DESC
            LIMIT \(bind(limit + 1))
            """
        let records = try c.query(sql, binds).map(DemandRecord.init(row:))
        let page = Array(records.prefix(limit))
        let next = records.count > limit ? page.last.map { encodeCursor($0.sortKey, $0.demandId) } : nil
        return DemandPage(items: page.map { DemandView($0, viewer: viewer) }, nextCursor: next)
    }

    static func escapeLike(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\\" || ch == "%" || ch == "_" { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    static func encodeCursor(_ key: String, _ id: String) -> String {
        Data((key + "|" + id).utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ cursor: String) -> (String, String)? {
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
              let bar = text.lastIndex(of: "|") else { return nil }
        let key = String(text[..<bar]), id = String(text[text.index(after: bar)...])
        // The key goes to PostgreSQL as a bound timestamptz; reject anything that is not one.
        guard key.count <= 40, key.allSatisfy({ "0123456789-:. +".contains($0) }), id.hasPrefix("dem_") else { return nil }
        return (key, id)
    }
}
