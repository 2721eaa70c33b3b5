import Foundation

/// The kinds of rule and their ranges (API.md section 12). The contract fixes the lower bounds
/// (seconds ≥ 1, days ≥ 0, `minBidders` 1–20, permille 0–1000, amounts as money); the upper
/// bounds it leaves open are chosen here so that date arithmetic can never overflow and so that a
/// typo (an extra digit or three) is caught rather than silently switching a control off:
/// - seconds: 1 … 315 360 000 (ten years of 365 days);
/// - days: 0 … 36 500 (a hundred years);
/// - counts: per rule (see `RuleDefinition.all`);
/// - permille: 0 … 1000;
/// - money: 0 … 10^13 fen;
/// - score: 0 … 100 (a credit score threshold);
/// - economic codes: a list of at most 100 distinct 5-digit codes (may be empty: no payment is
///   then treated as intermediary by its economic code alone);
/// - time zone: an IANA name Foundation knows (`Asia/Shanghai`), not an abbreviation or offset.
public enum RuleKind: Hashable, Sendable {
    case seconds
    case days
    case count(ClosedRange<Int64>)
    case permille
    case money
    case score
    case economicCodes
    case timeZone

    public static let maxSeconds: Int64 = 315_360_000
    public static let maxDays: Int64 = 36_500
    public static let maxEconomicCodes = 100

    /// The integer range of an integer kind; nil for string kinds.
    public var integerRange: ClosedRange<Int64>? {
        switch self {
        case .seconds: return 1...RuleKind.maxSeconds
        case .days: return 0...RuleKind.maxDays
        case .count(let r): return r
        case .permille: return 0...1000
        case .money: return Money.range
        case .score: return 0...100
        case .economicCodes, .timeZone: return nil
        }
    }

    /// Checks `value` for the rule `name`, returning it unchanged when acceptable.
    public func validate(_ value: RuleValue, name: String) throws(RuleError) -> RuleValue {
        if let range = integerRange {
            guard let v = value.integerValue else { throw .wrongType(name) }
            guard range.contains(v) else {
                throw .outOfRange(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        switch self {
        case .economicCodes:
            guard let list = value.stringListValue else { throw .wrongType(name) }
            guard list.count <= RuleKind.maxEconomicCodes else {
                throw .outOfRange(name, "at most \(RuleKind.maxEconomicCodes) codes")
            }
            if let bad = list.first(where: { !EconomicCode.validate($0) }) {
                throw .outOfRange(name, "\"\(bad)\" is not a 5-digit economic classification code")
            }
            guard Set(list).count == list.count else { throw .outOfRange(name, "codes must be distinct") }
            return value
        case .timeZone:
            guard let id = value.stringValue else { throw .wrongType(name) }
            guard RuleKind.isIANATimeZone(id) else {
                throw .outOfRange(name, "\"\(id)\" is not an IANA time zone name such as Asia/Shanghai")
            }
            return value
        default:
            return value
        }
    }

    /// True iff `id` names a zone in the IANA database known to Foundation. `TimeZone(identifier:)`
    /// also accepts some abbreviations (e.g. "GMT"); requiring membership in `knownTimeZoneIdentifiers`
    /// keeps to real zone names, plus "UTC" which every tz database has.
    static func isIANATimeZone(_ id: String) -> Bool {
        guard !id.isEmpty, TimeZone(identifier: id) != nil else { return false }
        return id == "UTC" || TimeZone.knownTimeZoneIdentifiers.contains(id)
    }
}

/// One rule: its name (fixed by the contract), kind (which gives its range) and default.
public struct RuleDefinition: Hashable, Sendable {
    public let name: String
    public let kind: RuleKind
    public let defaultValue: RuleValue

    public init(name: String, kind: RuleKind, defaultValue: RuleValue) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
    }

    /// Every rule of API.md section 12, in the contract's order, with its default.
    ///
    /// Count ranges the contract leaves open:
    /// - `concentrationMinAwards` 1 … 10 000: at least one award is needed for a share to mean
    ///   anything;
    /// - `failedAuthPerMinute`, `registrationsPerMinute` 1 … 1 000 000: zero would lock every
    ///   client out, which is an outage, not a rate limit.
    public static let all: [RuleDefinition] = [
        .init(name: "minBiddingWindowSeconds", kind: .seconds, defaultValue: .integer(259_200)),
        .init(name: "publicityPeriodSeconds", kind: .seconds, defaultValue: .integer(259_200)),
        .init(name: "minBidders", kind: .count(1...20), defaultValue: .integer(3)),
        .init(name: "directSelectionMaxFen", kind: .money, defaultValue: .integer(10_000_000)),
        .init(name: "contractDeadlineDays", kind: .days, defaultValue: .integer(30)),
        .init(name: "evaluationDeadlineDays", kind: .days, defaultValue: .integer(30)),
        .init(name: "creditSuspendBelow", kind: .score, defaultValue: .integer(60)),
        .init(name: "offPlatformMinFen", kind: .money, defaultValue: .integer(0)),
        .init(name: "intermediaryEconomicCodes", kind: .economicCodes, defaultValue: .stringList(["30227"])),
        .init(name: "splitWindowDays", kind: .days, defaultValue: .integer(90)),
        .init(name: "splitThresholdFen", kind: .money, defaultValue: .integer(10_000_000)),
        .init(name: "shortWindowSeconds", kind: .seconds, defaultValue: .integer(432_000)),
        .init(name: "priceAtCapPermille", kind: .permille, defaultValue: .integer(980)),
        .init(name: "concentrationMinAwards", kind: .count(1...10_000), defaultValue: .integer(4)),
        .init(name: "concentrationPermille", kind: .permille, defaultValue: .integer(500)),
        .init(name: "directSharePermille", kind: .permille, defaultValue: .integer(300)),
        .init(name: "failedAuthPerMinute", kind: .count(1...1_000_000), defaultValue: .integer(20)),
        .init(name: "registrationsPerMinute", kind: .count(1...1_000_000), defaultValue: .integer(10)),
        .init(name: "timeZone", kind: .timeZone, defaultValue: .string("Asia/Shanghai")),
    ]

    /// Lookup by name.
    public static let byName: [String: RuleDefinition] =
        Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The names in the contract's order (for stable output).
    public static var names: [String] { all.map(\.name) }
}
