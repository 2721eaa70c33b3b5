import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// The `scores` object of `evaluation.submit` and of an Evaluation: the purchaser's five scores
/// of the agency, or the agency's two scores of the purchaser (API section 9). Which set is
/// required depends on the caller's side, so the members are optional here and
/// `purchaserScores`/`agencyScores` check completeness.
struct EvaluationScoresInput: Codable, Sendable, Equatable, RPCSchemaProviding {
    var quality: Int?
    var timeliness: Int?
    var attitude: Int?
    var fees: Int?
    var compliance: Int?
    var paymentTimeliness: Int?
    var cooperation: Int?

    static var rpcSchema: JSONValue {
        func sheet(_ names: [String]) -> JSONValue {
            let score: JSONValue = ["type": "integer", "minimum": 1, "maximum": 5]
            return ["type": "object", "additionalProperties": false,
                    "properties": .object(JSONObject(names.map { (key: $0, value: score) })),
                    "required": .array(names.map { .string($0) })]
        }
        return ["oneOf": [sheet(PurchaserEvaluationScores.fieldNames), sheet(AgencyEvaluationScores.fieldNames)]]
    }

    static var rpcSchemaSample: EvaluationScoresInput? {
        EvaluationScoresInput(quality: 5, timeliness: 5, attitude: 5, fees: 5, compliance: 5)
    }

    init(quality: Int? = nil, timeliness: Int? = nil, attitude: Int? = nil, fees: Int? = nil, compliance: Int? = nil,
         paymentTimeliness: Int? = nil, cooperation: Int? = nil) {
        self.quality = quality; self.timeliness = timeliness; self.attitude = attitude; self.fees = fees
        self.compliance = compliance; self.paymentTimeliness = paymentTimeliness; self.cooperation = cooperation
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        quality = try c.decodeIfPresent(Int.self, forKey: .quality)
        timeliness = try c.decodeIfPresent(Int.self, forKey: .timeliness)
        attitude = try c.decodeIfPresent(Int.self, forKey: .attitude)
        fees = try c.decodeIfPresent(Int.self, forKey: .fees)
        compliance = try c.decodeIfPresent(Int.self, forKey: .compliance)
        paymentTimeliness = try c.decodeIfPresent(Int.self, forKey: .paymentTimeliness)
        cooperation = try c.decodeIfPresent(Int.self, forKey: .cooperation)
        for (name, value) in named where value != nil {
            try decoder.require(EvaluationScale.contains(value!), "out_of_range", "scores are integers 1–5", field: name)
        }
    }

    var named: [(String, Int?)] {
        [("quality", quality), ("timeliness", timeliness), ("attitude", attitude), ("fees", fees), ("compliance", compliance),
         ("paymentTimeliness", paymentTimeliness), ("cooperation", cooperation)]
    }

    /// Checks that exactly the members of `side`'s sheet are present (-32602 with `scores.<name>`).
    private func requireSheet(_ names: [String]) throws {
        for (name, value) in named {
            if names.contains(name), value == nil {
                throw RPCError.invalidParams(reason: "missing_field", field: "scores.\(name)", message: "missing required member")
            }
            if !names.contains(name), value != nil {
                throw RPCError.invalidParams(reason: "unknown_member", field: "scores.\(name)",
                                             message: "\(name) is not a score this side gives")
            }
        }
    }

    func purchaserScores() throws -> PurchaserEvaluationScores {
        try requireSheet(PurchaserEvaluationScores.fieldNames)
        guard let s = PurchaserEvaluationScores(quality: quality!, timeliness: timeliness!, attitude: attitude!, fees: fees!,
                                                compliance: compliance!) else {
            throw RPCError.invalidParams(reason: "out_of_range", field: "scores", message: "scores are integers 1–5")
        }
        return s
    }

    func agencyScores() throws -> AgencyEvaluationScores {
        try requireSheet(AgencyEvaluationScores.fieldNames)
        guard let s = AgencyEvaluationScores(paymentTimeliness: paymentTimeliness!, cooperation: cooperation!) else {
            throw RPCError.invalidParams(reason: "out_of_range", field: "scores", message: "scores are integers 1–5")
        }
        return s
    }
}

/// Which party wrote an evaluation.
enum EvaluationSide: String, Codable, Sendable, CaseIterable {
    /// The purchaser evaluating the agency (feeds the agency's credit score).
    case purchaser
    /// The agency evaluating the purchaser.
    case agency
}

/// An Evaluation (API section 9 leaves its fields open; see docs/api/contracts.md).
struct EvaluationView: Codable, Sendable, Equatable {
    var evaluationId: String
    var contractId: String
    var side: EvaluationSide
    var purchaserId: String
    var agencyId: String
    var scores: EvaluationScoresInput
    @NullEncodable var comment: String?
    var submittedAt: String

    static let columns = """
        e.evaluation_id, e.contract_id, e.side, e.purchaser_id, e.agency_id, e.scores::text AS scores, e.comment,
        e.submitted_at, e.submitted_at::text AS sort_key
        """

    init(row: PostgresRow) throws {
        evaluationId = try row.string("evaluation_id")
        contractId = try row.string("contract_id")
        side = EvaluationSide(rawValue: try row.string("side")) ?? .purchaser
        purchaserId = try row.string("purchaser_id")
        agencyId = try row.string("agency_id")
        scores = try JSONValueDecoder().decode(EvaluationScoresInput.self, from: JSONParser.parse(Array(try row.string("scores").utf8)))
        comment = try row.optionalString("comment")
        submittedAt = RFC3339.format(try row.date("submitted_at"))
    }
}
