/// Encodes `Encodable` values into a `JSONValue`, keeping members in the order they are encoded.
///
/// Optionals: the synthesized `encode(to:)` uses `encodeIfPresent`, which OMITS nil members.
/// Result types whose contract shows `null` fields (e.g. `nextCursor`) must either encode them
/// with `encode(_:forKey:)`/`encodeNil(forKey:)` or wrap them in `@NullEncodable`.
/// Non-finite floating point values become `null` (JSON has no spelling for them).
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try EncoderImpl.slot(value, path: []).resolve()
    }
}

/// Mutable tree built while encoding; containers hold references into it so nested containers
/// can be filled in any order, then `resolve()` freezes it into a `JSONValue`. Scalars are
/// stored inline (`Slot.value`), so only containers cost a node: results are encoded on every
/// call, and most of their members are strings and numbers.
final class EncodingNode {
    enum Slot {
        case value(JSONValue)
        case node(EncodingNode)

        func resolve() -> JSONValue {
            switch self {
            case .value(let v): return v
            case .node(let n): return n.resolve()
            }
        }
    }

    enum Kind {
        case unset
        case value(JSONValue)
        case object(keys: [String], children: [Slot])
        case array([Slot])
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
    func set(_ key: String, _ child: Slot) {
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

    func append(_ child: Slot) {
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
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(keys.count)
            for i in keys.indices { members.append((key: keys[i], value: children[i].resolve())) }
            return .object(JSONObject(members))
        }
    }
}

/// Wrappers the encoder can place without an `Encoder` of their own (`NullEncodable`); nil
/// means "encode me the usual way".
protocol JSONDirectEncodable {
    var directJSON: JSONValue? { get }
}

final class EncoderImpl: Encoder {
    let codingPath: [any CodingKey]
    let node: EncodingNode
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(path: [any CodingKey], node: EncodingNode = EncodingNode()) {
        self.codingPath = path
        self.node = node
    }

    /// A value, a member or an element: scalars inline; the coding path is only built for values that
    /// encode themselves (it exists for their error messages).
    static func slot<T: Encodable>(_ value: T, path: @autoclosure () -> [any CodingKey]) throws -> EncodingNode.Slot {
        if let p = value as? any JSONPrimitive { return .value(p.toJSON) }
        if let d = value as? any JSONDirectEncodable, let v = d.directJSON { return .value(v) }
        let e = EncoderImpl(path: path())
        try value.encode(to: e)
        if case .value(let v) = e.node.kind { return .value(v) }
        return .node(e.node)
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

    mutating func encodeNil(forKey key: Key) throws { node.set(key.stringValue, .value(.null)) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(key.stringValue, try EncoderImpl.slot(value, path: codingPath + [key]))
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { node.set(key.stringValue, .value(value.toJSON)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode(kind: .object(keys: [], children: []))
        node.set(key.stringValue, .node(child))
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = EncodingNode(kind: .array([]))
        node.set(key.stringValue, .node(child))
        return UnkeyedEncoder(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { superEncoder(key: "super", codingKey: AnyKey("super")) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key.stringValue, codingKey: key) }

    private func superEncoder(key: String, codingKey: any CodingKey) -> any Encoder {
        let child = EncodingNode()
        node.set(key, .node(child))
        return EncoderImpl(path: codingPath + [codingKey], node: child)
    }
}

struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private var nextPath: [any CodingKey] { codingPath + [JSONIndexKey(intValue: count)] }

    mutating func encodeNil() throws { node.append(.value(.null)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.append(try EncoderImpl.slot(value, path: nextPath)) }
    mutating func encode(_ value: Bool) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: String) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Double) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Float) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Int) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Int8) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Int16) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Int32) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: Int64) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: UInt) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: UInt8) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: UInt16) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: UInt32) throws { node.append(.value(value.toJSON)) }
    mutating func encode(_ value: UInt64) throws { node.append(.value(value.toJSON)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath
        let child = EncodingNode(kind: .object(keys: [], children: []))
        node.append(.node(child))
        return KeyedEncodingContainer(KeyedEncoder<NestedKey>(node: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath
        let child = EncodingNode(kind: .array([]))
        node.append(.node(child))
        return UnkeyedEncoder(node: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath
        let child = EncodingNode()
        node.append(.node(child))
        return EncoderImpl(path: path, node: child)
    }
}

struct SingleValueEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        switch try EncoderImpl.slot(value, path: codingPath) {
        case .value(let v): node.kind = .value(v)
        case .node(let n): node.kind = n.kind
        }
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
