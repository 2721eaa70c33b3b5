/// A non-negative decimal with exactly two places, stored as an integer number of hundredths.
///
/// Scores in the contract (`totalScore`, credit `score`) are "rounded half-up to 2 decimals".
/// Computing them in exact integers and rounding once, explicitly, avoids the binary floating
/// point surprises (`66.665` stored as `66.66499…`) that would make half-up rounding differ between
/// the server and a client recomputing the number. `Double` and `String` views exist only for
/// output as a JSON number.
public struct Hundredths: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The value × 100, e.g. 6667 for 66.67.
    public let value: Int64

    public init(_ value: Int64) { self.value = value }

    /// A whole number of units, e.g. `Hundredths(units: 80)` is 80.00.
    public init(units: Int64) { self.value = units * 100 }

    public static func < (a: Hundredths, b: Hundredths) -> Bool { a.value < b.value }

    /// Exactly two decimals: `"66.67"`, `"80.00"`, `"0.05"`, `"-5.00"`. This is the text a JSON
    /// encoder should write as the number (it is valid JSON number syntax).
    public var description: String {
        let sign = value < 0 ? "-" : ""
        let m = value.magnitude
        let frac = m % 100
        return "\(sign)\(m / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// The nearest `Double`, for JSON encoders that only take floating point; printing it with
    /// two decimals gives back `description`.
    public var doubleValue: Double { Double(value) / 100 }

    /// Rounds `numerator / denominator` half-up (ties away from zero for the non-negative values
    /// used here): 2.5 → 3, 2.4999 → 2. Negative numerators round half away from zero too, so the
    /// function is symmetric.
    /// - Precondition: `denominator > 0`.
    public static func roundHalfUp(_ numerator: Int64, _ denominator: Int64) -> Int64 {
        precondition(denominator > 0, "denominator must be positive")
        let q = numerator.magnitude / denominator.magnitude
        let r = numerator.magnitude % denominator.magnitude
        let rounded = Int64(q) + (2 * r >= denominator.magnitude ? 1 : 0)
        return numerator < 0 ? -rounded : rounded
    }
}
