/// Encodes `Encodable` values into a `JSONValue`, keeping members in the order they are encoded.
///
/// Optionals: the synthesized `encode(to:)` uses `encodeIfPresent`, which OMITS nil members.
/// Result types whose contract shows `null` fields (e.g. `nextCursor`) must either encode them
/// with `encode(_:forKey:)`/`encodeNil(forKey:)` or wrap them in `@NullEncodable`.
/// Non-finite floating point values become `null` (JSON has no spelling for them).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try EncoderImpl.box(value, path: []).resolve()
    }
}

/// Mutable tree built while encoding; containers hold references into it so nested containers
/// can be filled in any order, then `resolve()` freezes it into a `JSONValue`.
final class EncodingNode {
    enum Kind {
        case unset
        case value(JSONValue)
        case object(keys: [String], children: [EncodingNode])
        case array([EncodingNode])
    }

    var kind: Kind

    init(_ value: JSONValue) { kind = .value(value) }
    init(kind: Kind = .unset) { self.kind = kind }

    func makeObject() {
        if case .object = kind { return }
        kind = .object(keys: [], children: [])
    }

    func makeArray() {
        if case .array = kind { return }
        kind = .array([])
    }

    /// Re-encoding a key replaces the earlier value in place, keeping its position.
    func set(_ key: String, _ child: EncodingNode) {
        guard case .object(var keys, var children) = kind else { return }
        kind = .unset
        if let i = keys.firstIndex(of: key) {
            children[i] = child
        } else {
            keys.append(key)
            children.append(child)
        }
        kind = .object(keys: keys, children: children)
    }

    func append(_ child: EncodingNode) {
        guard case .array(var children) = kind else { return }
        kind = .unset
        children.append(child)
        kind = .array(children)
    }

    var count: Int {
        switch kind {
        case .array(let c): return c.count
        case .object(let k, _): return k.count
        default: return 0
        }
    }

    func resolve() -> JSONValue {
        switch kind {
        case .unset: return .object(JSONObject())
        case .value(let v): return v
        case .array(let c): return .array(c.map { $0.resolve() })
        case .object(let keys, let children):
            return .object(JSONObject(zip(keys, children).map { (key: $0, value: $1.resolve()) }))
        }
    }
}

final class EncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let node: EncodingNode
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(path: [any CodingKey], node: EncodingNode = EncodingNode()) {
        self.codingPath = path
        self.node = node
    }

    static func box<T: Encodable>(_ value: T, path: [any CodingKey]) throws -> EncodingNode {
        if let p = value as? any JSONPrimitive { return EncodingNode(p.toJSON) }
        let e = EncoderImpl(path: path)
        try value.encode(to: e)
        return e.node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueEncoder(node: node, codingPath: codingPath)
    }
}

struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, EncodingNode(.null)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(key.stringValue, try EncoderImpl.box(value, path: codingPath + [key]))
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, EncodingNode(value.toJSON)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode(kind: .object(keys: [], children: []))
        node.set(key.stringValue, child)
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingNode(kind: .array([]))
        node.set(key.stringValue, child)
        return UnkeyedEncoder(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: "super", codingKey: AnyKey("super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key.stringValue, codingKey: key) }

    private func superEncoder(key: String, codingKey: any CodingKey) -> any Encoder {
        let child = EncodingNode()
        node.set(key, child)
        return EncoderImpl(path: codingPath + [codingKey], node: child)
    }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private var nextPath: [any CodingKey] { codingPath + [JSONIndexKey(intValue: count)] }

    mutating func encodeNil() throws { node.append(EncodingNode(.null)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.append(try EncoderImpl.box(value, path: nextPath)) }
    mutating func encode(_ value: Bool) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: String) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Double) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Float) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int8) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int16) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int32) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: Int64) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt8) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt16) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt32) throws { node.append(EncodingNode(value.toJSON)) }
    mutating func encode(_ value: UInt64) throws { node.append(EncodingNode(value.toJSON)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let child = EncodingNode(kind: .object(keys: [], children: []))
        node.append(child)
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = EncodingNode(kind: .array([]))
        node.append(child)
        return UnkeyedEncoder(node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        let child = EncodingNode()
        node.append(child)
        return EncoderImpl(path: path, node: child)
    }
}

struct SingleValueEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.kind = try EncoderImpl.box(value, path: codingPath).kind
    }
    mutating func encode(_ value: Bool) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: String) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Double) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Float) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Int) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Int8) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Int16) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Int32) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: Int64) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: UInt) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: UInt8) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: UInt16) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: UInt32) throws { node.kind = .value(value.toJSON) }
    mutating func encode(_ value: UInt64) throws { node.kind = .value(value.toJSON) }
}
