import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// The Bid of API section 8. `proposal` is null for viewers who may not read it (see
/// `BidVisibility`); everything else is only ever built for viewers who may see the bid at all.
struct BidView: Codable, Sendable {
    var bidId: String
    var demandId: String
    var agencyId: String
    var agencyName: String
    var priceFen: Int64
    @NullEncodable var proposal: String?
    var status: String
    var submittedAt: String
    var updatedAt: String
    @NullEncodable var qualityScore: Int?
    /// Composite only: the rounded total score (2 decimals).
    @NullEncodable var totalScore: Double?

    static let columns = """
        b.bid_id, b.demand_id, b.agency_id, a.name AS agency_name, b.price_fen, b.proposal, b.status,
        b.submitted_at, b.updated_at, b.quality_score, b.total_score
        """

    init(row: PostgresRow, showProposal: Bool) throws {
        bidId = try row.string("bid_id")
        demandId = try row.string("demand_id")
        agencyId = try row.string("agency_id")
        agencyName = try row.string("agency_name")
        priceFen = try row.int64("price_fen")
        proposal = showProposal ? try row.string("proposal") : nil
        status = try row.string("status")
        submittedAt = RFC3339.format(try row.date("submitted_at"))
        updatedAt = RFC3339.format(try row.date("updated_at"))
        qualityScore = try row.optionalInt("quality_score")
        totalScore = try row.optionalInt64("total_score").map { Hundredths($0).doubleValue }
    }

    static func load(_ c: PostgresConnection, bidId: String) throws -> BidView? {
        try c.query(loadSQL, [bidId]).first.map { try BidView(row: $0, showProposal: true) }
    }

    /// Built once (every bid.submit runs it), like `DemandStore.loadSQL`.
    private static let loadSQL = "SELECT \(columns) FROM bids b JOIN agencies a USING (agency_id) WHERE b.bid_id = $1"
}

struct BidList: Codable, Sendable {
    var items: [BidView]
}

/// The sealed-bid rules of API section 8, in one place.
enum BidVisibility {
    /// `bid.list` for `demand` as `viewer`: while sealed only an agency's own bids (anyone else is
    /// refused, -32003, rather than shown an empty list); after closing every bid, with the
    /// proposal only for the owner, admin, overseers and the bid's own agency.
    static func list(_ c: PostgresConnection, _ demand: DemandRecord, viewer: Viewer) throws -> BidList {
        let rows: PostgresRows
        if !demand.status.isClosed {
            guard viewer.role == .agency, let agencyId = viewer.orgId else {
                throw RPCError.forbidden("Bids are sealed until bidding closes")
            }
            rows = try c.query(
                "SELECT \(BidView.columns) FROM bids b JOIN agencies a USING (agency_id) WHERE b.demand_id = $1 AND b.agency_id = $2 ORDER BY b.bid_id",
                [demand.demandId, agencyId])
        } else {
            rows = try c.query(
                "SELECT \(BidView.columns) FROM bids b JOIN agencies a USING (agency_id) WHERE b.demand_id = $1 ORDER BY b.bid_id",
                [demand.demandId])
        }
        let privileged = viewer.isPrivileged(for: demand)
        return BidList(items: try rows.map { row in
            let agencyId = try row.string("agency_id")
            let own = viewer.role == .agency && viewer.orgId == agencyId
            return try BidView(row: row, showProposal: privileged || own)
        })
    }
}
