import Synchronization

/// Encodes `Encodable` results straight into JSON bytes: the same bytes as `JSONValueEncoder`
/// followed by `serialized()`, without building the tree in between. Results are encoded on
/// every call, and the tree (a node per container, a `JSONValue` per member, then a second walk
/// to serialize) was the largest single cost of a read such as `demand.get` after the database.
///
/// Streaming needs the encoding to be sequential: a container is written while it is the
/// innermost open one, and it is closed when something is written outside it. Synthesized
/// `Encodable` conformances always behave so. Anything else (writing into a container after
/// moving on, encoding a key twice, `superEncoder`, two values into one single-value
/// container) makes the stream give up, and the value is encoded again by `JSONValueEncoder`,
/// whose semantics (last write of a key wins, in its first position) stay the reference.
public enum JSONStreamEncoder {
    /// The JSON of `value`, written after `prefix` (so a caller that wraps the value, like the
    /// JSON-RPC response envelope, needs no second buffer).
    public static func encode<T: Encodable>(_ value: T, after prefix: [UInt8] = []) throws -> [UInt8] {
        try encode(value, after: prefix, capacity: 512)
    }

    /// `encode` with room for `capacity` bytes reserved up front.
    private static func encode<T: Encodable>(_ value: T, after prefix: [UInt8], capacity: Int) throws -> [UInt8] {
        do {
            return try stream(value, after: prefix, capacity: capacity)
        } catch is JSONStreamSink.Irregular {
            var bytes = prefix
            try JSONValueEncoder().encode(value).serialize(into: &bytes)
            return bytes
        }
    }

    /// `encode(_:after:)` for values of one type, with the path chosen once for the type instead
    /// of on every call: the JSON-RPC registry resolves each method's result type when the
    /// method is registered. A `JSONObjectWritable` type writes itself straight into the buffer,
    /// without the stream encoder's sink and the three dynamic casts that look its conformances
    /// up on every value (about a fifth of `system.ping`'s work on the pool thread).
    public static func encoder<T: Encodable & Sendable>(for type: T.Type, after prefix: [UInt8] = []) -> @Sendable (T) throws -> [UInt8] {
        let size = SizeHint()
        if let writable = type as? any (JSONObjectWritable & Sendable).Type {
            return objectEncoder(writable, for: type, after: prefix, size: size)
        }
        return { size.noting(try encode($0, after: prefix, capacity: size.capacity)) }
    }

    /// `W` is `T`, found by the cast above; `T`'s values are taken as what they are.
    private static func objectEncoder<W: JSONObjectWritable & Sendable, T: Sendable>(
        _: W.Type, for _: T.Type, after prefix: [UInt8], size: SizeHint
    ) -> @Sendable (T) throws -> [UInt8] {
        precondition(W.self == T.self)
        return { value in
            // A fresh buffer with room for the usual result: `var bytes = prefix` would share the
            // captured prefix's storage, then copy it and regrow it as the members arrive.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(size.capacity)
            bytes += prefix
            try JSONObjectWriter.write(JSONStreamSink.reinterpret(value, as: W.self), into: &bytes)
            return size.noting(bytes)
        }
    }

    /// The streaming pass alone; throws `JSONStreamSink.Irregular` where it has to give up.
    static func stream<T: Encodable>(_ value: T, after prefix: [UInt8] = [], capacity: Int = 512) throws -> [UInt8] {
        let sink = JSONStreamSink(prefix: prefix, capacity: capacity)
        try sink.writeValue(value, level: 0, path: [])
        try sink.finish()
        return sink.bytes
    }

    /// How much room one type's results need, learned from recent ones: a result of a few
    /// kilobytes (a demand) started from a fixed guess was grown by doubling, each time into a
    /// new allocation with a copy. The estimate jumps to a larger result and sinks slowly after
    /// smaller ones, so one long list does not make every later call allocate for it. Relaxed
    /// and racy on purpose: a stale estimate only costs a regrowth.
    final class SizeHint: Sendable {
        /// Larger results are rare (long lists) and grow as they must.
        static let ceiling = 64 * 1024
        /// Beyond the result itself: the response's id and closing brace are appended to it.
        static let slack = 64
        private let estimate = Atomic<Int>(448)

