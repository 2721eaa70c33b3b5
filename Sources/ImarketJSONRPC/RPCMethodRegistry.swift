/// What the engine, the authorizer and the OpenRPC generator know about one method.
public struct RPCMethodInfo: Sendable {
    public let name: String
    public let summary: String
    public let description: String?
    /// OpenRPC extension members (`x-…`), e.g. `"x-roles": ["admin"]`.
    public let metadata: [String: JSONValue]
    public let tags: [String]
    /// Object schema of the params type, derived by probing its `init(from:)`.
    public let paramsSchema: JSONValue
    public let resultSchema: JSONValue
    /// Params members in the order the params type decodes them; by-position params map onto it.
    public let paramOrder: [String]
    /// False when probing the params or result type threw; the schema is then partial and
    /// by-position params are refused.
    public let schemaComplete: Bool

    /// The `x-roles` metadata as strings (empty when absent); read on every call, so kept.
    public let roles: [String]

    init(name: String, summary: String, description: String?, metadata: [String: JSONValue], tags: [String],
         paramsSchema: JSONValue, resultSchema: JSONValue, paramOrder: [String], schemaComplete: Bool) {
        self.name = name
        self.summary = summary
        self.description = description
        self.metadata = metadata
        self.tags = tags
        self.paramsSchema = paramsSchema
        self.resultSchema = resultSchema
        self.paramOrder = paramOrder
        self.schemaComplete = schemaComplete
        self.roles = metadata["x-roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

/// A class so that looking one up costs one retain, not one per member of its info.
final class RPCMethodEntry<Context: Sendable>: Sendable {
    typealias Invoke = @Sendable (JSONValue?, Context) async throws -> [UInt8]
    typealias InvokeNow = @Sendable (JSONValue?, Context) throws -> [UInt8]

    let info: RPCMethodInfo
    /// Decodes params (nil = absent), runs the handler, encodes the result as JSON bytes after
    /// `RPCEnvelope.resultPrefix`, so the engine only appends the id.
    let invoke: Invoke
    /// The same, for a method registered as immediate (`registerImmediate`): it may run where
    /// the request arrived, even on an event loop.
    let invokeNow: InvokeNow?

    init(info: RPCMethodInfo, invoke: @escaping Invoke, invokeNow: InvokeNow?) {
        self.info = info
        self.invoke = invoke
        self.invokeNow = invokeNow
    }
}

/// The methods of one API, with typed params and results.
///
/// Registration probes the params and result types once to derive their schemas (see
/// `SchemaProbe`); the same schemas feed `rpc.discover`, so the document cannot drift.
public struct RPCMethodRegistry<Context: Sendable>: Sendable {
    var entries: [String: RPCMethodEntry<Context>] = [:]
    var order: [String] = []

    public init() {}

    /// Registers `name`. Traps on duplicates, on names starting with `rpc.` (reserved for the
    /// engine's `rpc.discover`) and on metadata keys not starting with `x-` (OpenRPC allows only
    /// extension members there).
    public mutating func register<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String,
        summary: String,
        description: String? = nil,
        params: P.Type,
        result: R.Type,
        metadata: [String: JSONValue] = [:],
        tags: [String] = [],
        handler: @escaping @Sendable (P, Context) async throws -> R
    ) {
        precondition(!name.hasPrefix("rpc."), "method names starting with rpc. are reserved: \(name)")
        add(name, summary: summary, description: description, params: params, result: result,
            metadata: metadata, tags: tags, resultSchema: nil, handler: handler)
    }

    /// Registers a method that never waits and costs about as little as parsing its request
    /// (a ping, a clock): `RPCEngine.answerAtOnce` may run it on the event loop the request
    /// arrived on, sparing it the hand-off to another thread. Same rules as `register`.
    public mutating func registerImmediate<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String,
        summary: String,
        description: String? = nil,
        params: P.Type,
        result: R.Type,
        metadata: [String: JSONValue] = [:],
        tags: [String] = [],
        handler: @escaping @Sendable (P, Context) throws -> R
    ) {
        precondition(!name.hasPrefix("rpc."), "method names starting with rpc. are reserved: \(name)")
        let info = Self.info(name, summary: summary, description: description, params: params, result: result,
                             metadata: metadata, tags: tags, resultSchema: nil)
        let decode = Self.decoder(for: P.self, info: info)
        let encode = JSONStreamEncoder.encoder(for: R.self, after: RPCEnvelope.resultPrefix)
        let invokeNow: RPCMethodEntry<Context>.InvokeNow = { raw, context in
            try encode(try handler(try decode(raw), context))
        }
        insert(RPCMethodEntry(info: info, invoke: { raw, context in try invokeNow(raw, context) }, invokeNow: invokeNow))
    }

    /// Methods in registration order.
    public var methods: [RPCMethodInfo] { order.map { entries[$0]!.info } }

    /// Names of methods whose schemas could not be derived completely; a test should assert
    /// this is empty, and fix offenders with `RPCSchemaProviding` or `decoder.require`.
    public var schemaProblems: [String] { methods.filter { !$0.schemaComplete }.map(\.name) }

    public func info(for name: String) -> RPCMethodInfo? { entries[name]?.info }

    mutating func add<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String, summary: String, description: String?, params: P.Type, result: R.Type,
        metadata: [String: JSONValue], tags: [String], resultSchema: JSONValue?,
        handler: @escaping @Sendable (P, Context) async throws -> R
    ) {
        let info = Self.info(name, summary: summary, description: description, params: params, result: result,
                             metadata: metadata, tags: tags, resultSchema: resultSchema)
        let decode = Self.decoder(for: P.self, info: info)
        let encode = JSONStreamEncoder.encoder(for: R.self, after: RPCEnvelope.resultPrefix)
        insert(RPCMethodEntry(info: info, invoke: { raw, context in
            try encode(try await handler(try decode(raw), context))
        }, invokeNow: nil))
    }

