/// The composite formulas of API.md section 8, in exact integer arithmetic:
///
///     priceScore = 100 × lowestValidPrice / priceFen            (rounded half-up to 2 decimals)
///     totalScore = (price × priceScore + quality × qualityScore) / 100   (rounded half-up to 2 decimals)
///
/// The total is computed from the *rounded* price score, so anyone can recompute a published
/// `totalScore` from the published (2-decimal) price score, the weights and the quality score.
///
/// Worked example (weights 50/50, lowest price 30000 fen):
/// - bid at 45000 fen: priceScore = 10000 × 30000 / 45000 = 6666.67 hundredths → 6667 (66.67);
/// - with quality 70: total = (50 × 6667 + 50 × 7000) / 100 = 6833.5 hundredths → 6834 (68.34).
///
/// A price of 0 fen (possible: money may be 0 and `minPriceFen` is optional) would divide by zero;
/// here a 0-fen bid is the lowest and scores 100, and when the lowest is 0 every other bid scores 0
/// — the limit of the formula as the lowest price tends to 0.
public enum CompositeScoring {
    /// Price score in hundredths (0…10000) for `priceFen` against the lowest valid price.
    /// - Precondition: 0 ≤ lowestFen ≤ priceFen ≤ 10^13 (so 10000 × lowest cannot overflow).
    public static func priceScore(priceFen: Int64, lowestFen: Int64) -> Hundredths {
        precondition(0 <= lowestFen && lowestFen <= priceFen && priceFen <= Money.maxFen,
                     "lowest price must not exceed the price")
        if priceFen == 0 { return Hundredths(10_000) }
        return Hundredths(Hundredths.roundHalfUp(10_000 * lowestFen, priceFen))
    }

    /// Total score in hundredths (0…10000) from the rounded price score, a 0–100 quality score
    /// and the weights.
    public static func totalScore(priceScore: Hundredths, qualityScore: Int, weights: CompositeWeights) -> Hundredths {
        let numerator = Int64(weights.price) * priceScore.value + Int64(weights.quality) * Int64(qualityScore) * 100
        return Hundredths(Hundredths.roundHalfUp(numerator, 100))
    }
}
