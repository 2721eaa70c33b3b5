/// The agency credit score of API.md section 9:
///
///     score = (80 × 3 + Σ e_i) / (3 + n) − 5 × upheld objections against its awards
///             − 10 × terminations with faultOf agency − 10 × declined awards
///
/// clamped to [0, 100] and rounded half-up to 2 decimals, where `n` is the number of purchaser
/// evaluations and `e_i = (mean of the five scores − 1) / 4 × 100`. The "80 × 3" term acts like
/// three phantom evaluations worth 80, so a new agency scores 80 and a single evaluation cannot
/// swing the score wildly.
///
/// Exact integer arithmetic: with `s_i` the sum of evaluation i's five scores (5…25),
/// `e_i = (s_i / 5 − 1) / 4 × 100 = (s_i − 5) × 5`, an integer 0…100. In hundredths,
/// `score = roundHalfUp(100 × (240 + Σ e_i), 3 + n) − 500 × upheld − 1000 × terminations
/// − 1000 × declines`; the penalties are whole numbers, so rounding before subtracting is the
/// same as rounding after, and clamping commutes with the rounding too.
///
/// Worked example: evaluations with sums 25 (all fives) and 19 give e = 100 and 70;
/// (240 + 170) / 5 = 82.00; one upheld objection → 77.00; additionally one declined award →
/// 67.00. Rounding: three evaluations with sums 5, 5, 7 give e = 0, 0, 10 and
/// (240 + 10) / 6 = 41.666… → 41.67.
public enum CreditScore {
    /// The score of an agency with no evaluations and no penalties.
    public static let newAgencyScore = Hundredths(units: 80)

    /// Bounds of the score.
    public static let minimum = Hundredths(units: 0)
    public static let maximum = Hundredths(units: 100)

    /// `e_i` for an evaluation whose five scores sum to `scoreSum` (5…25): `(scoreSum − 5) × 5`.
    public static func evaluationPoints(scoreSum: Int) -> Int {
        (scoreSum - 5) * 5
    }

    /// The score from validated evaluations and penalty counts (counts below 0 count as 0).
    public static func compute(evaluations: [PurchaserEvaluationScores], upheldObjections: Int,
                               agencyFaultTerminations: Int, declinedAwards: Int) -> Hundredths {
        compute(checkedSums: evaluations.map(\.sum), upheldObjections: upheldObjections,
                agencyFaultTerminations: agencyFaultTerminations, declinedAwards: declinedAwards)
    }

    /// The score from the evaluations' score sums (as a database query may return them).
    /// Nil when a sum is outside 5…25 or a count is negative — such data is corrupt, and a
    /// made-up score would hide that.
    public static func compute(evaluationScoreSums: [Int], upheldObjections: Int,
                               agencyFaultTerminations: Int, declinedAwards: Int) -> Hundredths? {
        guard evaluationScoreSums.allSatisfy({ (5...25).contains($0) }),
              upheldObjections >= 0, agencyFaultTerminations >= 0, declinedAwards >= 0 else { return nil }
        return compute(checkedSums: evaluationScoreSums, upheldObjections: upheldObjections,
                       agencyFaultTerminations: agencyFaultTerminations, declinedAwards: declinedAwards)
    }

    static func compute(checkedSums: [Int], upheldObjections: Int,
                        agencyFaultTerminations: Int, declinedAwards: Int) -> Hundredths {
        let points = checkedSums.reduce(Int64(0)) { $0 + Int64(evaluationPoints(scoreSum: $1)) }
        let base = Hundredths.roundHalfUp(100 * (240 + points), Int64(3 + checkedSums.count))
        let penalty = Int64(CreditPenaltyKind.upheldObjection.points) * 100 * Int64(max(0, upheldObjections))
            + Int64(CreditPenaltyKind.agencyFaultTermination.points) * 100 * Int64(max(0, agencyFaultTerminations))
            + Int64(CreditPenaltyKind.declinedAward.points) * 100 * Int64(max(0, declinedAwards))
        return Hundredths(min(maximum.value, max(minimum.value, base - penalty)))
    }

    /// True when an agency with `score` must be suspended (`statusReason: "low_credit"`): the
    /// score is strictly below the rule `creditSuspendBelow` (whole points).
    public static func shouldSuspend(score: Hundredths, creditSuspendBelow: Int) -> Bool {
        score.value < Int64(creditSuspendBelow) * 100
    }

    /// The agency status reason used for a credit suspension.
    public static let lowCreditReason = "low_credit"
}

/// The penalties that lower a credit score, as listed by `agency.credit` (`penalties[].kind`).
public enum CreditPenaltyKind: String, Hashable, Sendable, CaseIterable {
    /// An upheld objection against one of the agency's awards: 5 points.
    case upheldObjection = "upheld_objection"
    /// A contract terminated with `faultOf: "agency"`: 10 points.
    case agencyFaultTermination = "agency_fault_termination"
    /// An award the agency declined: 10 points.
    case declinedAward = "declined_award"

    /// Points subtracted per occurrence.
    public var points: Int {
        switch self {
        case .upheldObjection: return 5
        case .agencyFaultTermination, .declinedAward: return 10
        }
    }
}
