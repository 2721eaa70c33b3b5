/// A result that writes its own JSON object member by member, for the stream encoder, instead of
/// going through `Encodable`'s keyed containers.
///
/// Why: for a result returned on a hot path, the containers cost more than the bytes. A demand
/// (26 members) took about 15% of `demand.get`'s server CPU through `Encodable`, each member
/// passing a type-erased container box and a generic dispatch. The `Encodable` conformance stays
/// the reference: the tree encoder (`JSONValueEncoder`) still uses it, and a conforming type's
/// tests compare both byte for byte, so `writeMembers` must write the same members in the same
/// order (the declaration order of a synthesized conformance).
public protocol JSONObjectWritable: Encodable {
    func writeMembers(to object: inout JSONObjectWriter) throws
}

/// Writes the members of one JSON object. Optional members are written as `null` when nil, as
/// `NullEncodable` does; a member that the `Encodable` conformance leaves out when nil must be
/// left out by the caller too.
public struct JSONObjectWriter {
    @usableFromInline var bytes: [UInt8]
    @usableFromInline var isEmpty = true

    @usableFromInline
    init(bytes: [UInt8]) { self.bytes = bytes }

    public mutating func member(_ key: StaticString, _ value: String) {
        writeKey(key)
        JSONValue.writeString(value, into: &bytes)
    }

    public mutating func member(_ key: StaticString, _ value: String?) {
        guard let value else { return writeNull(key) }
        member(key, value)
    }

    @inlinable
    public mutating func member(_ key: StaticString, _ value: some FixedWidthInteger) {
        writeKey(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    @inlinable
    public mutating func member(_ key: StaticString, _ value: (some FixedWidthInteger)?) {
        guard let value else { return writeNull(key) }
        member(key, value)
    }

    public mutating func member(_ key: StaticString, _ value: JSONValue) {
        writeKey(key)
        value.serialize(into: &bytes)
    }

    /// A member that writes its own object too (nil as `null`), without the stream encoder's
    /// set-up and its dynamic casts. The generic members are inlinable so that the caller's
    /// module specializes them: unspecialized, each call looked up generic metadata (an
    /// optional's, an array's iterator's) at run time.
    @inlinable
    public mutating func member(_ key: StaticString, _ value: (some JSONObjectWritable)?) throws {
        guard let value else { return writeNull(key) }
        writeKey(key)
        try Self.write(value, into: &bytes)
    }

    /// An array of such objects.
    @inlinable
    public mutating func member(_ key: StaticString, _ values: [some JSONObjectWritable]) throws {
        writeKey(key)
        bytes.append(UInt8(ascii: "["))
        var first = true
        for value in values {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            try Self.write(value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// Any other member, through the stream encoder (nil as `null`).
    public mutating func member<T: Encodable>(_ key: StaticString, encoding value: T?) throws {
        guard let value else { return writeNull(key) }
        writeKey(key)
        bytes += try JSONStreamEncoder.encode(value)
    }

    @usableFromInline
    mutating func writeNull(_ key: StaticString) {
        writeKey(key)
        bytes.append(contentsOf: "null".utf8)
    }

    /// Keys are the type's own literal member names; they are written as they are, so one that
    /// would need escaping is a programming error.
    @usableFromInline
    mutating func writeKey(_ key: StaticString) {
        if !isEmpty { bytes.append(UInt8(ascii: ",")) }
        isEmpty = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { utf8 in
            assert(!utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }, "key needs escaping")
            bytes.append(contentsOf: utf8)
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// `{` + the members + `}` appended to `bytes`.
    @usableFromInline
    static func write(_ value: some JSONObjectWritable, into bytes: inout [UInt8]) throws {
        var writer = JSONObjectWriter(bytes: [])
        swap(&writer.bytes, &bytes)
        defer { swap(&writer.bytes, &bytes) }
        writer.bytes.append(UInt8(ascii: "{"))
        try value.writeMembers(to: &writer)
        writer.bytes.append(UInt8(ascii: "}"))
    }
}
