import ImarketJSONRPC
import ImarketPostgres

/// A service item of the catalog (中介服务事项清单), API section 6.
public struct CatalogItem: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var description: String
    public var qualificationRequired: Bool
    public var active: Bool
}

/// SQL for `catalog_items`.
public enum CatalogStore {
    static func item(from row: PostgresRow) throws -> CatalogItem {
        CatalogItem(code: try row.string("code"), name: try row.string("name"), description: try row.string("description"),
                    qualificationRequired: try row.bool("qualification_required"), active: try row.bool("active"))
    }

    static let columns = "code, name, description, qualification_required, active"

    /// All items in code order (the seeded list is short; no paging needed).
    public static func list(_ connection: PostgresConnection, includeInactive: Bool) throws -> [CatalogItem] {
        try connection.query(
            "SELECT \(columns) FROM catalog_items WHERE active OR $1 ORDER BY code", [includeInactive]
        ).map(item(from:))
    }

    /// Creates or replaces an item. An omitted description keeps the stored one (empty for a new
    /// item); an omitted `active` keeps the stored flag (true for a new item).
    public static func upsert(
        _ connection: PostgresConnection, code: String, name: String, description: String?,
        qualificationRequired: Bool, active: Bool?
    ) throws -> CatalogItem {
        let rows = try connection.query(
            """
            INSERT INTO catalog_items AS c (code, name, description, qualification_required, active)
            VALUES ($1, $2, coalesce($3, ''), $4, coalesce($5, true))
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
                description = coalesce($3, c.description),
                qualification_required = EXCLUDED.qualification_required,
                active = coalesce($5, c.active),
                updated_at = now()
            RETURNING \(columns)
            """, [code, name, description, qualificationRequired, active])
        return try item(from: rows[0])
    }

    /// The items named by `codes`, keyed by code (unknown codes are simply absent).
    static func items(_ connection: PostgresConnection, codes: [String]) throws -> [String: CatalogItem] {
        var result: [String: CatalogItem] = [:]
        for row in try connection.query("SELECT \(columns) FROM catalog_items WHERE code = ANY($1)", [codes]) {
            let item = try item(from: row)
            result[item.code] = item
        }
        return result
    }
}
