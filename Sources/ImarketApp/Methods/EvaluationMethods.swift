import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 9: two-way evaluations after a contract ends (docs/contracts.md, docs/credit.md).
enum EvaluationMethods {
    struct SubmitParams: Codable, Sendable {
        var contractId: String
        var scores: EvaluationScoresInput
        var comment: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contractId = try c.decode(String.self, forKey: .contractId)
            scores = try c.decode(EvaluationScoresInput.self, forKey: .scores)
            comment = try c.decodeIfPresent(String.self, forKey: .comment)
            if let comment { try ContractParams.checkText(comment, "comment", max: 2000, decoder) }
        }

        /// The caller's sheet: the purchaser's five scores or the agency's two, and a comment
        /// whenever a score is ≤ 2 (all -32602).
        func sheet(for role: Role) throws -> EvaluationStore.Sheet {
            let side: EvaluationSide = role == .purchaser ? .purchaser : .agency
            var sum: Int?
            let needsComment: Bool
            if side == .purchaser {
                let s = try scores.purchaserScores()
                sum = s.sum
                needsComment = s.requiresComment
            } else {
                needsComment = try scores.agencyScores().requiresComment
            }
            if needsComment, comment == nil {
                throw RPCError.invalidParams(reason: "missing_field", field: "comment",
                                             message: "A comment is required when any score is 2 or lower")
            }
            return EvaluationStore.Sheet(side: side, scores: scores, scoreSum: sum, comment: comment)
        }
    }

    struct ListParams: Codable, Sendable {
        var agencyId: String?
        var purchaserId: String?
        var contractId: String?
        var cursor: String?
        var limit: Int?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            agencyId = try c.decodeIfPresent(String.self, forKey: .agencyId)
            purchaserId = try c.decodeIfPresent(String.self, forKey: .purchaserId)
            contractId = try c.decodeIfPresent(String.self, forKey: .contractId)
            cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
            try decoder.require(cursor.map { KeysetCursor.decode($0) != nil } ?? true, "invalid_value",
                                "cursor is not one this server issued", field: "cursor")
        }
    }

    struct Page: Codable, Sendable {
        var items: [EvaluationView]
        @NullEncodable var nextCursor: String?
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("evaluation.submit", "Either party evaluates a completed or terminated contract, once per side.",
                     access: .only(.purchaser, .agency), params: SubmitParams.self, result: EvaluationView.self) { params, context in
            let caller = try context.requireCaller
            let sheet = try params.sheet(for: caller.role)
            return try await context.mutate("evaluation.submit", params: params) { c in
                let evaluation = try EvaluationStore.submit(c, contractId: params.contractId, sheet: sheet, caller: caller)
                return (evaluation, AuditSubject("contract", params.contractId))
            }
        }

        registry.add("evaluation.list", "Evaluations by agency, purchaser or contract, newest first.", access: .anyone,
                     params: ListParams.self, result: Page.self) { params, context in
            let filter = EvaluationStore.Filter(agencyId: params.agencyId, purchaserId: params.purchaserId,
                                                contractId: params.contractId,
                                                after: params.cursor.flatMap(KeysetCursor.decode), limit: params.limit ?? 50)
            let (items, keys, more) = try await context.services.database.read { try EvaluationStore.list($0, filter) }
            let next = more ? items.last.map { KeysetCursor.encode(sortKey: keys[keys.count - 1], id: $0.evaluationId) } : nil
            return Page(items: items, nextCursor: next)
        }
    }
}
