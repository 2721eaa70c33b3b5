import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// Agency credit scores (API section 9, docs/credit.md): derived from the purchaser evaluations,
/// the `credit_penalties` rows (declined awards, upheld objections) and the contracts terminated
/// with `faultOf: "agency"`, and stored in `agencies.credit_hundredths`.
///
/// Every change to an input calls `recompute` in the same transaction, so the stored score never
/// lags its inputs and a score that falls below `creditSuspendBelow` suspends the agency in the
/// transaction that lowered it.
public enum CreditStore {
    /// What the formula needs for one agency.
    struct Inputs: Sendable, Equatable {
        var evaluationSums: [Int]
        var upheldObjections: Int
        var agencyFaultTerminations: Int
        var declinedAwards: Int

        var score: Hundredths? {
            CreditScore.compute(evaluationScoreSums: evaluationSums, upheldObjections: upheldObjections,
                                agencyFaultTerminations: agencyFaultTerminations, declinedAwards: declinedAwards)
        }
    }

    /// The inputs of every agency in `agencyIds` (all agencies when nil), with its stored score.
    static let inputsSQL = """
        SELECT a.agency_id, a.credit_hundredths,
            (SELECT coalesce(string_agg(e.score_sum::text, ','), '') FROM evaluations e
              WHERE e.agency_id = a.agency_id AND e.side = 'purchaser') AS sums,
            (SELECT count(*) FROM credit_penalties p WHERE p.agency_id = a.agency_id AND p.kind = 'upheld_objection') AS upheld,
            (SELECT count(*) FROM credit_penalties p WHERE p.agency_id = a.agency_id AND p.kind = 'declined_award') AS declined,
            (SELECT count(*) FROM contracts k WHERE k.agency_id = a.agency_id AND k.termination_fault = 'agency') AS terminations
        FROM agencies a
        WHERE $1::text IS NULL OR a.agency_id = $1
        ORDER BY a.agency_id
        """

    static func inputs(from row: PostgresRow) throws -> Inputs {
        Inputs(evaluationSums: try row.string("sums").split(separator: ",").compactMap { Int($0) },
               upheldObjections: try row.int("upheld"), agencyFaultTerminations: try row.int("terminations"),
               declinedAwards: try row.int("declined"))
    }

    /// Recomputes the agency's score from its stored inputs, stores it, and suspends the agency
    /// (`statusReason: "low_credit"`, audited) when the score dropped to below the rule
    /// `creditSuspendBelow` while it was approved. Call it in the transaction that changed an
    /// input, after the change. Locks the agency row, so concurrent changes for one agency apply
    /// one after the other and the last one sees them all.
    public static func recompute(_ connection: PostgresConnection, agencyId: String) throws {
        let agency = try AgencyStore.lock(connection, agencyId: agencyId, actorId: nil)
        guard let row = try connection.query(inputsSQL, [agencyId]).first, let score = try inputs(from: row).score else {
            throw RPCError.internalError
        }
        let old = Hundredths(try row.int64("credit_hundredths"))
        guard score != old else { return }
        try connection.execute("UPDATE agencies SET credit_hundredths = $2 WHERE agency_id = $1", [agencyId, score.value])
        let threshold = try RulesStore.load(connection).creditSuspendBelow
        guard agency.status == .approved, score < old,
              CreditScore.shouldSuspend(score: score, creditSuspendBelow: threshold) else { return }
        try AgencyStore.setStatus(connection, agencyId: agencyId, status: .suspended, reason: CreditScore.lowCreditReason)
        let scoreJSON = JSONValue.number(JSONNumber(text: score.description)!)
        try AuditLog.append(connection, actorId: nil, method: "agency.credit_suspension", subject: AuditSubject("agency", agencyId),
                            digest: AuditLog.digest(
                                params: ["agencyId": .string(agencyId), "score": scoreJSON,
                                         "creditSuspendBelow": .number(JSONNumber(threshold))],
                                result: ["status": "suspended", "statusReason": .string(CreditScore.lowCreditReason)]))
    }

    /// A penalty as `agency.credit` lists it.
    struct PenaltyRow: Sendable {
        var kind: String
        var points: Int
        var at: Date
        var ref: String
    }

    /// The number of purchaser evaluations and the penalties of an agency, oldest first.
    static func details(_ c: PostgresConnection, agencyId: String) throws -> (evaluations: Int, penalties: [PenaltyRow]) {
        let count = try c.query("SELECT count(*) AS n FROM evaluations WHERE agency_id = $1 AND side = 'purchaser'", [agencyId])
        let rows = try c.query(
            """
            SELECT kind, points, at, ref FROM credit_penalties WHERE agency_id = $1
            UNION ALL
            SELECT 'agency_fault_termination', $2::integer, terminated_at, contract_id FROM contracts
             WHERE agency_id = $1 AND termination_fault = 'agency'
            ORDER BY at, ref
            """, [agencyId, CreditPenaltyKind.agencyFaultTermination.points])
        let penalties = try rows.map {
            PenaltyRow(kind: try $0.string("kind"), points: try $0.int("points"), at: try $0.date("at"), ref: try $0.string("ref"))
        }
        return (try count[0].int("n"), penalties)
    }

    /// An agency whose stored score differs from the one its inputs give.
    public struct Mismatch: Sendable, Equatable, CustomStringConvertible {
        public var agencyId: String
        public var stored: Int64
        /// Nil when the inputs themselves are corrupt (a score sum outside 5…25).
        public var computed: Int64?

        public var description: String {
            "\(agencyId): stored \(Hundredths(stored)), computed \(computed.map { Hundredths($0).description } ?? "(corrupt inputs)")"
        }
    }

    /// Recomputes every agency's score from the stored evaluations and penalties and returns
    /// those that differ from `credit_hundredths` (empty when all are consistent) and how many
    /// agencies were checked.
    public static func verify(_ c: PostgresConnection) throws -> (checked: Int, mismatches: [Mismatch]) {
        let rows = try c.query(inputsSQL, [String?.none])
        var mismatches: [Mismatch] = []
        for row in rows {
            let stored = try row.int64("credit_hundredths")
            let computed = try inputs(from: row).score?.value
            if computed != stored {
                mismatches.append(Mismatch(agencyId: try row.string("agency_id"), stored: stored, computed: computed))
            }
        }
        return (rows.count, mismatches)
    }
}
