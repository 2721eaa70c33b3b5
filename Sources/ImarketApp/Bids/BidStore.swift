import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// Writing bids. Every write first takes a SHARE lock on the demand row and then reads the
/// database clock: the closer needs an UPDATE lock on the same row, so a bid either commits
/// before the closer looks at the bids, or sees the demand closed (docs/deadlines.md).
enum BidStore {
    /// Locks the demand for bidding and returns it with the database time, or throws the
    /// contract's refusal when bidding is not open.
    static func lockOpenDemand(_ c: PostgresConnection, _ demandId: String) throws -> (DemandRecord, now: String) {
        // One round trip: the clock is read after the lock is held (statements run in order).
        let (demandRows, clockRows) = try c.queryPair(
            DemandStore.loadSQL(lock: .share), [demandId],
            then: "SELECT n.t::text AS now, n.t < d.bidding_closes_at AS before FROM (SELECT clock_timestamp() AS t) n, demands d WHERE d.demand_id = $1",
            [demandId])
        guard let demand = try demandRows.first.map(DemandRecord.init(row:)), let row = clockRows.first else {
            throw RPCError.notFound("No such demand", field: "demandId")
        }
        if demand.status == .draft {
            throw RPCError.outsideWindow(reason: "bidding_not_open", message: "The demand is not published")
        }
        guard demand.status == .open, try row.bool("before") else {
            throw RPCError.outsideWindow(reason: "bidding_closed", message: "Bidding on this demand has closed")
        }
        return (demand, try row.string("now"))
    }

    static func checkPrice(_ price: Int64, _ demand: DemandRecord) throws {
        guard price >= (demand.input.minPriceFen ?? 0), price <= demand.input.budgetFen else {
            throw RPCError.businessRule(reason: "price_out_of_range", message: "priceFen must be between minPriceFen and budgetFen", field: "priceFen")
        }
    }

    /// The acceptance rules of API section 8 for `agencyId`, in the contract's order.
    static func checkAgency(_ c: PostgresConnection, _ demand: DemandRecord, agencyId: String, timeZone: String) throws {
        let rows = try c.query(
            """
            SELECT a.status, a.region_code, $2 = ANY (a.service_types) AS lists_type,
                   (NOT ci.qualification_required OR EXISTS (
                       SELECT 1 FROM agency_qualifications q WHERE q.agency_id = a.agency_id AND q.service_type = $2
                          AND q.valid_until >= ($3::timestamptz AT TIME ZONE $4)::date)) AS qualified
            FROM agencies a, catalog_items ci WHERE a.agency_id = $1 AND ci.code = $2
            """, [agencyId, demand.input.serviceType, RFC3339.format(demand.biddingClosesAt), timeZone])
        guard let row = rows.first, try row.string("status") == "approved" else {
            throw RPCError.businessRule(reason: "agency_not_approved", message: "Only approved agencies may bid")
        }
        guard try row.bool("lists_type"), try row.bool("qualified") else {
            throw RPCError.businessRule(reason: "not_qualified", message: "The agency does not offer this service with a qualification valid through the closing time")
        }
        if let prefix = demand.input.regionRestriction, !(try row.string("region_code")).hasPrefix(prefix) {
            throw RPCError.businessRule(reason: "region_not_allowed", message: "The demand is restricted to region \(prefix)")
        }
        if (demand.input.excludedAgencies ?? []).contains(where: { $0.agencyId == agencyId }) {
            throw RPCError.businessRule(reason: "agency_excluded", message: "The purchaser excluded this agency (回避)")
        }
        if demand.input.selectionMethod == .direct, demand.input.directAgencyId != agencyId {
            throw RPCError.businessRule(reason: "not_direct_agency", message: "Only the named agency may bid on a direct demand")
        }
    }

    static func insert(_ c: PostgresConnection, demandId: String, agencyId: String, priceFen: Int64,
                       proposal: String, at now: String) throws -> String {
        let id = Identifiers.make("bid")
        let rows = try c.query(
            """
            INSERT INTO bids (bid_id, demand_id, agency_id, price_fen, proposal, submitted_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $6::timestamptz)
            ON CONFLICT (demand_id, agency_id) WHERE status IN ('submitted', 'invalid') DO NOTHING
            RETURNING bid_id
            """, [id, demandId, agencyId, priceFen, proposal, now])
        guard !rows.isEmpty else {
            throw RPCError.conflict(reason: "bid_exists", message: "This agency already has an active bid on the demand")
        }
        return id
    }

    /// Loads a bid of `agencyId` for change, with its demand locked for bidding. Ownership is
    /// checked before the window, so a stranger learns nothing about the demand.
    static func lockOwnBid(_ c: PostgresConnection, bidId: String, agencyId: String?) throws -> (bid: BidView, demand: DemandRecord, now: String) {
        guard let owner = try c.query("SELECT demand_id, agency_id FROM bids WHERE bid_id = $1", [bidId]).first else {
            throw RPCError.notFound("No such bid", field: "bidId")
        }
        guard try owner.string("agency_id") == agencyId else { throw RPCError.forbidden("Only the bid's agency may change it") }
        let (demand, now) = try lockOpenDemand(c, try owner.string("demand_id"))
        let bid = try c.query("SELECT \(BidView.columns) FROM bids b JOIN agencies a USING (agency_id) WHERE b.bid_id = $1 FOR UPDATE OF b", [bidId])
            .map { try BidView(row: $0, showProposal: true) }[0]
        return (bid, demand, now)
    }

    static func update(_ c: PostgresConnection, bidId: String, priceFen: Int64, proposal: String, status: String, at now: String) throws {
        try c.execute(
            "UPDATE bids SET price_fen = $2, proposal = $3, status = $4, updated_at = $5::timestamptz WHERE bid_id = $1",
            [bidId, priceFen, proposal, status, now])
    }
}
