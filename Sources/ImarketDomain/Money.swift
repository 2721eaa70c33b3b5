/// Money is an integer number of fen (1 yuan = 100 fen), 0 ≤ fen ≤ 10^13 (API.md section 4).
///
/// Integers, never floating point: sums and comparisons must be exact for overpayment and
/// split-purchase checks. 10^13 fen (10^11 yuan) leaves ample headroom in `Int64` for
/// multiplying by 1000 (permille rules) or 10000 (score hundredths) without overflow.
public enum Money {
    /// Largest accepted amount in fen: 10^13.
    public static let maxFen: Int64 = 10_000_000_000_000

    /// The accepted range of any `…Fen` field.
    public static let range: ClosedRange<Int64> = 0...maxFen

    /// True iff `fen` is a valid money amount.
    public static func isValid(_ fen: Int64) -> Bool { range.contains(fen) }

    /// True iff `fen` is a valid money amount (`Int` overload for JSON integers).
    public static func isValid(_ fen: Int) -> Bool { range.contains(Int64(fen)) }

    /// `amountFen` as a valid money value, or nil when out of range.
    public static func validated(_ fen: Int64) -> Int64? { isValid(fen) ? fen : nil }

    /// True iff `priceFen ≥ budgetFen × permille / 1000`, compared exactly (no division), as
    /// the PRICE_AT_CAP flag needs. Both amounts must be valid money (≤ 10^13), so the products
    /// stay below 10^16.
    public static func isAtOrAbove(_ priceFen: Int64, permille: Int, of budgetFen: Int64) -> Bool {
        priceFen * 1000 >= budgetFen * Int64(permille)
    }

    /// `fen` as a yuan string with two decimals (`12345` → `"123.45"`), for explanations that a
    /// person reads. Negative input is rendered with a leading minus.
    public static func yuanString(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }
}
