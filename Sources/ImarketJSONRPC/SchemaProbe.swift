/// Derives JSON Schemas from `Decodable` types by running their `init(from:)` against a
/// recording decoder, so the OpenRPC document can never drift from what the server accepts.
///
/// What it sees: every member asked for, with `decode` → required and `decodeIfPresent` (or a
/// `contains` check first) → optional; arrays are probed with one element; `[String: V]` maps
/// become `additionalProperties`. What it cannot see: checks on values (ranges, patterns) and
/// decoding that branches on input — adopt `RPCSchemaProviding` for those. A type whose probe
/// throws yields the members recorded until then and the result is flagged incomplete.
enum SchemaProbe {
    struct Outcome<T> {
        var value: T?
        var schema: JSONValue
        var complete: Bool
        /// Top-level members in the order `init(from:)` asked for them (for positional params).
        var propertyOrder: [String]
    }

    static let maxDepth = 24

    static func probe<T: Decodable>(_ type: T.Type, depth: Int = 0) -> Outcome<T> {
        if let provider = T.self as? any RPCSchemaProviding.Type {
            var inner = depth < maxDepth ? probeInit(type, depth: depth) : Outcome(value: nil, schema: [:], complete: false, propertyOrder: [])
            if let sample = provider.rpcSchemaSample as? T { inner.value = sample }
            return Outcome(value: inner.value, schema: provider.rpcSchema, complete: inner.value != nil, propertyOrder: inner.propertyOrder)
        }
        if let p = T.self as? any JSONPrimitive.Type {
            return Outcome(value: p.probeSample as? T, schema: p.jsonSchema, complete: true, propertyOrder: [])
        }
        if let e = SchemaBuilder.enumSchema(T.self) {
            return Outcome(value: e.sample, schema: e.schema, complete: true, propertyOrder: [])
        }
        guard depth < maxDepth else {
            return Outcome(value: nil, schema: [:], complete: false, propertyOrder: [])
        }
        return probeInit(type, depth: depth)
    }

    private static func probeInit<T: Decodable>(_ type: T.Type, depth: Int) -> Outcome<T> {
        let record = ProbeRecord()
        let decoder = ProbeDecoder(record: record, depth: depth)
        let value = try? T(from: decoder)
        if value == nil { record.complete = false }
        return Outcome(value: value, schema: record.schema, complete: record.complete, propertyOrder: record.order)
    }
}

/// What one probed value turned out to look like.
final class ProbeRecord {
    enum Shape { case unknown, object, array, leaf(JSONValue) }

    var shape = Shape.unknown
    var order: [String] = []
    var properties: [String: (schema: JSONValue, required: Bool)] = [:]
    var mapValues: JSONValue?
    var items: JSONValue?
    var itemsRecord: ProbeRecord?
    var nestedRecords: [String: ProbeRecord] = [:]
    var askedOptional: Set<String> = []
    var complete = true

    func record(_ key: String, _ schema: JSONValue, required: Bool) {
        let required = required && !askedOptional.contains(key)
        if properties[key] == nil { order.append(key) }
        properties[key] = (required ? schema : SchemaBuilder.nullable(schema), required)
    }

    /// A member read through `nestedContainer`: its schema is known only once probing ends.
    func nested(_ key: String, _ sub: ProbeRecord) {
        record(key, [:], required: true)
        nestedRecords[key] = sub
    }

    var schema: JSONValue {
        switch shape {
        case .unknown: return [:]
        case .leaf(let s): return s
        case .array: return ["type": "array", "items": itemsRecord?.schema ?? items ?? [:]]
        case .object:
            var o = JSONObject([(key: "type", value: "object")])
            if !order.isEmpty {
                o["properties"] = .object(JSONObject(order.map { key in
                    let p = properties[key]!
                    guard let sub = nestedRecords[key]?.schema else { return (key: key, value: p.schema) }
                    return (key: key, value: p.required ? sub : SchemaBuilder.nullable(sub))
                }))
                let required = order.filter { properties[$0]!.required }
                if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
            }
            o["additionalProperties"] = mapValues ?? false
            return .object(o)
        }
    }
}

/// Thrown to abandon a probe when a member's type could not produce a sample value.
struct ProbeAbandoned: Error {}

final class ProbeDecoder: Decoder {
    let record: ProbeRecord
    let depth: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [.rpcSchemaProbe: true] }

    init(record: ProbeRecord, depth: Int) {
        self.record = record
        self.depth = depth
    }

    /// Probes a member type one level down, folding incompleteness into this record.
    func child<T: Decodable>(_ type: T.Type) -> SchemaProbe.Outcome<T> {
        let outcome = SchemaProbe.probe(type, depth: depth + 1)
        if !outcome.complete { record.complete = false }
        return outcome
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        record.shape = .object
        return KeyedDecodingContainer(ProbeKeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        record.shape = .array
        return ProbeUnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ProbeSingleValueContainer(decoder: self)
    }
}

/// Key the probe offers through `allKeys`, so dictionary decoding reveals its value type.
let probeMapKey = "\u{0}map"
