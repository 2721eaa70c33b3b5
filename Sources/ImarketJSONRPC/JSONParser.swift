/// Strict RFC 8259 parser working directly on bytes.
///
/// Nesting is bounded before it is parsed, so a hostile body of 10,000 `[` costs a depth check,
/// not a stack overflow. Duplicate object keys are rejected: JSON leaves
/// their meaning open, and a request whose `amountFen` means different things to different
/// parsers is a security problem, not a convenience.
public enum JSONParser {
    /// Upper bound on `maxDepth`. Parsing itself never recurses, but releasing a `JSONValue`
    /// does (one frame per level), so values deeper than this are never built.
    public static let depthCeiling = 1024

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { buf in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buf, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Accepts any byte collection; contiguous ones (Array, NIO's ByteBufferView, Data) are
    /// parsed in place, others are copied once.
    public static func parse<Bytes: Collection>(
        bytes: Bytes, maxDepth: Int = 128
    ) throws(JSONParseError) -> JSONValue where Bytes.Element == UInt8 {
        let inPlace: Result<JSONValue, JSONParseError>? = bytes.withContiguousStorageIfAvailable { buf in
            Result { () throws(JSONParseError) -> JSONValue in
                try parse(UnsafeRawBufferPointer(buf), maxDepth: maxDepth)
            }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(Array(bytes), maxDepth: maxDepth)
    }

    public static func parse(_ buffer: UnsafeRawBufferPointer, maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        var reader = JSONByteReader(buffer)
        return try reader.parseDocument(maxDepth: min(maxDepth, depthCeiling))
    }
}

struct JSONByteReader {
    let buf: UnsafeRawBufferPointer
    var pos = 0
    /// Reused for strings with escapes so each one does not allocate a fresh buffer.
    var scratch: [UInt8] = []

    init(_ buf: UnsafeRawBufferPointer) { self.buf = buf }

    @inline(__always) func fail(_ kind: JSONParseError.Kind) -> JSONParseError {
        JSONParseError(kind, at: pos)
    }

    @inline(__always) mutating func skipWhitespace() {
        while pos < buf.count {
            switch buf[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    @inline(__always) func peek() throws(JSONParseError) -> UInt8 {
        guard pos < buf.count else { throw fail(.unexpectedEnd) }
        return buf[pos]
    }

    mutating func parseDocument(maxDepth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0, maxDepth: maxDepth)
        skipWhitespace()
        guard pos == buf.count else { throw fail(.trailingData) }
        return value
    }

    /// One value. Recursive, one frame per open container: the depth check bounds it by
    /// `maxDepth` (never above `depthCeiling`), the depth that releasing the value recurses to
    /// anyway. Each container collects its children in its own array, built once.
    mutating func parseValue(depth: Int, maxDepth: Int) throws(JSONParseError) -> JSONValue {
        let c = try peek()
        switch c {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
            pos += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "}") {
                pos += 1
                return .object(JSONObject())
            }
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(4)
            while true {
                let key = try parseKeyAndColon()
                members.append((key: key, value: try parseValue(depth: depth + 1, maxDepth: maxDepth)))
                guard try nextSeparator(closing: UInt8(ascii: "}")) else { break }
            }
            if let dup = Self.firstDuplicateKey(members) {
                pos -= 1
                throw fail(.duplicateKey(dup))
            }
            return .object(JSONObject(members))
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
            pos += 1
            skipWhitespace()
            if try peek() == UInt8(ascii: "]") {
                pos += 1
                return .array([])
            }
            var elements: [JSONValue] = []
            elements.reserveCapacity(4)
            while true {
                elements.append(try parseValue(depth: depth + 1, maxDepth: maxDepth))
                guard try nextSeparator(closing: UInt8(ascii: "]")) else { break }
            }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw fail(c >= 0x80 ? .invalidUTF8 : .unexpectedByte(c))
        }
    }

    /// After a container's child: true for `,` (another child follows), false for the
    /// container's closing byte, which is consumed.
    @inline(__always) mutating func nextSeparator(closing: UInt8) throws(JSONParseError) -> Bool {
        skipWhitespace()
        let c = try peek()
        pos += 1
        if c == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if c == closing { return false }
        pos -= 1
        throw fail(.unexpectedByte(c))
    }

    /// Pairwise for small objects (no hashing), a set for large ones.
    static func firstDuplicateKey(_ members: [(key: String, value: JSONValue)]) -> String? {
        if members.count <= 12 {
            for i in members.indices {
                for j in (i + 1)..<members.count where members[i].key == members[j].key {
                    return members[i].key
                }
            }
            return nil
        }
        var seen = Set<String>(minimumCapacity: members.count)
        for m in members where !seen.insert(m.key).inserted { return m.key }
        return nil
    }

    mutating func parseKeyAndColon() throws(JSONParseError) -> String {
        let c = try peek()
        guard c == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(c)) }
        let key = try parseString()
        skipWhitespace()
        let colon = try peek()
        guard colon == UInt8(ascii: ":") else { throw fail(.unexpectedByte(colon)) }
        pos += 1
        skipWhitespace()
        return key
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= buf.count else { throw fail(.unexpectedEnd) }
        let w = word.utf8Start
        for i in 0..<n where buf[pos + i] != w[i] {
            pos += i
            throw fail(.unexpectedByte(buf[pos]))
        }
        pos += n
    }
}
