/// The score sheets of `evaluation.submit` (API.md section 9): integers 1–5, and a comment is
/// required when any score is ≤ 2 (a low mark must be explained to be useful to anyone).

/// A purchaser's evaluation of an agency; these five scores feed the agency's credit score.
public struct PurchaserEvaluationScores: Hashable, Sendable {
    public let quality: Int
    public let timeliness: Int
    public let attitude: Int
    public let fees: Int
    public let compliance: Int

    /// Fails unless every score is in 1…5.
    public init?(quality: Int, timeliness: Int, attitude: Int, fees: Int, compliance: Int) {
        guard [quality, timeliness, attitude, fees, compliance].allSatisfy(EvaluationScale.contains) else { return nil }
        self.quality = quality
        self.timeliness = timeliness
        self.attitude = attitude
        self.fees = fees
        self.compliance = compliance
    }

    /// The sum of the five scores, 5…25.
    public var sum: Int { quality + timeliness + attitude + fees + compliance }

    /// True when a comment must accompany the scores.
    public var requiresComment: Bool {
        [quality, timeliness, attitude, fees, compliance].contains { $0 <= EvaluationScale.commentAtOrBelow }
    }

    /// Field names in the order of the API's `scores` object, for error `field` paths.
    public static let fieldNames = ["quality", "timeliness", "attitude", "fees", "compliance"]
}

/// An agency's evaluation of a purchaser (not part of any score; kept for the record).
public struct AgencyEvaluationScores: Hashable, Sendable {
    public let paymentTimeliness: Int
    public let cooperation: Int

    /// Fails unless both scores are in 1…5.
    public init?(paymentTimeliness: Int, cooperation: Int) {
        guard EvaluationScale.contains(paymentTimeliness), EvaluationScale.contains(cooperation) else { return nil }
        self.paymentTimeliness = paymentTimeliness
        self.cooperation = cooperation
    }

    /// True when a comment must accompany the scores.
    public var requiresComment: Bool {
        paymentTimeliness <= EvaluationScale.commentAtOrBelow || cooperation <= EvaluationScale.commentAtOrBelow
    }

    public static let fieldNames = ["paymentTimeliness", "cooperation"]
}

/// The 1–5 evaluation scale.
public enum EvaluationScale {
    public static let range: ClosedRange<Int> = 1...5
    /// Scores at or below this need a comment.
    public static let commentAtOrBelow = 2

    public static func contains(_ score: Int) -> Bool { range.contains(score) }
}
