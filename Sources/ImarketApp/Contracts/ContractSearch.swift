import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// `contract.search`: newest first (`created_at`, then `contract_id`), keyset paging.
///
/// A purchaser sees only its own contracts and an agency only its own: asking for another
/// organization's is -32003, never an empty page. Overseers with a region scope see contracts
/// whose purchaser or agency lies in it (the same rule as `contract.get`).
enum ContractSearch {
    struct Filter: Sendable {
        var purchaserId: String?
        var agencyId: String?
        var status: String?
        var scopePrefix: String?
        var after: (sortKey: String, id: String)?
        var limit: Int
    }

    /// The filter for `params` as seen by `caller`; -32003 for another organization's contracts.
    static func filter(_ params: ContractParams.Search, caller: Caller) throws -> Filter {
        var f = Filter(purchaserId: params.purchaserId, agencyId: params.agencyId, status: params.status?.rawValue,
                       scopePrefix: nil, after: params.cursor.flatMap(KeysetCursor.decode), limit: params.limit ?? 50)
        switch caller.role {
        case .purchaser:
            if let asked = params.purchaserId, asked != caller.orgId {
                throw RPCError.forbidden("A purchaser sees only its own contracts")
            }
            f.purchaserId = caller.orgId ?? "-"
        case .agency:
            if let asked = params.agencyId, asked != caller.orgId {
                throw RPCError.forbidden("An agency sees only its own contracts")
            }
            f.agencyId = caller.orgId ?? "-"
        case .overseer:
            f.scopePrefix = caller.regionScope
        default:
            break
        }
        return f
    }

    /// One page and whether more rows follow.
    static func run(_ c: PostgresConnection, _ f: Filter) throws -> (items: [ContractView], sortKeys: [String], more: Bool) {
        let rows = try c.query(
            """
            SELECT \(ContractView.columns) FROM contracts k
            WHERE ($1::text IS NULL OR k.purchaser_id = $1)
              AND ($2::text IS NULL OR k.agency_id = $2)
              AND ($3::text IS NULL OR k.status = $3)
              AND ($4::text IS NULL
                   OR EXISTS (SELECT 1 FROM purchasers p WHERE p.purchaser_id = k.purchaser_id AND starts_with(p.region_code, $4))
                   OR EXISTS (SELECT 1 FROM agencies a WHERE a.agency_id = k.agency_id AND starts_with(a.region_code, $4)))
              AND ($5::timestamptz IS NULL OR (k.created_at, k.contract_id) < ($5::timestamptz, $6::text))
            ORDER BY k.created_at DESC, k.contract_id DESC
            LIMIT $7
            """, [f.purchaserId, f.agencyId, f.status, f.scopePrefix, f.after?.sortKey, f.after?.id, f.limit + 1])
        let items = try rows.prefix(f.limit).map(ContractView.init(row:))
        let keys = try rows.prefix(f.limit).map { try $0.string("sort_key") }
        return (items, keys, rows.count > f.limit)
    }
}
