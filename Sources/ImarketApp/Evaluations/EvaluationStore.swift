import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// SQL for evaluations: submitting one per side of a finished contract, and listing.
enum EvaluationStore {
    /// A checked score sheet, ready to store.
    struct Sheet: Sendable {
        var side: EvaluationSide
        var scores: EvaluationScoresInput
        /// Purchaser side only: the sum the credit formula uses.
        var scoreSum: Int?
        var comment: String?
    }

    /// Stores the caller's evaluation of a completed or terminated contract. Checks, in order:
    /// -32004 unknown contract, -32003 not a party of the caller's side, -32009 `invalid_state`
    /// unless completed or terminated, -32009 `already_evaluated`, -32010
    /// `evaluation_window_closed` after `evaluationDeadlineDays` (calendar days in the rule
    /// `timeZone`, counted from the completion or termination instant). A purchaser evaluation
    /// recomputes the agency's credit in the same transaction.
    static func submit(_ c: PostgresConnection, contractId: String, sheet: Sheet, caller: Caller) throws -> EvaluationView {
        guard let contract = try ContractStore.load(c, contractId, lock: true) else {
            throw RPCError.notFound("No such contract", field: "contractId")
        }
        let ownerId = sheet.side == .purchaser ? contract.purchaserId : contract.agencyId
        guard caller.orgId == ownerId else { throw RPCError.forbidden("Only the contract's parties evaluate it") }
        guard contract.state == .completed || contract.state == .terminated else {
            throw RPCError.conflict(reason: "invalid_state", message: "Only a completed or terminated contract can be evaluated")
        }
        let rules = try RulesStore.load(c)
        let check = try c.query(
            """
            SELECT EXISTS (SELECT 1 FROM evaluations WHERE contract_id = $1 AND side = $2) AS done,
                   clock_timestamp() > ((coalesce(k.completed_at, k.terminated_at) AT TIME ZONE $3)
                                        + make_interval(days => $4::integer)) AT TIME ZONE $3 AS closed
            FROM contracts k WHERE k.contract_id = $1
            """, [contractId, sheet.side.rawValue, rules.timeZone, rules.evaluationDeadlineDays])[0]
        if try check.bool("done") { throw alreadyEvaluated }
        if try check.bool("closed") {
            throw RPCError.outsideWindow(reason: "evaluation_window_closed",
                                         message: "Evaluations close \(rules.evaluationDeadlineDays) days after completion")
        }
        if sheet.side == .purchaser {
            // Take the agency row lock before the insert: the insert's foreign key takes a
            // share lock on it, and upgrading that to the recompute's update lock deadlocks
            // concurrent evaluations of the same agency.
            try c.query("SELECT 1 FROM agencies WHERE agency_id = $1 FOR UPDATE", [contract.agencyId])
        }
        let id = Identifiers.make("evl")
        let scoresJSON = PostgresJSON(String(decoding: try JSONValueEncoder().encode(sheet.scores).serialized(), as: UTF8.self))
        let rows = try c.query(
            """
            INSERT INTO evaluations (evaluation_id, contract_id, side, purchaser_id, agency_id, scores, score_sum, comment)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (contract_id, side) DO NOTHING
            RETURNING evaluation_id
            """, [id, contractId, sheet.side.rawValue, contract.purchaserId, contract.agencyId, scoresJSON, sheet.scoreSum,
                  sheet.comment])
        guard !rows.isEmpty else { throw alreadyEvaluated }
        if sheet.side == .purchaser {
            try CreditStore.recompute(c, agencyId: contract.agencyId)
        }
        return try c.query("SELECT \(EvaluationView.columns) FROM evaluations e WHERE e.evaluation_id = $1", [id])
            .map(EvaluationView.init(row:))[0]
    }

    static let alreadyEvaluated = RPCError.conflict(reason: "already_evaluated",
                                                    message: "This side has already evaluated the contract")

    struct Filter: Sendable {
        var agencyId: String?
        var purchaserId: String?
        var contractId: String?
        var after: (sortKey: String, id: String)?
        var limit: Int
    }

    /// One page, newest first, and whether more rows follow.
    static func list(_ c: PostgresConnection, _ f: Filter) throws -> (items: [EvaluationView], sortKeys: [String], more: Bool) {
        let rows = try c.query(
            """
            SELECT \(EvaluationView.columns) FROM evaluations e
            WHERE ($1::text IS NULL OR e.agency_id = $1)
              AND ($2::text IS NULL OR e.purchaser_id = $2)
              AND ($3::text IS NULL OR e.contract_id = $3)
              AND ($4::timestamptz IS NULL OR (e.submitted_at, e.evaluation_id) < ($4::timestamptz, $5::text))
            ORDER BY e.submitted_at DESC, e.evaluation_id DESC
            LIMIT $6
            """, [f.agencyId, f.purchaserId, f.contractId, f.after?.sortKey, f.after?.id, f.limit + 1])
        let page = rows.prefix(f.limit)
        return (try page.map(EvaluationView.init(row:)), try page.map { try $0.string("sort_key") }, rows.count > f.limit)
    }
}
