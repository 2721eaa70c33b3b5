import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// API section 9: contracts of awarded demands and their lifecycle (docs/contracts.md).
enum ContractMethods {
    struct Page: Codable, Sendable {
        var items: [ContractView]
        @NullEncodable var nextCursor: String?
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("contract.create", "The owner of an awarded demand creates its contract (pending_confirmation); one per demand.",
                     access: .only(.purchaser), params: ContractParams.Create.self, result: ContractView.self) { params, context in
            let caller = try context.requireCaller
            // A publicity period that has just ended must read as `awarded`.
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("contract.create", params: params, idempotencyKey: params.idempotencyKey) { c in
                // The demand row lock orders this against `award.decline`, which checks for a contract.
                let demand = try DemandStore.loadOwned(c, params.demandId, caller: caller)
                guard demand.status == .awarded else { throw DemandMethods.invalidState(demand, "contracted") }
                guard let agencyId = demand.award["agencyId"]?.stringValue, let price = demand.award["priceFen"]?.int64Value else {
                    throw RPCError.internalError
                }
                guard params.amountFen <= price else {
                    throw RPCError.businessRule(reason: "amount_above_award",
                                                message: "amountFen \(params.amountFen) is above the award price \(price)",
                                                field: "amountFen")
                }
                let id = try ContractStore.insert(c, demand: demand, agencyId: agencyId, params)
                return (try ContractStore.load(c, id)!, AuditSubject("contract", id))
            }
        }

        registry.add("contract.confirm", "The winning agency confirms the contract (active).", access: .only(.agency),
                     params: ContractParams.ById.self, result: ContractView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("contract.confirm", params: params) { c in
                let (contract, _) = try ContractStore.loadForEvent(c, params.contractId, caller: caller, event: .confirm)
                try ContractStore.confirm(c, contract.contractId)
                return (try ContractStore.load(c, contract.contractId)!, AuditSubject("contract", contract.contractId))
            }
        }

        registry.add("contract.deliver", "The agency reports delivery of an active contract (delivered).", access: .only(.agency),
                     params: ContractParams.Deliver.self, result: ContractView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("contract.deliver", params: params) { c in
                let (contract, _) = try ContractStore.loadForEvent(c, params.contractId, caller: caller, event: .deliver)
                try ContractStore.deliver(c, contract.contractId, summary: params.summary)
                return (try ContractStore.load(c, contract.contractId)!, AuditSubject("contract", contract.contractId))
            }
        }

        registry.add("contract.accept", "The purchaser accepts the delivery (completed) or not (back to active; note required).",
                     access: .only(.purchaser), params: ContractParams.Accept.self, result: ContractView.self) { params, context in
            let caller = try context.requireCaller
            let event = try params.event
            return try await context.mutate("contract.accept", params: params) { c in
                let (contract, next) = try ContractStore.loadForEvent(c, params.contractId, caller: caller, event: event)
                try ContractStore.accept(c, contract.contractId, to: next, note: params.note)
                return (try ContractStore.load(c, contract.contractId)!, AuditSubject("contract", contract.contractId))
            }
        }

        registry.add("contract.terminate", "The purchaser or the admin terminates a contract, naming whose fault it was.",
                     access: .only(.purchaser, .admin), params: ContractParams.Terminate.self, result: ContractView.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("contract.terminate", params: params) { c in
                let (contract, _) = try ContractStore.loadForEvent(c, params.contractId, caller: caller, event: .terminate)
                let party = ContractStore.party(of: caller, on: contract) ?? .admin
                try ContractStore.terminate(c, contract.contractId, reason: params.reason, faultOf: params.faultOf, by: party)
                if params.faultOf == .agency {
                    try CreditStore.recompute(c, agencyId: contract.agencyId)
                }
                return (try ContractStore.load(c, contract.contractId)!, AuditSubject("contract", contract.contractId))
            }
        }

        registry.add("contract.get", "A contract (its parties, the admin, overseers in scope).", access: .authenticated,
                     params: ContractParams.ById.self, result: ContractView.self) { params, context in
            let caller = context.caller
            return try await context.services.database.read { c in
                guard let contract = try ContractStore.load(c, params.contractId) else {
                    throw RPCError.notFound("No such contract", field: "contractId")
                }
                guard try ContractStore.mayRead(c, contract, caller: caller) else {
                    throw RPCError.forbidden("Only the contract's parties, the admin and overseers in scope see it")
                }
                return contract
            }
        }

        registry.add("contract.search", "Contracts, newest first: purchasers and agencies their own, the admin and overseers (in scope) all.",
                     access: .only(.admin, .purchaser, .agency, .overseer), params: ContractParams.Search.self,
                     result: Page.self) { params, context in
            let filter = try ContractSearch.filter(params, caller: try context.requireCaller)
            let (items, keys, more) = try await context.services.database.read { try ContractSearch.run($0, filter) }
            let next = more ? items.last.map { KeysetCursor.encode(sortKey: keys[keys.count - 1], id: $0.contractId) } : nil
            return Page(items: items, nextCursor: next)
        }
    }
}