    private mutating func insert(_ entry: RPCMethodEntry<Context>) {
        let name = entry.info.name
        precondition(entries[name] == nil, "method registered twice: \(name)")
        entries[name] = entry
        order.append(name)
    }

    /// The method's info, with its schemas derived by probing the params and result types.
    private static func info<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String, summary: String, description: String?, params: P.Type, result: R.Type,
        metadata: [String: JSONValue], tags: [String], resultSchema: JSONValue?
    ) -> RPCMethodInfo {
        precondition(!name.isEmpty, "method name must not be empty")
        for key in metadata.keys { precondition(key.hasPrefix("x-"), "metadata keys must start with x-: \(key)") }

        let paramsProbe = SchemaProbe.probe(P.self)
        let resultProbe: (schema: JSONValue, complete: Bool)
        if let resultSchema {
            resultProbe = (resultSchema, true)
        } else {
            let o = SchemaProbe.probe(R.self)
            resultProbe = (o.schema, o.complete)
        }
        return RPCMethodInfo(
            name: name, summary: summary, description: description, metadata: metadata, tags: tags,
            paramsSchema: paramsProbe.schema, resultSchema: resultProbe.schema,
            paramOrder: paramsProbe.propertyOrder, schemaComplete: paramsProbe.complete && resultProbe.complete)
    }

    /// The params decoder, made where the registration is specialized for `P` (always inlined),
    /// so the closure is too. Whether `P` takes no params is decided here, once per method.
    @inline(__always)
    private static func decoder<P: Decodable & Sendable>(for _: P.Type, info: RPCMethodInfo) -> @Sendable (JSONValue?) throws -> P {
        let noParams = EmptyParams() as? P
        return { raw in
            // A method without params called without params: nothing to decode.
            if raw == nil, let noParams { return noParams }
            return try JSONValueDecoder().decode(P.self, from: try Self.paramsObject(raw, info: info))
        }
    }

    /// Absent params decode as `{}`; by-position params are mapped onto the member order the
    /// params type decodes (`[42, 23]` → `{"minuend": 42, "subtrahend": 23}`), so error fields
    /// name the member, not the position.
    static func paramsObject(_ raw: JSONValue?, info: RPCMethodInfo) throws(RPCError) -> JSONValue {
        switch raw {
        case nil: return .object(JSONObject())
        case .array(let elements)?:
            guard info.schemaComplete else {
                throw .invalidParams(reason: "positional_params_unsupported", message: "params must be given by name")
            }
            guard elements.count <= info.paramOrder.count else {
                throw .invalidParams(reason: "too_many_params",
                                     message: "at most \(info.paramOrder.count) positional params")
            }
            return .object(JSONObject(zip(info.paramOrder, elements).map { (key: $0, value: $1) }))
        case let other?: return other
        }
    }
}

/// Params of a method that takes none: accepts absent params, `{}` and `[]`; any member is
/// `unknown_member`.
public struct EmptyParams: Codable, Sendable, Equatable {
    public init() {}

    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyKey.self)
    }

    public func encode(to encoder: any Encoder) throws {
        _ = encoder.container(keyedBy: AnyKey.self)
    }
}
