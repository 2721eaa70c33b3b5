/// Strict RFC 8259 parser working directly on bytes.
///
/// Nesting is handled with explicit stacks instead of recursion, so a hostile body of 10,000
/// `[` costs a depth check, not a stack overflow. Duplicate object keys are rejected: JSON leaves
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

/// One open container while parsing. Children live on shared stacks (`values`, `keys`) so that
/// closing a container is one slice copy rather than repeated copy-on-write of nested arrays.
private struct OpenContainer {
    let isObject: Bool
    let valueStart: Int
    let keyStart: Int
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
        var stack: [OpenContainer] = []
        var values: [JSONValue] = []
        var keys: [String] = []

        skipWhitespace()
        parseValue: while true {
            // Read one value, or open a container and go read its first child.
            var value: JSONValue
            let c = try peek()
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard stack.count < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
                pos += 1
                skipWhitespace()
                let isObject = c == UInt8(ascii: "{")
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if try peek() == close {
                    pos += 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else {
                    if stack.capacity == 0 {
                        // One allocation each for the usual request, instead of regrowing member
                        // by member (and none for an empty or scalar document).
                        stack.reserveCapacity(8)
                        values.reserveCapacity(16)
                        keys.reserveCapacity(16)
                    }
                    stack.append(OpenContainer(isObject: isObject, valueStart: values.count, keyStart: keys.count))
                    if isObject { keys.append(try parseKeyAndColon()) }
                    continue parseValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw fail(c >= 0x80 ? .invalidUTF8 : .unexpectedByte(c))
            }

            // Attach the value to its parent; close as many containers as the input closes.
            while true {
                guard let top = stack.last else {
                    skipWhitespace()
                    guard pos == buf.count else { throw fail(.trailingData) }
                    return value
                }
                values.append(value)
                skipWhitespace()
                let c = try peek()
                pos += 1
                if c == UInt8(ascii: ",") {
                    skipWhitespace()
                    if top.isObject { keys.append(try parseKeyAndColon()) }
                    continue parseValue
                }
                if top.isObject, c == UInt8(ascii: "}") {
                    var members: [(key: String, value: JSONValue)] = []
                    members.reserveCapacity(values.count - top.valueStart)
                    for i in 0..<(values.count - top.valueStart) {
                        members.append((key: keys[top.keyStart + i], value: values[top.valueStart + i]))
                    }
                    if let dup = Self.firstDuplicateKey(keys[top.keyStart...]) {
                        pos -= 1
                        throw fail(.duplicateKey(dup))
                    }
                    keys.removeSubrange(top.keyStart...)
                    values.removeSubrange(top.valueStart...)
                    stack.removeLast()
                    value = .object(JSONObject(members))
                } else if !top.isObject, c == UInt8(ascii: "]") {
                    let elements = Array(values[top.valueStart...])
                    values.removeSubrange(top.valueStart...)
                    stack.removeLast()
                    value = .array(elements)
                } else {
                    pos -= 1
                    throw fail(.unexpectedByte(c))
                }
            }
        }
    }

    /// Pairwise for small objects (no hashing), a set for large ones.
    static func firstDuplicateKey(_ keys: ArraySlice<String>) -> String? {
        if keys.count <= 12 {
            var i = keys.startIndex
            while i < keys.endIndex {
                var j = i + 1
                while j < keys.endIndex {
                    if keys[i] == keys[j] { return keys[i] }
                    j += 1
                }
                i += 1
            }
            return nil
        }
        var seen = Set<String>(minimumCapacity: keys.count)
        for k in keys where !seen.insert(k).inserted { return k }
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
