/// Scalar types the decoder, encoder and schema probe handle directly instead of going through
/// `init(from:)`: faster on the hot path, and the place where the API's type rules live
/// (integers only from integer literals, booleans only from `true`/`false`).
protocol JSONPrimitive {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> Self
    var toJSON: JSONValue { get }
    static var jsonSchema: JSONValue { get }
    /// A value the schema probe hands to `init(from:)` implementations.
    static var probeSample: Self { get }
}

enum JSONTypeError {
    static func make(expected: String, got value: JSONValue, path: [any CodingKey]) -> RPCError {
        let field = FieldPath.format(path)
        return .invalidParams(reason: "invalid_type", field: field.isEmpty ? nil : field,
                              message: "expected \(expected), got \(value.typeName)")
    }
}

extension String: JSONPrimitive {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> String {
        guard case .string(let s) = value else { throw JSONTypeError.make(expected: "string", got: value, path: path) }
        return s
    }
    var toJSON: JSONValue { .string(self) }
    static var jsonSchema: JSONValue { ["type": "string"] }
    static var probeSample: String { "" }
}

extension Bool: JSONPrimitive {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> Bool {
        guard case .bool(let b) = value else { throw JSONTypeError.make(expected: "boolean", got: value, path: path) }
        return b
    }
    var toJSON: JSONValue { .bool(self) }
    static var jsonSchema: JSONValue { ["type": "boolean"] }
    static var probeSample: Bool { false }
}

extension JSONValue: JSONPrimitive {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> JSONValue { value }
    var toJSON: JSONValue { self }
    /// Any JSON value.
    static var jsonSchema: JSONValue { .object(JSONObject()) }
    static var probeSample: JSONValue { .null }
}

/// Integers accept only plain integer literals; a literal that does not fit the Swift type is
/// `out_of_range` rather than `invalid_type`, since the client did send an integer.
protocol JSONInteger: JSONPrimitive, FixedWidthInteger {}

extension JSONInteger {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> Self {
        guard case .number(let n) = value, n.isIntegerLiteral else {
            throw JSONTypeError.make(expected: "integer", got: value, path: path)
        }
        if let i = n.int64Value, let x = Self(exactly: i) { return x }
        if let u = n.uint64Value, let x = Self(exactly: u) { return x }
        let field = FieldPath.format(path)
        throw .invalidParams(reason: "out_of_range", field: field.isEmpty ? nil : field,
                             message: "integer out of range \(Self.min)...\(Self.max)")
    }
    var toJSON: JSONValue {
        if let i = Int64(exactly: self) { return .number(JSONNumber(i)) }
        return .number(JSONNumber(validatedText: String(self), isIntegerLiteral: true, int64Value: nil))
    }
    static var jsonSchema: JSONValue {
        Self.isSigned ? ["type": "integer"] : ["type": "integer", "minimum": 0]
    }
    static var probeSample: Self { 1 }
}

extension Int: JSONInteger {}
extension Int8: JSONInteger {}
extension Int16: JSONInteger {}
extension Int32: JSONInteger {}
extension Int64: JSONInteger {}
extension UInt: JSONInteger {}
extension UInt8: JSONInteger {}
extension UInt16: JSONInteger {}
extension UInt32: JSONInteger {}
extension UInt64: JSONInteger {}

/// Floating point accepts any number literal; values beyond the type's range are rejected
/// instead of silently becoming infinity. Encoding a non-finite value yields `null`.
protocol JSONFloat: JSONPrimitive, BinaryFloatingPoint, LosslessStringConvertible {}

extension JSONFloat {
    static func fromJSON(_ value: JSONValue, path: [any CodingKey]) throws(RPCError) -> Self {
        guard case .number(let n) = value else { throw JSONTypeError.make(expected: "number", got: value, path: path) }
        guard let x = Self(n.text), x.isFinite else {
            let field = FieldPath.format(path)
            throw .invalidParams(reason: "out_of_range", field: field.isEmpty ? nil : field, message: "number out of range")
        }
        return x
    }
    var toJSON: JSONValue {
        guard isFinite else { return .null }
        return .number(JSONNumber(Double(self)))
    }
    static var jsonSchema: JSONValue { ["type": "number"] }
    static var probeSample: Self { 1 }
}

extension Double: JSONFloat {}
extension Float: JSONFloat {}
