import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS

/// API section 7: the demand lifecycle up to publication, amendments, cancellation and reads.
enum DemandMethods {
    struct DemandIdParams: Codable, Sendable {
        var demandId: String
    }

    struct ReasonParams: Codable, Sendable {
        var demandId: String
        var reason: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandId = try c.decode(String.self, forKey: .demandId)
            reason = try c.decode(String.self, forKey: .reason)
            try decoder.require(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && reason.count <= 2000,
                                "out_of_range", "reason must be 1–2000 characters", field: "reason")
        }
    }

    struct AmendChanges: Codable, Sendable {
        var description: String?
        var budgetFen: Int64?
        var biddingClosesAt: String?
    }

    struct AmendParams: Codable, Sendable {
        var demandId: String
        var changes: AmendChanges
        var reason: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandId = try c.decode(String.self, forKey: .demandId)
            changes = try c.decode(AmendChanges.self, forKey: .changes)
            reason = try c.decode(String.self, forKey: .reason)
            try decoder.require(!reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && reason.count <= 2000,
                                "out_of_range", "reason must be 1–2000 characters", field: "reason")
            try decoder.require(changes.description != nil || changes.budgetFen != nil || changes.biddingClosesAt != nil,
                                "missing_field", "changes must change something", field: "changes")
            try decoder.require(changes.budgetFen.map { $0 > 0 && $0 <= Money.maxFen } ?? true,
                                "out_of_range", "budgetFen must be 1…10^13", field: "changes.budgetFen")
            try decoder.require(changes.biddingClosesAt.map { RFC3339.parse($0) != nil } ?? true,
                                "invalid_timestamp", "biddingClosesAt must be an RFC 3339 timestamp", field: "changes.biddingClosesAt")
        }
    }

    static func invalidState(_ demand: DemandRecord, _ action: String) -> RPCError {
        .conflict(reason: "invalid_state", message: "A \(demand.status.rawValue) demand cannot be \(action)")
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("demand.create", "Creates a draft demand.", access: .only(.purchaser),
                     params: DemandCreateParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("demand.create", params: params, idempotencyKey: params.idempotencyKey) { c in
                let input = params.input
                try DemandStore.validate(c, input, rules: try RulesStore.load(c))
                let id = try DemandStore.insert(c, purchaserId: caller.orgId ?? "", input)
                return (DemandView(try DemandStore.load(c, id)!, viewer: Viewer(caller)), AuditSubject("demand", id))
            }
        }

        registry.add("demand.update", "Changes a draft (the given members replace the stored ones).", access: .only(.purchaser),
                     params: DemandUpdateParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("demand.update", params: params) { c in
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller)
                guard demand.status == .draft else { throw invalidState(demand, "updated") }
                let merged = params.merged(into: demand.input)
                try DemandStore.validate(c, merged, rules: try RulesStore.load(c))
                try DemandStore.update(c, demandId: demand.demandId, merged)
                return (DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(caller)), AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("demand.publish", "Publishes a draft: bidding opens and the draw commitment is fixed.",
                     access: .only(.purchaser), params: DemandIdParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("demand.publish", params: params) { c in
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller)
                guard demand.status == .draft else { throw invalidState(demand, "published") }
                let rules = try RulesStore.load(c)
                let ok = try c.query("SELECT $1::timestamptz >= clock_timestamp() + make_interval(secs => $2) AS ok",
                                     [demand.input.biddingClosesAt, Double(rules.minBiddingWindowSeconds)])
                guard try ok[0].bool("ok") else {
                    throw RPCError.businessRule(reason: "window_too_short",
                                                message: "biddingClosesAt must be at least \(rules.minBiddingWindowSeconds) s away",
                                                field: "biddingClosesAt")
                }
                let secret = Crypto.hex(Crypto.randomBytes(32))
                try c.execute(
                    """
                    UPDATE demands SET status = 'open', published_at = clock_timestamp(), draw_secret = $2, draw_commitment = $3
                    WHERE demand_id = $1
                    """, [demand.demandId, secret, Crypto.sha256Hex(secret)])
                try DemandEvents.demand(c, .demandPublished, demandId: demand.demandId)
                return (DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(caller)), AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("demand.amend", "Amends an open demand (description, budget, closing time) with a reason.",
                     access: .only(.purchaser), params: AmendParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("demand.amend", params: params) { c in
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller)
                guard demand.status == .open else { throw invalidState(demand, "amended") }
                return (try DemandAmendment.apply(c, demand, params), AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("demand.cancel", "Cancels a demand (draft, open, failed or evaluating).", access: .only(.purchaser, .admin),
                     params: ReasonParams.self, result: DemandView.self) { params, context in
            let caller = try context.requireCaller
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("demand.cancel", params: params) { c in
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller, adminMay: true)
                guard DemandStateMachine.allows(.cancel, in: demand.status) else { throw invalidState(demand, "cancelled") }
                try c.execute("UPDATE demands SET status = 'cancelled', failure_reason = NULL WHERE demand_id = $1", [demand.demandId])
                return (DemandView(try DemandStore.load(c, demand.demandId)!, viewer: Viewer(caller)), AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("demand.get", "One demand (drafts only for their purchaser and the admin).", access: .anyone,
                     params: DemandIdParams.self, result: DemandView.self) { params, context in
            let viewer = Viewer(context.caller)
            // Fast path: one statement when no deadline is due (the usual case).
            guard let (demand, due) = try await DemandStore.loadUnlessDue(context.services.database, params.demandId, for: viewer) else {
                throw RPCError.notFound("No such demand", field: "demandId")
            }
            if !due {
                guard viewer.mayRead(demand) else { throw RPCError.forbidden("Drafts are visible only to their purchaser and the admin") }
                return DemandView(demand, viewer: viewer)
            }
            return try await context.services.database.transaction { c in
                try DeadlineEngine.runDue(c, demandId: params.demandId, skipLocked: false)
                guard let demand = try DemandStore.load(c, params.demandId) else {
                    throw RPCError.notFound("No such demand", field: "demandId")
                }
                guard viewer.mayRead(demand) else { throw RPCError.forbidden("Drafts are visible only to their purchaser and the admin") }
                return DemandView(demand, viewer: viewer)
            }
        }

        registry.add("demand.search", "Demands, newest published first; `text` matches substrings of title and description.",
                     access: .anyone, params: DemandSearchParams.self, result: DemandPage.self) { params, context in
            let viewer = Viewer(context.caller)
            return try await context.services.database.transaction { c in
                try DeadlineEngine.runDue(c, demandId: nil, skipLocked: false, limit: 50)
                return try DemandSearch.run(c, params, viewer: viewer)
            }
        }
    }
}