        var capacity: Int { estimate.load(ordering: .relaxed) + Self.slack }

        func noting(_ bytes: [UInt8]) -> [UInt8] {
            let count = min(bytes.count, Self.ceiling)
            let current = estimate.load(ordering: .relaxed)
            let next = count >= current ? count : current - (current - count) / 16
            if next != current { estimate.store(next, ordering: .relaxed) }
            return bytes
        }
    }
}

/// The bytes written so far and the containers still open, innermost last.
final class JSONStreamSink {
    struct Irregular: Error {}

    private struct Frame {
        let id: Int
        let isObject: Bool
        /// Where this object's key hashes start in `keyHashes`.
        let firstKey: Int
        var count = 0
    }

    // Unchecked: these are touched for every member, only through this class, on one thread;
    // the dynamic exclusivity checks cost more than the writes.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) private var open: [Frame] = []
    /// Hashes of the keys of the open objects, to notice a key encoded twice. A collision only
    /// costs a fallback to the tree encoder, never a wrong result.
    @exclusivity(unchecked) private var keyHashes: [Int] = []
    private var nextId = 0
    /// Set by calls that cannot throw (`superEncoder`, container accessors); checked at every write.
    var irregular = false

    init(prefix: [UInt8], capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
        bytes += prefix
    }

    func finish() throws {
        if irregular { throw Irregular() }
        close(downTo: 0)
    }

