/// Decodes `Decodable` types from a `JSONValue` with the API's strict params rules.
///
/// Differences from Foundation's JSONDecoder, all on purpose:
/// - unknown object members are errors (`unknown_member`), checked after `init(from:)` returns,
///   for every keyed container the type opened (nested ones included);
/// - errors are `RPCError` -32602 with `field` as a JSON path and reasons `missing_field`,
///   `invalid_type`, `out_of_range`, `unknown_member`, or `invalid_value` (a `DecodingError`
///   thrown by the type itself, e.g. an unknown enum raw value);
/// - integers only from integer literals (see `JSONNumber.int64Value`);
/// - `decodeIfPresent` returns nil for both absent and `null`. To tell them apart decode the
///   member as `JSONValue`, or use `JSONNullable<T>`, or `contains(_:)` + `decodeNil(forKey:)`.
public struct JSONValueDecoder: Sendable {
    public init() {}

    /// Throws `RPCError` for every decoding problem; other errors thrown by a type's
    /// `init(from:)` pass through unchanged (the engine reports those as internal errors).
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        do {
            return try DecoderImpl.unbox(type, from: value, path: [], userInfo: [:])
        } catch let error as DecodingError {
            throw Self.rpcError(for: error)
        }
    }

    static func rpcError(for error: DecodingError) -> RPCError {
        func field(_ path: [any CodingKey]) -> String? {
            let f = FieldPath.format(path)
            return f.isEmpty ? nil : f
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            return .invalidParams(reason: "missing_field", field: field(ctx.codingPath + [key]), message: "missing required member")
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            return .invalidParams(reason: "invalid_type", field: field(ctx.codingPath), message: ctx.debugDescription)
        case .dataCorrupted(let ctx):
            return .invalidParams(reason: "invalid_value", field: field(ctx.codingPath), message: ctx.debugDescription)
        @unknown default:
            return .invalidParams(reason: "invalid_value", message: "invalid value")
        }
    }
}

/// Records which members of one object were asked for, so leftovers can be reported.
final class MemberTracker {
    let object: JSONObject
    let path: [any CodingKey]
    var used: [Bool]

    init(object: JSONObject, path: [any CodingKey]) {
        self.object = object
        self.path = path
        self.used = Array(repeating: false, count: object.count)
    }

    /// Marks `key` as known and returns its value, if present.
    func take(_ key: String) -> JSONValue? {
        var found: JSONValue? = nil
        for (i, m) in object.members.enumerated() where m.key == key {
            used[i] = true
            if found == nil { found = m.value }
        }
        return found
    }

    func firstUnknown() -> String? {
        for (i, u) in used.enumerated() where !u { return object.members[i].key }
        return nil
    }
}

final class DecoderImpl: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]
    var trackers: [MemberTracker] = []

    init(value: JSONValue, path: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.codingPath = path
        self.userInfo = userInfo
    }

    static func unbox<T: Decodable>(
        _ type: T.Type, from value: JSONValue, path: [any CodingKey], userInfo: [CodingUserInfoKey: Any]
    ) throws -> T {
        if let p = T.self as? any JSONPrimitive.Type {
            return try p.fromJSON(value, path: path) as! T
        }
        let decoder = DecoderImpl(value: value, path: path, userInfo: userInfo)
        let result = try T(from: decoder)
        try decoder.checkUnknownMembers()
        return result
    }

    func checkUnknownMembers() throws(RPCError) {
        for t in trackers {
            if let key = t.firstUnknown() {
                throw .invalidParams(reason: "unknown_member", field: FieldPath.format(t.path + [AnyKey(key)]),
                                     message: "unknown member '\(key)'")
            }
        }
    }

    func objectTracker(for value: JSONValue, path: [any CodingKey]) throws(RPCError) -> MemberTracker {
        guard case .object(let o) = value else { throw JSONTypeError.make(expected: "object", got: value, path: path) }
        let t = MemberTracker(object: o, path: path)
        trackers.append(t)
        return t
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedContainer<Key>(impl: self, tracker: try objectTracker(for: value, path: codingPath), codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let a) = value else { throw JSONTypeError.make(expected: "array", got: value, path: codingPath) }
        return UnkeyedContainer(impl: self, elements: a, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(impl: self)
    }
}

/// A plain string key for paths built from member names.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
