/// JSON paths for error `field`s, and the validation helpers params types use.
///
/// Paths come from `codingPath`, so they work in any `init(from:)` without the type knowing
/// where it sits: a `Qualification` validating `validUntil` reports
/// `qualifications[1].validUntil` when it is the second element of `qualifications`.
public enum FieldPath {
    /// `a.b[2].c`; keys that are not identifiers are written as `["key"]`.
    public static func format(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = indexOf(key) {
                out += "[\(i)]"
            } else if isIdentifier(key.stringValue) {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            } else {
                out += "[" + JSONValue.string(key.stringValue).jsonString + "]"
            }
        }
        return out
    }

    /// Joins a path with a relative one (`"items[0]"` + `"name"` → `"items[0].name"`).
    public static func join(_ base: String, _ relative: String?) -> String {
        guard let relative, !relative.isEmpty else { return base }
        if base.isEmpty { return relative }
        return relative.hasPrefix("[") ? base + relative : base + "." + relative
    }

    static func indexOf(_ key: any CodingKey) -> Int? {
        if let k = key as? JSONIndexKey { return k.intValue }
        // Other decoders' array keys (Foundation spells them "Index N").
        if let i = key.intValue, key.stringValue == "Index \(i)" { return i }
        return nil
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return s.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$")
        }
    }
}

/// The key of an array element; distinct type so paths print `[i]`, not `.i`.
public struct JSONIndexKey: CodingKey, Sendable {
    public let intValue: Int?
    public var stringValue: String { "\(intValue!)" }
    public init(intValue: Int) { self.intValue = intValue }
    public init?(stringValue: String) { return nil }
}

extension CodingUserInfoKey {
    /// Set (to `true`) while the OpenRPC schema probe drives an `init(from:)`.
    public static let rpcSchemaProbe = CodingUserInfoKey(rawValue: "imarket.rpcSchemaProbe")!
}

extension Decoder {
    /// Where this value sits in the params, e.g. `qualifications[1]` (empty at the top level).
    public var fieldPath: String { FieldPath.format(codingPath) }

    /// True while the schema generator probes the type with placeholder values. Validation
    /// must not fail then, or the schema of everything after it is lost; `require` handles this.
    public var isSchemaProbe: Bool { userInfo[.rpcSchemaProbe] as? Bool == true }

    /// A -32602 error whose `field` is this value's path plus `field` (relative, optional).
    /// Usage: `throw decoder.invalid("out_of_range", "must be 1–200", field: "limit")`.
    public func invalid(_ reason: String, _ message: String = "Invalid params", field: String? = nil) -> RPCError {
        let path = FieldPath.join(fieldPath, field)
        return .invalidParams(reason: reason, field: path.isEmpty ? nil : path, message: message)
    }

    /// Throws `invalid(reason, message, field:)` unless `condition` holds. Skipped during schema
    /// probing, so prefer it over a bare `throw` for value checks inside `init(from:)`.
    public func require(
        _ condition: @autoclosure () -> Bool, _ reason: String, _ message: String = "Invalid params", field: String? = nil
    ) throws(RPCError) {
        if isSchemaProbe || condition() { return }
        throw invalid(reason, message, field: field)
    }

    /// Like `invalid`, but with any error code (e.g. -32022 `invalid_credit_code`) and this
    /// value's path as `field`.
    public func error(_ base: RPCError, field: String? = nil) -> RPCError {
        var e = base
        let path = FieldPath.join(fieldPath, field ?? e.field)
        e.field = path.isEmpty ? nil : path
        return e
    }
}
