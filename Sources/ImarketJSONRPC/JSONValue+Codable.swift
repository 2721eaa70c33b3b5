/// Lets `JSONValue` appear as a member type in params and results: such a member is passed
/// through untouched (useful for free-form maps like `rules.set`'s `changes`, or to see whether
/// a member was absent or `null`). Our own decoder and encoder short-circuit it; this
/// conformance exists so other coders behave sensibly too.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        if let impl = decoder as? DecoderImpl {
            self = impl.value
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .number(JSONNumber(i))
        } else if let d = try? c.decode(Double.self) {
            self = .number(JSONNumber(d))
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            let o = try c.decode([String: JSONValue].self)
            self = .object(JSONObject(o.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let impl = encoder as? EncoderImpl {
            impl.node.kind = .value(self)
            return
        }
        if let stream = encoder as? JSONStreamValueEncoder {
            try stream.sink.writeJSON(self, level: stream.claimSingleValue())
            return
        }
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if let i = n.int64Value { try c.encode(i) } else { try c.encode(n.doubleValue) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o):
            var k = encoder.container(keyedBy: AnyKey.self)
            for m in o.members { try k.encode(m.value, forKey: AnyKey(m.key)) }
        }
    }
}
