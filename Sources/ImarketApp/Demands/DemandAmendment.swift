import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// `demand.amend`: the window rule, budget consistency, invalidating bids above a lowered
/// budget, and the amendment history with its revision number.
enum DemandAmendment {
    static func apply(_ c: PostgresConnection, _ demand: DemandRecord, _ params: DemandMethods.AmendParams) throws -> DemandView {
        let rules = try RulesStore.load(c)
        let changes = params.changes
        let window = Double(rules.minBiddingWindowSeconds)
        let check = try c.query(
            """
            SELECT clock_timestamp() < d.bidding_closes_at AS before,
                   d.bidding_closes_at >= clock_timestamp() + make_interval(secs => $2) AS current_ok,
                   coalesce($3::timestamptz >= clock_timestamp() + make_interval(secs => $2), false) AS new_ok
            FROM demands d WHERE d.demand_id = $1
            """, [demand.demandId, window, changes.biddingClosesAt])[0]
        guard try check.bool("before") else {
            throw RPCError.outsideWindow(reason: "bidding_closed", message: "Bidding on this demand has closed")
        }
        if changes.biddingClosesAt != nil ? !(try check.bool("new_ok")) : !(try check.bool("current_ok")) {
            throw RPCError.businessRule(reason: "window_too_short",
                                        message: "At least \(rules.minBiddingWindowSeconds) s of bidding must remain; move biddingClosesAt",
                                        field: "changes.biddingClosesAt")
        }
        var input = demand.input
        if let d = changes.description { input.description = d }
        if let budget = changes.budgetFen {
            input.budgetFen = budget
            if let minPrice = input.minPriceFen, minPrice >= budget {
                throw RPCError.invalidParams(reason: "out_of_range", field: "changes.budgetFen", message: "budgetFen must stay above minPriceFen")
            }
            if input.fundSource == .mixed, let fiscal = input.fiscalFen, fiscal >= budget {
                throw RPCError.invalidParams(reason: "out_of_range", field: "changes.budgetFen", message: "budgetFen must stay above fiscalFen")
            }
        }
        let revision = demand.revision + 1
        let changesJSON = try JSONValueEncoder().encode(changes)
        let at = try DemandStore.now(c)
        let entry: JSONValue = [
            "revision": .number(JSONNumber(revision)), "at": .string(RFC3339.format(at.date)),
            "reason": .string(params.reason), "changes": changesJSON,
        ]
        try c.execute(
            """
            UPDATE demands SET description = $2, budget_fen = $3,
                bidding_closes_at = coalesce($4::timestamptz, bidding_closes_at),
                revision = $5, amendments = amendments || jsonb_build_array($6::jsonb)
            WHERE demand_id = $1
            """, [demand.demandId, input.description, input.budgetFen, changes.biddingClosesAt, revision,
                  PostgresJSON(String(decoding: entry.serialized(), as: UTF8.self))])
        if changes.budgetFen != nil {
            let invalidated = try c.query(
                """
                UPDATE bids SET status = 'invalid', updated_at = clock_timestamp()
                WHERE demand_id = $1 AND status = 'submitted' AND price_fen > $2 RETURNING bid_id, agency_id
                """, [demand.demandId, input.budgetFen])
            try DemandEvents.bidsInvalidated(c, demand, try invalidated.map { (try $0.string("bid_id"), try $0.string("agency_id")) })
        }
        try DemandEvents.demand(c, .demandAmended, demandId: demand.demandId)
        return DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(nil).owner(demand))
    }
}

extension Viewer {
    /// The demand's own purchaser, for results returned to it.
    func owner(_ demand: DemandRecord) -> Viewer {
        var v = self
        v.role = .purchaser
        v.orgId = demand.purchaserId
        return v
    }
}