    /// Closes containers until `level` remain open.
    private func close(downTo level: Int) {
        while open.count > level {
            let frame = open.removeLast()
            if frame.isObject { keyHashes.removeSubrange(frame.firstKey...) }
            bytes.append(frame.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Makes the container `id` at `index` the innermost open one, or gives up if it was closed.
    private func reopen(_ index: Int, _ id: Int) throws {
        if irregular { throw Irregular() }
        guard index < open.count, open[index].id == id else { throw Irregular() }
        close(downTo: index + 1)
    }

    /// Writes the separator and key of the next member of object `index`.
    func beginMember(_ index: Int, _ id: Int, key: String) throws {
        try reopen(index, id)
        let hash = Self.keyHash(key)
        if keyHashes[open[index].firstKey...].contains(hash) { throw Irregular() }
        keyHashes.append(hash)
        if open[index].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[index].count += 1
        JSONValue.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// FNV-1a of the key's UTF-8: only compared within one object, so it needs no seed, and it
    /// costs a fraction of `hashValue` on these short keys.
    private static func keyHash(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: hash)
        }
    }

    /// Writes the separator before the next element of array `index`; returns its position.
    func beginElement(_ index: Int, _ id: Int) throws -> Int {
        try reopen(index, id)
        if open[index].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[index].count += 1
        return open[index].count - 1
    }

    func count(_ index: Int, _ id: Int) -> Int {
        index < open.count && open[index].id == id ? open[index].count : 0
    }

    /// Starts a value at `level` (the number of containers around it): closes what a previous
    /// sibling left open; gives up if an enclosing container was already closed.
    func beginValue(level: Int) throws {
        if irregular { throw Irregular() }
        guard open.count >= level else { throw Irregular() }
        close(downTo: level)
    }

    /// Opens a container as the value at `level`; returns its index and id.
    func openContainer(level: Int, isObject: Bool) -> (index: Int, id: Int) {
        do { try beginValue(level: level) } catch { irregular = true }
        nextId += 1
        bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append(Frame(id: nextId, isObject: isObject, firstKey: keyHashes.count))
        return (open.count - 1, nextId)
    }

    func writeValue<T: Encodable>(_ value: T, level: Int, path: @autoclosure () -> [any CodingKey]) throws {
        if try writeCommon(value, level: level) { return }
        if let primitive = value as? any JSONPrimitive {
            try beginValue(level: level)
            primitive.toJSON.serialize(into: &bytes)
        } else if let direct = value as? any JSONDirectEncodable, let json = direct.directJSON {
            try beginValue(level: level)
            json.serialize(into: &bytes)
        } else if let writable = value as? any JSONObjectWritable {
            try beginValue(level: level)
            try JSONObjectWriter.write(writable, into: &bytes)
        } else {
            let encoder = JSONStreamValueEncoder(sink: self, level: level, codingPath: path())
            try value.encode(to: encoder)
            if irregular { throw Irregular() }
            if !encoder.wroteValue {
                // Like the tree encoder: a value that opened no container is an empty object.
                try beginValue(level: level)
                bytes.append(contentsOf: "{}".utf8)
            }
        }
    }

    /// Writes the member types most results are made of, found by comparing metatypes (a pointer
    /// comparison) instead of the dynamic casts below, which look conformances up at run time:
    /// `NullEncodable` alone took three casts per member. Same bytes as the general path.
    @inline(__always)
    private func writeCommon<T>(_ value: T, level: Int) throws -> Bool {
        if T.self == String.self {
            try writeString(Self.reinterpret(value, as: String.self), level: level)
        } else if T.self == Int.self {
            try writeInteger(Self.reinterpret(value, as: Int.self), level: level)
        } else if T.self == Int64.self {
            try writeInteger(Self.reinterpret(value, as: Int64.self), level: level)
        } else if T.self == NullEncodable<String>.self {
            let wrapped = Self.reinterpret(value, as: NullEncodable<String>.self).wrappedValue
            if let wrapped { try writeString(wrapped, level: level) } else { try writeJSON(.null, level: level) }
        } else if T.self == NullEncodable<Int64>.self {
            let wrapped = Self.reinterpret(value, as: NullEncodable<Int64>.self).wrappedValue
            if let wrapped { try writeInteger(wrapped, level: level) } else { try writeJSON(.null, level: level) }
        } else if T.self == NullEncodable<Int>.self {
            let wrapped = Self.reinterpret(value, as: NullEncodable<Int>.self).wrappedValue
            if let wrapped { try writeInteger(wrapped, level: level) } else { try writeJSON(.null, level: level) }
        } else if T.self == JSONValue.self {
            try writeJSON(Self.reinterpret(value, as: JSONValue.self), level: level)
        } else {
            return false
        }
        return true
    }

    /// `value` as `U`; only called where `T.self == U.self` was checked.
    @inline(__always)
    fileprivate static func reinterpret<T, U>(_ value: T, as type: U.Type) -> U {
        withUnsafePointer(to: value) { $0.withMemoryRebound(to: U.self, capacity: 1) { $0.pointee } }
    }

    func writeString(_ value: String, level: Int) throws {
        try beginValue(level: level)
        JSONValue.writeString(value, into: &bytes)
    }

    func writeInteger(_ value: some FixedWidthInteger, level: Int) throws {
        try beginValue(level: level)
        bytes.append(contentsOf: String(value).utf8)
    }

    func writeJSON(_ value: JSONValue, level: Int) throws {
        try beginValue(level: level)
        value.serialize(into: &bytes)
    }
}

/// The `Encoder` for one value at a given nesting level.
final class JSONStreamValueEncoder: Encoder {
    let sink: JSONStreamSink
    let level: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// The container this value opened (asked for twice, the same one is handed out again).
    private var container: (index: Int, id: Int, isObject: Bool)?
    private(set) var wroteValue = false

    init(sink: JSONStreamSink, level: Int, codingPath: [any CodingKey]) {
        self.sink = sink
        self.level = level
        self.codingPath = codingPath
    }

    private func openOnce(isObject: Bool) -> (index: Int, id: Int) {
        if let container {
            if container.isObject != isObject { sink.irregular = true }
            return (container.index, container.id)
        }
        if wroteValue { sink.irregular = true }
        wroteValue = true
        let opened = sink.openContainer(level: level, isObject: isObject)
        container = (opened.index, opened.id, isObject)
        return opened
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let (index, id) = openOnce(isObject: true)
        return KeyedEncodingContainer(JSONStreamKeyedContainer<Key>(sink: sink, index: index, id: id, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let (index, id) = openOnce(isObject: false)
        return JSONStreamUnkeyedContainer(sink: sink, index: index, id: id, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONStreamSingleValueContainer(encoder: self)
    }

    /// A single value is written once, and only by an encoder that opened no container.
    func claimSingleValue() throws -> Int {
        if wroteValue { throw JSONStreamSink.Irregular() }
        wroteValue = true
        return level
    }
}
