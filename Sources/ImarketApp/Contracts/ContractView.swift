import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// The Contract of API section 9, plus the delivery/acceptance details a party needs to act on it
/// (`createdAt`, `confirmedAt`, `deliverySummary`, `acceptanceNote`; see docs/api/contracts.md).
struct ContractView: Codable, Sendable, Equatable {
    struct Termination: Codable, Sendable, Equatable {
        var reason: String
        var faultOf: FaultOf
        /// When the contract was terminated (RFC 3339).
        var at: String
        /// Who terminated it: `purchaser` or `admin`.
        var by: String
    }

    var contractId: String
    var demandId: String
    var purchaserId: String
    var agencyId: String
    var amountFen: Int64
    var paidFen: Int64
    var signedOn: String
    var endsOn: String
    var status: ContractParams.Status
    var createdAt: String
    @NullEncodable var confirmedAt: String?
    @NullEncodable var deliveredAt: String?
    @NullEncodable var deliverySummary: String?
    @NullEncodable var acceptanceNote: String?
    @NullEncodable var completedAt: String?
    @NullEncodable var termination: Termination?

    /// The columns `init(row:)` reads, from `contracts k`.
    static let columns = """
        k.contract_id, k.demand_id, k.purchaser_id, k.agency_id, k.amount_fen, k.paid_fen,
        k.signed_on::text AS signed_on, k.ends_on::text AS ends_on, k.status, k.created_at, k.confirmed_at,
        k.delivered_at, k.delivery_summary, k.acceptance_note, k.completed_at, k.terminated_at,
        k.termination_reason, k.termination_fault, k.terminated_by, k.created_at::text AS sort_key
        """

    init(row: PostgresRow) throws {
        contractId = try row.string("contract_id")
        demandId = try row.string("demand_id")
        purchaserId = try row.string("purchaser_id")
        agencyId = try row.string("agency_id")
        amountFen = try row.int64("amount_fen")
        paidFen = try row.int64("paid_fen")
        signedOn = try row.string("signed_on")
        endsOn = try row.string("ends_on")
        status = ContractParams.Status(rawValue: try row.string("status")) ?? .terminated
        createdAt = RFC3339.format(try row.date("created_at"))
        confirmedAt = try row.optionalDate("confirmed_at").map(RFC3339.format)
        deliveredAt = try row.optionalDate("delivered_at").map(RFC3339.format)
        deliverySummary = try row.optionalString("delivery_summary")
        acceptanceNote = try row.optionalString("acceptance_note")
        completedAt = try row.optionalDate("completed_at").map(RFC3339.format)
        if let at = try row.optionalDate("terminated_at") {
            termination = Termination(reason: try row.string("termination_reason"),
                                      faultOf: FaultOf(rawValue: try row.string("termination_fault")) ?? .none,
                                      at: RFC3339.format(at), by: try row.string("terminated_by"))
        }
    }

    var state: ContractState { ContractState(rawValue: status.rawValue) ?? .terminated }
}

/// `faultOf` of `contract.terminate`.
enum FaultOf: String, Codable, Sendable, CaseIterable {
    case agency, purchaser, none
}
