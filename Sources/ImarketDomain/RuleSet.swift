/// All rule values (API.md section 12) as typed properties, so that the rest of the server reads
/// `rules.minBidders` rather than looking strings up in a dictionary.
///
/// Values can only change through `applying(changes:)` or `init(dictionary:)`, which validate
/// every value against `RuleDefinition.all`; a `RuleSet` is therefore always within range.
/// Money rules are `Int64` fen; all other integer rules are `Int`.
public struct RuleSet: Hashable, Sendable {
    public private(set) var minBiddingWindowSeconds: Int
    public private(set) var publicityPeriodSeconds: Int
    public private(set) var minBidders: Int
    public private(set) var directSelectionMaxFen: Int64
    public private(set) var contractDeadlineDays: Int
    public private(set) var evaluationDeadlineDays: Int
    /// Whole credit points (0–100); an agency scoring strictly below is suspended.
    public private(set) var creditSuspendBelow: Int
    public private(set) var offPlatformMinFen: Int64
    public private(set) var intermediaryEconomicCodes: [String]
    public private(set) var splitWindowDays: Int
    public private(set) var splitThresholdFen: Int64
    public private(set) var shortWindowSeconds: Int
    public private(set) var priceAtCapPermille: Int
    public private(set) var concentrationMinAwards: Int
    public private(set) var concentrationPermille: Int
    public private(set) var directSharePermille: Int
    public private(set) var failedAuthPerMinute: Int
    public private(set) var registrationsPerMinute: Int
    /// IANA time zone name used for all date arithmetic.
    public private(set) var timeZone: String

    /// Placeholder values; only used to build `defaults` from the definition table, so that the
    /// defaults have exactly one source (`RuleDefinition.all`).
    private init() {
        minBiddingWindowSeconds = 0; publicityPeriodSeconds = 0; minBidders = 0
        directSelectionMaxFen = 0; contractDeadlineDays = 0; evaluationDeadlineDays = 0
        creditSuspendBelow = 0; offPlatformMinFen = 0; intermediaryEconomicCodes = []
        splitWindowDays = 0; splitThresholdFen = 0; shortWindowSeconds = 0; priceAtCapPermille = 0
        concentrationMinAwards = 0; concentrationPermille = 0; directSharePermille = 0
        failedAuthPerMinute = 0; registrationsPerMinute = 0; timeZone = ""
    }

    /// The contract's defaults.
    public static let defaults: RuleSet = {
        var rules = RuleSet()
        for definition in RuleDefinition.all {
            // The table's defaults are in range by construction; a failure here is a table bug
            // that `RuleSetTests` catches.
            try! rules.set(definition.name, definition.defaultValue)
        }
        return rules
    }()

    /// Rules from a stored dictionary (e.g. the database). Names that are absent keep their
    /// defaults — so a rule added in a later release needs no migration — but every present name
    /// must be known and valid.
    public init(dictionary: [String: RuleValue]) throws(RuleError) {
        self = try RuleSet.defaults.applying(changes: dictionary)
    }

    /// Every rule with its current value, keyed by name (the `rules.get` result).
    public var dictionary: [String: RuleValue] {
        var out: [String: RuleValue] = [:]
        for name in RuleDefinition.names { out[name] = value(of: name) }
        return out
    }

    /// `(name, value)` pairs in the contract's order, for stable JSON output.
    public var orderedValues: [(name: String, value: RuleValue)] {
        RuleDefinition.names.compactMap { name in value(of: name).map { (name, $0) } }
    }

    /// A copy with `changes` applied. All-or-nothing: every change is validated first, names in
    /// byte order, and the first problem is thrown, so a rejected `rules.set` changes nothing and
    /// always reports the same error for the same input.
    public func applying(changes: [String: RuleValue]) throws(RuleError) -> RuleSet {
        var copy = self
        for name in changes.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            try copy.set(name, changes[name]!)
        }
        return copy
    }

    /// The value of rule `name`, or nil when no such rule exists.
    public func value(of name: String) -> RuleValue? {
        switch name {
        case "minBiddingWindowSeconds": return .integer(Int64(minBiddingWindowSeconds))
        case "publicityPeriodSeconds": return .integer(Int64(publicityPeriodSeconds))
        case "minBidders": return .integer(Int64(minBidders))
        case "directSelectionMaxFen": return .integer(directSelectionMaxFen)
        case "contractDeadlineDays": return .integer(Int64(contractDeadlineDays))
        case "evaluationDeadlineDays": return .integer(Int64(evaluationDeadlineDays))
        case "creditSuspendBelow": return .integer(Int64(creditSuspendBelow))
        case "offPlatformMinFen": return .integer(offPlatformMinFen)
        case "intermediaryEconomicCodes": return .stringList(intermediaryEconomicCodes)
        case "splitWindowDays": return .integer(Int64(splitWindowDays))
        case "splitThresholdFen": return .integer(splitThresholdFen)
        case "shortWindowSeconds": return .integer(Int64(shortWindowSeconds))
        case "priceAtCapPermille": return .integer(Int64(priceAtCapPermille))
        case "concentrationMinAwards": return .integer(Int64(concentrationMinAwards))
        case "concentrationPermille": return .integer(Int64(concentrationPermille))
        case "directSharePermille": return .integer(Int64(directSharePermille))
        case "failedAuthPerMinute": return .integer(Int64(failedAuthPerMinute))
        case "registrationsPerMinute": return .integer(Int64(registrationsPerMinute))
        case "timeZone": return .string(timeZone)
        default: return nil
        }
    }

    /// Validates and stores one rule value.
    private mutating func set(_ name: String, _ raw: RuleValue) throws(RuleError) {
        guard let definition = RuleDefinition.byName[name] else { throw .unknownRule(name) }
        let value = try definition.kind.validate(raw, name: name)
        // Integer kinds are range-checked above (all ranges fit in Int on 64-bit platforms).
        let int = value.integerValue.map { Int($0) } ?? 0
        let money = value.integerValue ?? 0
        switch name {
        case "minBiddingWindowSeconds": minBiddingWindowSeconds = int
        case "publicityPeriodSeconds": publicityPeriodSeconds = int
        case "minBidders": minBidders = int
        case "directSelectionMaxFen": directSelectionMaxFen = money
        case "contractDeadlineDays": contractDeadlineDays = int
        case "evaluationDeadlineDays": evaluationDeadlineDays = int
        case "creditSuspendBelow": creditSuspendBelow = int
        case "offPlatformMinFen": offPlatformMinFen = money
        case "intermediaryEconomicCodes": intermediaryEconomicCodes = value.stringListValue ?? []
        case "splitWindowDays": splitWindowDays = int
        case "splitThresholdFen": splitThresholdFen = money
        case "shortWindowSeconds": shortWindowSeconds = int
        case "priceAtCapPermille": priceAtCapPermille = int
        case "concentrationMinAwards": concentrationMinAwards = int
        case "concentrationPermille": concentrationPermille = int
        case "directSharePermille": directSharePermille = int
        case "failedAuthPerMinute": failedAuthPerMinute = int
        case "registrationsPerMinute": registrationsPerMinute = int
        case "timeZone": timeZone = value.stringValue ?? ""
        default: throw .unknownRule(name)
        }
    }
}
