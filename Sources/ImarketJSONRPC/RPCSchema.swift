/// Lets a type state its own JSON Schema when probing its `init(from:)` cannot discover it
/// (custom formats, patterns, ranges, value-dependent decoding). The declared schema always wins
/// over probing.
///
/// ```swift
/// struct CreditCode: Codable, RPCSchemaProviding {
///     static var rpcSchema: JSONValue { ["type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$"] }
///     static var rpcSchemaSample: CreditCode? { CreditCode(raw: "91350100M000100Y43") }
/// }
/// ```
public protocol RPCSchemaProviding {
    static var rpcSchema: JSONValue { get }
    /// A value handed to the enclosing type's `init(from:)` while it is probed. When nil, the
    /// probe constructs one through `init(from:)` with placeholder input, which works when the
    /// type's checks use `decoder.require` (skipped while probing).
    static var rpcSchemaSample: Self? { get }
}

extension RPCSchemaProviding {
    public static var rpcSchemaSample: Self? { nil }
}

/// Schema helpers shared by the probe and OpenRPC generation.
enum SchemaBuilder {
    /// Lets `null` through as well: optional members accept `null` (the decoder treats it like
    /// absence), and `@NullEncodable` results emit it.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        guard case .object(var o) = schema, !o.isEmpty else { return schema }
        if case .string(let t)? = o["type"] {
            o["type"] = [.string(t), "null"]
            if case .array(var values)? = o["enum"], !values.contains(.null) {
                values.append(.null)
                o["enum"] = .array(values)
            }
            return .object(o)
        }
        if case .array(let types)? = o["type"] {
            if !types.contains("null") { o["type"] = .array(types + ["null"]) }
            return .object(o)
        }
        return ["anyOf": [schema, ["type": "null"]]]
    }

    /// `CaseIterable & RawRepresentable` enums with String or integer raw values describe
    /// themselves; the first case doubles as the probe sample.
    static func enumSchema<T>(_ type: T.Type) -> (schema: JSONValue, sample: T)? {
        guard let iterable = type as? any CaseIterable.Type else { return nil }
        guard let (values, first) = rawValues(of: iterable), let sample = first as? T else { return nil }
        let type: JSONValue = values.allSatisfy { $0.stringValue != nil } ? "string" : "integer"
        return (["type": type, "enum": .array(values)], sample)
    }

    private static func rawValues<E: CaseIterable>(of type: E.Type) -> ([JSONValue], Any)? {
        var values: [JSONValue] = []
        var first: Any? = nil
        for c in type.allCases {
            guard let r = c as? any RawRepresentable else { return nil }
            switch rawValue(r) {
            case let s as String: values.append(.string(s))
            case let i as Int: values.append(.number(JSONNumber(i)))
            default: return nil
            }
            if first == nil { first = c }
        }
        guard let first else { return nil }
        return (values, first)
    }

    private static func rawValue<R: RawRepresentable>(_ r: R) -> Any { r.rawValue }
}
