/// A rule value as it crosses the API (`rules.get` / `rules.set`, API.md section 12): the JSON
/// shapes a rule can take. Kept separate from the typed `RuleSet` so that the JSON-RPC layer can
/// convert JSON without knowing individual rules, and the domain can reject wrong shapes with a
/// precise error.
public enum RuleValue: Hashable, Sendable, CustomStringConvertible {
    /// A JSON integer (seconds, days, counts, permille, fen).
    case integer(Int64)
    /// A JSON string (the IANA time zone name).
    case string(String)
    /// A JSON array of strings (economic codes).
    case stringList([String])

    public var description: String {
        switch self {
        case .integer(let v): return String(v)
        case .string(let s): return "\"\(s)\""
        case .stringList(let l): return "[" + l.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        }
    }

    /// The integer, if this is `.integer`.
    public var integerValue: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    /// The list, if this is `.stringList`.
    public var stringListValue: [String]? {
        if case .stringList(let v) = self { return v }
        return nil
    }
}

/// Why a rule change was refused. All three map to JSON-RPC -32602 (invalid params) with
/// `field` = `changes.<name>`; `reason` gives the stable snake_case reason string.
public enum RuleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No rule of that name exists.
    case unknownRule(String)
    /// The value has the right JSON shape but is outside the rule's range; the message says
    /// what is allowed, for a person to read.
    case outOfRange(String, String)
    /// The value has the wrong JSON shape for the rule (e.g. a string for a count).
    case wrongType(String)

    /// The rule the error concerns.
    public var ruleName: String {
        switch self {
        case .unknownRule(let n), .outOfRange(let n, _), .wrongType(let n): return n
        }
    }

    /// Stable snake_case reason for the error's `data.reason`.
    public var reason: String {
        switch self {
        case .unknownRule: return "unknown_rule"
        case .outOfRange: return "out_of_range"
        case .wrongType: return "invalid_type"
        }
    }

    /// JSON path of the offending parameter, for the error's `data.field`.
    public var field: String { "changes.\(ruleName)" }

    public var description: String {
        switch self {
        case .unknownRule(let n): return "unknown rule \(n)"
        case .outOfRange(let n, let m): return "rule \(n) out of range: \(m)"
        case .wrongType(let n): return "rule \(n) has the wrong type"
        }
    }
}
