import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// API section 8: composite scoring and declining an award.
enum SelectionMethods {
    struct Score: Codable, Sendable {
        var bidId: String
        var qualityScore: Int

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            bidId = try c.decode(String.self, forKey: .bidId)
            qualityScore = try c.decode(Int.self, forKey: .qualityScore)
            try decoder.require((0...100).contains(qualityScore), "out_of_range", "qualityScore must be 0–100", field: "qualityScore")
        }
    }

    struct ScoreParams: Codable, Sendable {
        var demandId: String
        var scores: [Score]
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("selection.score", "Quality scores for every valid bid of an evaluating composite demand; selects the winner.",
                     access: .only(.purchaser), params: ScoreParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("selection.score", params: params) { c in
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller)
                guard demand.status == .evaluating else { throw DemandMethods.invalidState(demand, "scored") }
                let rules = try RulesStore.load(c)
                let valid = try SelectionRunner.validBids(c, demand, timeZone: rules.timeZone)
                let validIds = Set(valid.map(\.bid.bidId))
                var seen = Set<String>()
                for (i, score) in params.scores.enumerated() {
                    guard validIds.contains(score.bidId) else {
                        throw RPCError.invalidParams(reason: "not_a_valid_bid", field: "scores[\(i)].bidId", message: "Not a valid bid of this demand")
                    }
                    guard seen.insert(score.bidId).inserted else {
                        throw RPCError.invalidParams(reason: "duplicate_score", field: "scores[\(i)].bidId", message: "A bid is scored twice")
                    }
                    try c.execute("UPDATE bids SET quality_score = $2 WHERE bid_id = $1", [score.bidId, score.qualityScore])
                }
                guard seen == validIds else {
                    throw RPCError.invalidParams(reason: "missing_score", field: "scores", message: "Every valid bid must be scored exactly once")
                }
                let scored = try SelectionRunner.validBids(c, demand, timeZone: rules.timeZone)
                _ = try SelectionRunner.select(c, demand, scored, rules: rules)
                try DemandEvents.awardIfPublished(c, demandId: demand.demandId)
                return (DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(caller)), AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("award.decline", "The winning agency declines the award; selection runs again.", access: .only(.agency),
                     params: DemandMethods.ReasonParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("award.decline", params: params) { c in
                guard let demand = try DemandStore.load(c, params.demandId, lock: .update) else {
                    throw RPCError.notFound("No such demand", field: "demandId")
                }
                guard demand.status == .publicity || demand.status == .awarded else {
                    throw DemandMethods.invalidState(demand, "declined")
                }
                guard let winner = demand.award["agencyId"]?.stringValue, winner == caller.orgId else {
                    throw RPCError.forbidden("Only the winning agency may decline the award")
                }
                if try ContractCheck.exists(c, demandId: demand.demandId) {
                    throw RPCError.conflict(reason: "contract_exists", message: "A contract exists for this award")
                }
                try CreditPenalties.record(c, agencyId: winner, kind: .declinedAward, ref: demand.demandId)
                _ = try SelectionRunner.reselect(c, demand)
                try DemandEvents.awardIfPublished(c, demandId: demand.demandId)
                return (DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(caller)), AuditSubject("demand", demand.demandId))
            }
        }
    }
}

/// Whether a contract exists for a demand. The contracts table belongs to a later migration, so
/// its absence means "no contract".
enum ContractCheck {
    static func exists(_ c: PostgresConnection, demandId: String) throws -> Bool {
        let table = try c.query("SELECT to_regclass('public.contracts') IS NOT NULL AS present")
        guard try table[0].bool("present") else { return false }
        return try !c.query("SELECT 1 FROM contracts WHERE demand_id = $1 LIMIT 1", [demandId]).isEmpty
    }
}
