/// The three container kinds of `DecoderImpl`. Every typed overload funnels into one generic
/// path so the type rules live in `JSONPrimitive` only.

struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let impl: DecoderImpl
    let tracker: MemberTracker
    let codingPath: [any CodingKey]

    var allKeys: [Key] { tracker.object.members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { tracker.take(key.stringValue) != nil }

    private func require(_ key: Key) throws(RPCError) -> JSONValue {
        guard let v = tracker.take(key.stringValue) else {
            throw .invalidParams(reason: "missing_field", field: FieldPath.format(codingPath + [key]), message: "missing required member")
        }
        return v
    }

    /// Absent counts as null here, so hand-written `decodeIfPresent` equivalents behave.
    func decodeNil(forKey key: Key) throws -> Bool {
        switch tracker.take(key.stringValue) {
        case nil, .null?: return true
        default: return false
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        try DecoderImpl.unbox(type, from: try require(key), path: codingPath + [key], userInfo: impl.userInfo)
    }

    private func decodeIfPresent<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let v = tracker.take(key.stringValue), v != .null else { return nil }
        return try DecoderImpl.unbox(type, from: v, path: codingPath + [key], userInfo: impl.userInfo)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decode(type, key) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try decodeIfPresent(type, key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(type as Bool.Type, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(type as String.Type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(type as Double.Type, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(type as Float.Type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(type as Int.Type, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(type as Int8.Type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(type as Int16.Type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(type as Int32.Type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(type as Int64.Type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(type as UInt.Type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(type as UInt8.Type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(type as UInt16.Type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(type as UInt32.Type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(type as UInt64.Type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try decodeIfPresent(type as Bool.Type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try decodeIfPresent(type as String.Type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try decodeIfPresent(type as Double.Type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try decodeIfPresent(type as Float.Type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try decodeIfPresent(type as Int.Type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try decodeIfPresent(type as Int8.Type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try decodeIfPresent(type as Int16.Type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try decodeIfPresent(type as Int32.Type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try decodeIfPresent(type as Int64.Type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try decodeIfPresent(type as UInt.Type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try decodeIfPresent(type as UInt8.Type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try decodeIfPresent(type as UInt16.Type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try decodeIfPresent(type as UInt32.Type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try decodeIfPresent(type as UInt64.Type, key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let path = codingPath + [key]
        let t = try impl.objectTracker(for: try require(key), path: path)
        return KeyedDecodingContainer(KeyedContainer<NestedKey>(impl: impl, tracker: t, codingPath: path))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let v = try require(key)
        guard case .array(let a) = v else { throw JSONTypeError.make(expected: "array", got: v, path: codingPath + [key]) }
        return UnkeyedContainer(impl: impl, elements: a, codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder {
        DecoderImpl(value: tracker.take("super") ?? .null, path: codingPath + [AnyKey("super")], userInfo: impl.userInfo)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        DecoderImpl(value: tracker.take(key.stringValue) ?? .null, path: codingPath + [key], userInfo: impl.userInfo)
    }
}

/// Elements left unread are not reported: `Array`'s own `init(from:)` reads them all, and a
/// hand-written positional decoder decides for itself.
struct UnkeyedContainer: UnkeyedDecodingContainer {
    let impl: DecoderImpl
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(impl: DecoderImpl, elements: [JSONValue], codingPath: [any CodingKey]) {
        self.impl = impl
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private var indexPath: [any CodingKey] { codingPath + [JSONIndexKey(intValue: currentIndex)] }

    private mutating func take() throws(RPCError) -> JSONValue {
        guard !isAtEnd else {
            throw .invalidParams(reason: "missing_field", field: FieldPath.format(indexPath), message: "missing array element")
        }
        defer { currentIndex += 1 }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        if !isAtEnd, elements[currentIndex] == .null {
            currentIndex += 1
            return true
        }
        return false
    }

    private mutating func next<T: Decodable>(_ type: T.Type) throws -> T {
        let path = indexPath
        return try DecoderImpl.unbox(type, from: try take(), path: path, userInfo: impl.userInfo)
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type) }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let path = indexPath
        let t = try impl.objectTracker(for: try take(), path: path)
        return KeyedDecodingContainer(KeyedContainer<NestedKey>(impl: impl, tracker: t, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let path = indexPath
        let v = try take()
        guard case .array(let a) = v else { throw JSONTypeError.make(expected: "array", got: v, path: path) }
        return UnkeyedContainer(impl: impl, elements: a, codingPath: path)
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = indexPath
        return DecoderImpl(value: try take(), path: path, userInfo: impl.userInfo)
    }
}

struct SingleValueContainer: SingleValueDecodingContainer {
    let impl: DecoderImpl
    var codingPath: [any CodingKey] { impl.codingPath }

    func decodeNil() -> Bool { impl.value == .null }

    private func decode<T: Decodable>(_ type: T.Type, at: ()) throws -> T {
        try DecoderImpl.unbox(type, from: impl.value, path: impl.codingPath, userInfo: impl.userInfo)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decode(type, at: ()) }
    func decode(_ type: Bool.Type) throws -> Bool { try decode(type as Bool.Type, at: ()) }
    func decode(_ type: String.Type) throws -> String { try decode(type as String.Type, at: ()) }
    func decode(_ type: Double.Type) throws -> Double { try decode(type as Double.Type, at: ()) }
    func decode(_ type: Float.Type) throws -> Float { try decode(type as Float.Type, at: ()) }
    func decode(_ type: Int.Type) throws -> Int { try decode(type as Int.Type, at: ()) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decode(type as Int8.Type, at: ()) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decode(type as Int16.Type, at: ()) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decode(type as Int32.Type, at: ()) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decode(type as Int64.Type, at: ()) }
    func decode(_ type: UInt.Type) throws -> UInt { try decode(type as UInt.Type, at: ()) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decode(type as UInt8.Type, at: ()) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decode(type as UInt16.Type, at: ()) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decode(type as UInt32.Type, at: ()) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decode(type as UInt64.Type, at: ()) }
}
