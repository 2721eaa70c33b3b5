import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// SQL for contracts: creating, loading with the caller's party checked, and state changes
/// decided by `ContractStateMachine`.
enum ContractStore {
    static func load(_ c: PostgresConnection, _ contractId: String, lock: Bool = false) throws -> ContractView? {
        try c.query("SELECT \(ContractView.columns) FROM contracts k WHERE k.contract_id = $1 \(lock ? "FOR UPDATE" : "")",
                    [contractId]).first.map(ContractView.init(row:))
    }

    /// The caller's party on the contract, or nil when the caller is not one (overseers never are).
    static func party(of caller: Caller, on contract: ContractView) -> ContractParty? {
        switch caller.role {
        case .admin: return .admin
        case .purchaser where caller.orgId == contract.purchaserId: return .purchaser
        case .agency where caller.orgId == contract.agencyId: return .agency
        default: return nil
        }
    }

    /// Loads (and locks) a contract for `event`: -32004 unknown, -32003 unless the caller is a
    /// party the event allows, -32009 `invalid_state` unless the state machine allows it.
    /// Returns the contract and the state after the event.
    static func loadForEvent(_ c: PostgresConnection, _ contractId: String, caller: Caller,
                             event: ContractEvent) throws -> (ContractView, ContractState) {
        guard let contract = try load(c, contractId, lock: true) else {
            throw RPCError.notFound("No such contract", field: "contractId")
        }
        guard let party = party(of: caller, on: contract), event.allowedParties.contains(party) else {
            let who = event.allowedParties.map(\.rawValue).sorted().joined(separator: " or ")
            throw RPCError.forbidden("Only the contract's \(who) may \(event.name) it")
        }
        do {
            return (contract, try ContractStateMachine.next(from: contract.state, on: event))
        } catch {
            throw RPCError.conflict(reason: "invalid_state",
                                    message: "A \(contract.status.rawValue) contract does not allow \(event.name)")
        }
    }

    /// Whether the caller may read the contract: its parties, the admin, and overseers whose
    /// region scope covers the purchaser's or the agency's region.
    static func mayRead(_ c: PostgresConnection, _ contract: ContractView, caller: Caller?) throws -> Bool {
        guard let caller else { return false }
        if party(of: caller, on: contract) != nil { return true }
        guard caller.role == .overseer else { return false }
        guard let scope = caller.regionScope else { return true }
        let rows = try c.query(
            """
            SELECT EXISTS (SELECT 1 FROM purchasers WHERE purchaser_id = $1 AND starts_with(region_code, $3))
                OR EXISTS (SELECT 1 FROM agencies WHERE agency_id = $2 AND starts_with(region_code, $3)) AS visible
            """, [contract.purchaserId, contract.agencyId, scope])
        return try rows[0].bool("visible")
    }

    /// Inserts a `pending_confirmation` contract for an awarded demand; -32009 `contract_exists`
    /// when the demand has one (the unique key settles concurrent creates).
    static func insert(_ c: PostgresConnection, demand: DemandRecord, agencyId: String, _ p: ContractParams.Create) throws -> String {
        let id = Identifiers.make("con")
        let rows = try c.query(
            """
            INSERT INTO contracts (contract_id, demand_id, purchaser_id, agency_id, amount_fen, signed_on, ends_on)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7::date)
            ON CONFLICT (demand_id) DO NOTHING
            RETURNING contract_id
            """, [id, demand.demandId, demand.purchaserId, agencyId, p.amountFen, p.signedOn, p.endsOn])
        guard !rows.isEmpty else { throw contractExists }
        return id
    }

    static let contractExists = RPCError.conflict(reason: "contract_exists", message: "This demand already has a contract",
                                                  field: "demandId")

    static func confirm(_ c: PostgresConnection, _ contractId: String) throws {
        try c.execute("UPDATE contracts SET status = 'active', confirmed_at = clock_timestamp() WHERE contract_id = $1",
                      [contractId])
    }

    static func deliver(_ c: PostgresConnection, _ contractId: String, summary: String) throws {
        try c.execute(
            """
            UPDATE contracts SET status = 'delivered', delivered_at = clock_timestamp(), delivery_summary = $2
            WHERE contract_id = $1
            """, [contractId, summary])
    }

    /// `contract.accept`: `completed`, or back to `active` with the purchaser's note.
    static func accept(_ c: PostgresConnection, _ contractId: String, to state: ContractState, note: String?) throws {
        try c.execute(
            """
            UPDATE contracts SET status = $2, acceptance_note = $3,
                completed_at = CASE WHEN $2 = 'completed' THEN clock_timestamp() END
            WHERE contract_id = $1
            """, [contractId, state.rawValue, note])
    }

    static func terminate(_ c: PostgresConnection, _ contractId: String, reason: String, faultOf: FaultOf, by party: ContractParty) throws {
        try c.execute(
            """
            UPDATE contracts SET status = 'terminated', terminated_at = clock_timestamp(), termination_reason = $2,
                termination_fault = $3, terminated_by = $4
            WHERE contract_id = $1
            """, [contractId, reason, faultOf.rawValue, party.rawValue])
    }
}
