import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS

/// Runs `ImarketDomain.Selection` against stored bids and writes the outcome: closing,
/// composite scoring, reselection after an upheld objection or a declined award. Every function
/// expects the demand row locked FOR UPDATE by the caller's transaction.
enum SelectionRunner {
    struct ValidBid {
        var bid: SelectionBid
        var agencyName: String
    }

    /// The valid bids: `submitted`, agency still approved, listing the service type and (where
    /// the catalog requires it) qualified through the later of closing time and now.
    static func validBids(_ c: PostgresConnection, _ demand: DemandRecord, timeZone: String) throws -> [ValidBid] {
        try c.query(
            """
            SELECT b.bid_id, b.agency_id, a.name, b.price_fen, b.quality_score
            FROM bids b JOIN agencies a USING (agency_id) JOIN catalog_items ci ON ci.code = $2
            WHERE b.demand_id = $1 AND b.status = 'submitted' AND a.status = 'approved'
              AND $2 = ANY (a.service_types)
              AND (NOT ci.qualification_required OR EXISTS (
                    SELECT 1 FROM agency_qualifications q WHERE q.agency_id = a.agency_id AND q.service_type = $2
                       AND q.valid_until >= (greatest($3::timestamptz, clock_timestamp()) AT TIME ZONE $4)::date))
            ORDER BY b.bid_id
            """, [demand.demandId, demand.input.serviceType, RFC3339.format(demand.biddingClosesAt), timeZone]
        ).map { row in
            ValidBid(bid: SelectionBid(bidId: try row.string("bid_id"), agencyId: try row.string("agency_id"),
                                       priceFen: try row.int64("price_fen"), qualityScore: try row.optionalInt("quality_score")),
                     agencyName: try row.string("name"))
        }
    }

    static func input(_ demand: DemandRecord, _ bids: [ValidBid], rules: RuleSet) -> SelectionInput {
        SelectionInput(method: demand.input.selectionMethod.domain, bids: bids.map(\.bid),
                       weights: demand.selectionInputWeights, directAgencyId: demand.input.directAgencyId,
                       minBidders: rules.minBidders, drawSecret: demand.drawSecret ?? "", demandId: demand.demandId)
    }

    /// `open` at `biddingClosesAt` → `failed`, `evaluating` or `publicity`. Returns the new state.
    static func close(_ c: PostgresConnection, _ demand: DemandRecord) throws -> DemandState {
        let rules = try RulesStore.load(c)
        let bids = try validBids(c, demand, timeZone: rules.timeZone)
        switch Selection.closingDecision(input(demand, bids, rules: rules)) {
        case .fail(let reason):
            try c.execute("UPDATE demands SET status = 'failed', failure_reason = $2, closed_at = clock_timestamp() WHERE demand_id = $1",
                          [demand.demandId, reason])
            return .failed
        case .evaluate:
            try c.execute("UPDATE demands SET status = 'evaluating', closed_at = clock_timestamp() WHERE demand_id = $1", [demand.demandId])
            return .evaluating
        case .select:
            try c.execute("UPDATE demands SET closed_at = clock_timestamp() WHERE demand_id = $1", [demand.demandId])
            return try select(c, demand, bids, rules: rules)
        }
    }

    /// Selects among `bids` and publishes the award (→ `publicity`), or fails the demand.
    static func select(_ c: PostgresConnection, _ demand: DemandRecord, _ bids: [ValidBid], rules: RuleSet) throws -> DemandState {
        let outcome: SelectionOutcome
        do {
            outcome = try Selection.select(input(demand, bids, rules: rules), sha256: { Crypto.sha256($0) })
        } catch {
            throw RPCError.internalError
        }
        switch outcome {
        case .failed(let reason):
            try c.execute("UPDATE demands SET status = 'failed', failure_reason = $2, award = NULL, publicity_ends_at = NULL WHERE demand_id = $1",
                          [demand.demandId, reason])
            return .failed
        case .winner(let winner, let ranking, let draw):
            let now = try DemandStore.now(c)
            let ends = now.date.addingTimeInterval(Double(rules.publicityPeriodSeconds))
            let byId = Dictionary(uniqueKeysWithValues: bids.map { ($0.bid.bidId, $0) })
            for row in ranking where row.totalScore != nil {
                try c.execute("UPDATE bids SET total_score = $2 WHERE bid_id = $1", [row.bidId, row.totalScore!.value])
            }
            let win = byId[winner]!
            let award: JSONValue = [
                "bidId": .string(winner),
                "agencyId": .string(win.bid.agencyId),
                "agencyName": .string(win.agencyName),
                "priceFen": .number(JSONNumber(win.bid.priceFen)),
                "awardedAt": .string(RFC3339.format(now.date)),
                "publicityEndsAt": .string(RFC3339.format(ends)),
                "ranking": .array(ranking.map { r in
                    [
                        "bidId": .string(r.bidId),
                        "agencyId": .string(r.agencyId),
                        "priceFen": .number(JSONNumber(r.priceFen)),
                        "totalScore": r.totalScore.map { .number(JSONNumber(text: $0.description)!) } ?? .null,
                        "rank": .number(JSONNumber(r.rank)),
                    ]
                }),
                "draw": draw.map { d in
                    [
                        "commitment": .string(d.commitment),
                        "secret": .string(d.secret),
                        "candidates": .array(d.candidates.map { .string($0) }),
                        "seed": .string(d.seed),
                        "index": .number(JSONNumber(d.index)),
                        "bidId": .string(d.bidId),
                    ]
                } ?? .null,
            ]
            try c.execute(
                """
                UPDATE demands SET status = 'publicity', award = $2, publicity_ends_at = $3 WHERE demand_id = $1
                """,
                [demand.demandId, PostgresJSON(String(decoding: award.serialized(), as: UTF8.self)), ends])
            return .publicity
        }
    }

    /// Disqualifies the winning bid and selects again over the remaining valid bids (same secret,
    /// reduced candidates, new publicity period), or fails the demand when too few remain.
    static func reselect(_ c: PostgresConnection, _ demand: DemandRecord) throws -> DemandState {
        guard let winner = demand.award["bidId"]?.stringValue else { throw RPCError.internalError }
        try c.execute("UPDATE bids SET status = 'disqualified', updated_at = clock_timestamp() WHERE bid_id = $1", [winner])
        try c.execute("UPDATE demands SET awarded_at = NULL WHERE demand_id = $1", [demand.demandId])
        let rules = try RulesStore.load(c)
        let bids = try validBids(c, demand, timeZone: rules.timeZone)
        return try select(c, demand, bids, rules: rules)
    }
}
