/// Containers of `JSONStreamEncoder`. Each knows its position among the open containers; a
/// member or element first makes it the innermost one again (closing what an earlier sibling
/// left open), then writes the separator, the key and the value.
struct JSONStreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONStreamSink
    let index: Int
    let id: Int
    let codingPath: [any CodingKey]

    private var level: Int { index + 1 }

    mutating func encodeNil(forKey key: Key) throws {
        try sink.beginMember(index, id, key: key.stringValue)
        sink.bytes.append(contentsOf: "null".utf8)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try sink.beginMember(index, id, key: key.stringValue)
        try sink.writeValue(value, level: level, path: codingPath + [key])
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try json(value.toJSON, key) }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try sink.beginMember(index, id, key: key.stringValue)
        try sink.writeString(value, level: level)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws { try json(value.toJSON, key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try json(value.toJSON, key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try integer(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try integer(value, key) }

    private func integer(_ value: some FixedWidthInteger, _ key: Key) throws {
        try sink.beginMember(index, id, key: key.stringValue)
        try sink.writeInteger(value, level: level)
    }

    private func json(_ value: JSONValue, _ key: Key) throws {
        try sink.beginMember(index, id, key: key.stringValue)
        try sink.writeJSON(value, level: level)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        if (try? sink.beginMember(index, id, key: key.stringValue)) == nil { sink.irregular = true }
        let (index, id) = sink.openContainer(level: level, isObject: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(sink: sink, index: index, id: id, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        if (try? sink.beginMember(index, id, key: key.stringValue)) == nil { sink.irregular = true }
        let (index, id) = sink.openContainer(level: level, isObject: false)
        return JSONStreamUnkeyedContainer(sink: sink, index: index, id: id, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { giveUp() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { giveUp() }

    private func giveUp() -> any Encoder {
        sink.irregular = true
        return JSONStreamValueEncoder(sink: sink, level: level, codingPath: codingPath)
    }
}

struct JSONStreamUnkeyedContainer: UnkeyedEncodingContainer {
    let sink: JSONStreamSink
    let index: Int
    let id: Int
    let codingPath: [any CodingKey]

    var count: Int { sink.count(index, id) }
    private var level: Int { index + 1 }

    mutating func encodeNil() throws {
        _ = try sink.beginElement(index, id)
        sink.bytes.append(contentsOf: "null".utf8)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let position = try sink.beginElement(index, id)
        try sink.writeValue(value, level: level, path: codingPath + [JSONIndexKey(intValue: position)])
    }
    mutating func encode(_ value: Bool) throws { try json(value.toJSON) }
    mutating func encode(_ value: String) throws {
        _ = try sink.beginElement(index, id)
        try sink.writeString(value, level: level)
    }
    mutating func encode(_ value: Double) throws { try json(value.toJSON) }
    mutating func encode(_ value: Float) throws { try json(value.toJSON) }
    mutating func encode(_ value: Int) throws { try integer(value) }
    mutating func encode(_ value: Int8) throws { try integer(value) }
    mutating func encode(_ value: Int16) throws { try integer(value) }
    mutating func encode(_ value: Int32) throws { try integer(value) }
    mutating func encode(_ value: Int64) throws { try integer(value) }
    mutating func encode(_ value: UInt) throws { try integer(value) }
    mutating func encode(_ value: UInt8) throws { try integer(value) }
    mutating func encode(_ value: UInt16) throws { try integer(value) }
    mutating func encode(_ value: UInt32) throws { try integer(value) }
    mutating func encode(_ value: UInt64) throws { try integer(value) }

    private func integer(_ value: some FixedWidthInteger) throws {
        _ = try sink.beginElement(index, id)
        try sink.writeInteger(value, level: level)
    }

    private func json(_ value: JSONValue) throws {
        _ = try sink.beginElement(index, id)
        try sink.writeJSON(value, level: level)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let position = (try? sink.beginElement(index, id)) ?? { sink.irregular = true; return 0 }()
        let (index, id) = sink.openContainer(level: level, isObject: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(
            sink: sink, index: index, id: id, codingPath: codingPath + [JSONIndexKey(intValue: position)]))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let position = (try? sink.beginElement(index, id)) ?? { sink.irregular = true; return 0 }()
        let (index, id) = sink.openContainer(level: level, isObject: false)
        return JSONStreamUnkeyedContainer(sink: sink, index: index, id: id, codingPath: codingPath + [JSONIndexKey(intValue: position)])
    }

    mutating func superEncoder() -> any Encoder {
        sink.irregular = true
        return JSONStreamValueEncoder(sink: sink, level: level, codingPath: codingPath)
    }
}

struct JSONStreamSingleValueContainer: SingleValueEncodingContainer {
    let encoder: JSONStreamValueEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    private var sink: JSONStreamSink { encoder.sink }

    mutating func encodeNil() throws { try sink.writeJSON(.null, level: encoder.claimSingleValue()) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try sink.writeValue(value, level: encoder.claimSingleValue(), path: encoder.codingPath)
    }
    mutating func encode(_ value: Bool) throws { try sink.writeJSON(value.toJSON, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: String) throws { try sink.writeString(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Double) throws { try sink.writeJSON(value.toJSON, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Float) throws { try sink.writeJSON(value.toJSON, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Int) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Int8) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Int16) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Int32) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: Int64) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: UInt) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: UInt8) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: UInt16) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: UInt32) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
    mutating func encode(_ value: UInt64) throws { try sink.writeInteger(value, level: encoder.claimSingleValue()) }
}
