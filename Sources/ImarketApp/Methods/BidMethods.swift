import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// API section 8: sealed bids.
enum BidMethods {
    struct SubmitParams: Codable, Sendable {
        var demandId: String
        var priceFen: Int64
        var proposal: String
        var idempotencyKey: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandId = try c.decode(String.self, forKey: .demandId)
            priceFen = try c.decode(Int64.self, forKey: .priceFen)
            proposal = try c.decode(String.self, forKey: .proposal)
            idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
            try decoder.require(Money.isValid(priceFen), "out_of_range", "priceFen must be 0…10^13", field: "priceFen")
            try decoder.require(proposal.count <= 50_000, "out_of_range", "proposal is too long", field: "proposal")
        }
    }

    struct UpdateParams: Codable, Sendable {
        var bidId: String
        var priceFen: Int64?
        var proposal: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            bidId = try c.decode(String.self, forKey: .bidId)
            priceFen = try c.decodeIfPresent(Int64.self, forKey: .priceFen)
            proposal = try c.decodeIfPresent(String.self, forKey: .proposal)
            try decoder.require(priceFen.map(Money.isValid) ?? true, "out_of_range", "priceFen must be 0…10^13", field: "priceFen")
            try decoder.require((proposal ?? "").count <= 50_000, "out_of_range", "proposal is too long", field: "proposal")
        }
    }

    struct BidIdParams: Codable, Sendable {
        var bidId: String
    }

    struct ListParams: Codable, Sendable {
        var demandId: String
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("bid.submit", "Submits a sealed bid while the demand is open.", access: .only(.agency),
                     params: SubmitParams.self, result: BidView.self) { params, context in
            let caller = try context.requireCaller
            let agencyId = caller.orgId ?? ""
            let timeZone = try await context.services.rules.current().timeZone
            return try await context.mutate("bid.submit", params: params, idempotencyKey: params.idempotencyKey) { c in
                let (demand, now) = try BidStore.lockOpenDemand(c, params.demandId)
                try BidStore.checkAgency(c, demand, agencyId: agencyId, timeZone: timeZone)
                try BidStore.checkPrice(params.priceFen, demand)
                let id = try BidStore.insert(c, demandId: demand.demandId, agencyId: agencyId, priceFen: params.priceFen,
                                             proposal: params.proposal, at: now)
                return (try BidView.load(c, bidId: id)!, AuditSubject("bid", id))
            }
        }

        registry.add("bid.update", "Changes the price or proposal of one's own bid while the demand is open.",
                     access: .only(.agency), params: UpdateParams.self, result: BidView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("bid.update", params: params) { c in
                let (bid, demand, now) = try BidStore.lockOwnBid(c, bidId: params.bidId, agencyId: caller.orgId)
                guard bid.status == "submitted" || bid.status == "invalid" else {
                    throw RPCError.conflict(reason: "invalid_state", message: "A \(bid.status) bid cannot be changed")
                }
                let price = params.priceFen ?? bid.priceFen
                try BidStore.checkPrice(price, demand)
                try BidStore.update(c, bidId: bid.bidId, priceFen: price, proposal: params.proposal ?? bid.proposal ?? "",
                                    status: "submitted", at: now)
                return (try BidView.load(c, bidId: bid.bidId)!, AuditSubject("bid", bid.bidId))
            }
        }

        registry.add("bid.withdraw", "Withdraws one's own bid while the demand is open.", access: .only(.agency),
                     params: BidIdParams.self, result: BidView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("bid.withdraw", params: params) { c in
                let (bid, _, now) = try BidStore.lockOwnBid(c, bidId: params.bidId, agencyId: caller.orgId)
                guard bid.status == "submitted" || bid.status == "invalid" else {
                    throw RPCError.conflict(reason: "invalid_state", message: "A \(bid.status) bid cannot be withdrawn")
                }
                try BidStore.update(c, bidId: bid.bidId, priceFen: bid.priceFen, proposal: bid.proposal ?? "",
                                    status: "withdrawn", at: now)
                return (try BidView.load(c, bidId: bid.bidId)!, AuditSubject("bid", bid.bidId))
            }
        }

        registry.add("bid.list", "Bids of a demand: sealed until closing (an agency sees its own), then public without proposals.",
                     access: .anyone, params: ListParams.self, result: BidList.self) { params, context in
            let viewer = Viewer(context.caller)
            return try await context.services.database.transaction { c in
                try DeadlineEngine.runDue(c, demandId: params.demandId, skipLocked: false)
                guard let demand = try DemandStore.load(c, params.demandId) else {
                    throw RPCError.notFound("No such demand", field: "demandId")
                }
                guard viewer.mayRead(demand) else { throw RPCError.forbidden("Drafts are visible only to their purchaser and the admin") }
                return try BidVisibility.list(c, demand, viewer: viewer)
            }
        }
    }
}
