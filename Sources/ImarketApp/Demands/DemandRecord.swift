import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// A stored demand as the server sees it (including the draw secret, which never leaves
/// through `DemandView` — only through a published award's `draw`).
struct DemandRecord: Sendable {
    var demandId: String
    var purchaserId: String
    var purchaserName: String
    var purchaserRegion: String
    var input: DemandInput
    var biddingClosesAt: Date
    var status: DemandState
    var createdAt: Date
    var publishedAt: Date?
    var closedAt: Date?
    var failureReason: String?
    var revision: Int
    var amendments: JSONValue
    var drawSecret: String?
    var drawCommitment: String?
    var award: JSONValue
    var publicityEndsAt: Date?
    /// Bids not withdrawn; nil when the statement did not count them (`uncountedColumns`).
    var bidCount: Int?
    /// `coalesce(published_at, created_at)` as PostgreSQL text: the exact paging key.
    var sortKey: String

    /// The columns `init(row:)` reads; `d` is demands, `p` purchasers.
    static let columns = baseColumns + ",\n" + """
        (SELECT count(*) FROM bids b WHERE b.demand_id = d.demand_id AND b.status <> 'withdrawn') AS bid_count
        """
    /// The same without counting the bids (`bidCount` nil), for readers who may not see the
    /// count (`Viewer.showsBidCount`): the count's subquery is about a quarter of the database's
    /// work for the whole read.
    static let uncountedColumns = baseColumns + ", NULL::bigint AS bid_count"

    private static let baseColumns = """
        d.demand_id, d.purchaser_id, p.name AS purchaser_name, p.region_code AS purchaser_region, d.title, d.service_type, d.description,
        d.budget_fen, d.min_price_fen, d.fund_source, d.fiscal_fen, d.selection_method, d.direct_agency_id,
        d.direct_reason, d.weight_price, d.weight_quality, d.region_restriction,
        d.excluded_agencies::text AS excluded_agencies, d.service_period_days, d.bidding_closes_at,
        d.status, d.created_at, d.published_at,
        d.closed_at, d.failure_reason, d.revision, d.amendments::text AS amendments, d.draw_secret,
        d.draw_commitment, d.award::text AS award, d.publicity_ends_at,
        coalesce(d.published_at, d.created_at)::text AS sort_key
        """

    init(row: PostgresRow) throws {
        func json(_ column: String) throws -> JSONValue {
            guard let text = try row.optionalString(column) else { return .null }
            if text == "[]" { return .array([]) }  // most demands were never amended
            return try JSONParser.parse(bytes: text.utf8)
        }
        demandId = try row.string("demand_id")
        purchaserId = try row.string("purchaser_id")
        purchaserName = try row.string("purchaser_name")
        purchaserRegion = try row.string("purchaser_region")
        biddingClosesAt = try row.date("bidding_closes_at")
        var weights: WeightsInput?
        if let p = try row.optionalInt("weight_price"), let q = try row.optionalInt("weight_quality") {
            weights = WeightsInput(price: p, quality: q)
        }
        // Almost always empty: the decoder's pass is skipped then (it cost as much as the row's other columns).
        let excluded = try row.optionalString("excluded_agencies") == "[]"
            ? [] : try JSONValueDecoder().decode([ExcludedAgency].self, from: try json("excluded_agencies"))
        input = DemandInput(
            title: try row.string("title"), serviceType: try row.string("service_type"),
            description: try row.string("description"), budgetFen: try row.int64("budget_fen"),
            minPriceFen: try row.optionalInt64("min_price_fen"),
            fundSource: FundSource(rawValue: try row.string("fund_source")) ?? .self,
            fiscalFen: try row.optionalInt64("fiscal_fen"),
            selectionMethod: SelectionMethodName(rawValue: try row.string("selection_method")) ?? .random,
            directAgencyId: try row.optionalString("direct_agency_id"),
            directReason: try row.optionalString("direct_reason"),
            compositeWeights: weights, regionRestriction: try row.optionalString("region_restriction"),
            excludedAgencies: excluded, servicePeriodDays: try row.int("service_period_days"),
            biddingClosesAt: RFC3339.format(biddingClosesAt))
        status = DemandState(rawValue: try row.string("status")) ?? .draft
        createdAt = try row.date("created_at")
        publishedAt = try row.optionalDate("published_at")
        closedAt = try row.optionalDate("closed_at")
        failureReason = try row.optionalString("failure_reason")
        revision = try row.int("revision")
        amendments = try json("amendments")
        drawSecret = try row.optionalString("draw_secret")
        drawCommitment = try row.optionalString("draw_commitment")
        award = try json("award")
        publicityEndsAt = try row.optionalDate("publicity_ends_at")
        sortKey = try row.string("sort_key")
        bidCount = try row.optionalInt64("bid_count").map { Int($0) }
    }

    var selectionInputWeights: CompositeWeights? {
        input.compositeWeights.flatMap { CompositeWeights(price: $0.price, quality: $0.quality) }
    }
}

/// Who is looking, for the sealed-bid and draft visibility rules.
struct Viewer: Sendable {
    var role: Role
    var orgId: String?

    init(_ caller: Caller?) {
        role = caller?.role ?? .anonymous
        orgId = caller?.orgId
    }

    func owns(_ demand: DemandRecord) -> Bool { role == .purchaser && orgId == demand.purchaserId }

    /// Owner, admin and overseers: see bid counts while sealed and proposals after closing.
    func isPrivileged(for demand: DemandRecord) -> Bool { owns(demand) || role == .admin || role == .overseer }

    /// Admins and overseers see the count of every demand that has one; others depend on the demand.
    var alwaysSeesBidCount: Bool { role == .admin || role == .overseer }

    /// API section 8: the count of a published demand, to everyone once it has closed and to the
    /// privileged while sealed.
    func showsBidCount(of demand: DemandRecord) -> Bool {
        demand.status != .draft && (demand.status.isClosed || isPrivileged(for: demand))
    }

    func mayRead(_ demand: DemandRecord) -> Bool {
        demand.status != .draft || owns(demand) || role == .admin
    }
}
