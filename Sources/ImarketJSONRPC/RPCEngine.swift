/// JSON-RPC 2.0 dispatch over a registry: envelope validation, batches, notifications,
/// authorization, error mapping, and the built-in `rpc.discover`.
///
/// Transport-agnostic: HTTP hands it a body, WebSocket a frame; it never does I/O itself.
public struct RPCEngine<Context: Sendable>: Sendable {
    public typealias Authorizer = @Sendable (RPCMethodInfo, Context) throws -> Void
    public typealias ErrorObserver = @Sendable (any Error, RPCMethodInfo?) -> Void

    let registry: RPCMethodRegistry<Context>
    let authorize: Authorizer
    let onError: ErrorObserver?
    public let maxBatchSize: Int
    public let maxDepth: Int
    /// The document `rpc.discover` returns (and `GET /openrpc.json` should serve).
    public let openRPCDocument: JSONValue

    /// - Parameters:
    ///   - authorize: runs for every call (including `rpc.discover`, whose `x-roles` is
    ///     `["anyone"]`) BEFORE params are decoded, so callers without access learn nothing
    ///     from param validation. Throw an `RPCError` (-32001/-32003) to refuse. Synchronous:
    ///     it may run on an event loop, for immediate methods.
    ///   - onError: sees errors that are not `RPCError` (they reach the client only as a generic
    ///     -32603), with the method they came from; use it for logging.
    public init(
        registry: RPCMethodRegistry<Context>,
        info: OpenRPCInfo = OpenRPCInfo(title: "imarket", version: "1.0.0"),
        maxBatchSize: Int = 100,
        maxDepth: Int = 128,
        authorize: @escaping Authorizer,
        onError: ErrorObserver? = nil
    ) {
        func addDiscover(to r: inout RPCMethodRegistry<Context>, document: JSONValue) {
            r.add("rpc.discover", summary: "Returns the OpenRPC document describing this API.",
                  description: nil, params: EmptyParams.self, result: JSONValue.self,
                  metadata: ["x-roles": ["anyone"]], tags: [],
                  resultSchema: ["type": "object", "description": "OpenRPC document"],
                  handler: { _, _ in document })
        }
        var probe = RPCMethodRegistry<Context>()
        addDiscover(to: &probe, document: .null)
        let document = OpenRPCBuilder.document(info: info, methods: probe.methods + registry.methods)
        var full = registry
        addDiscover(to: &full, document: document)

        self.registry = full
        self.authorize = authorize
        self.onError = onError
        self.maxBatchSize = maxBatchSize
        self.maxDepth = maxDepth
        self.openRPCDocument = document
    }

    /// All methods including `rpc.discover`.
    public var methods: [RPCMethodInfo] { registry.methods }

    /// Handles one HTTP body (single request or batch). Returns the serialized response, or nil
    /// when nothing must be sent (only notifications): HTTP answers 204 then.
    public func handle(body: [UInt8], context: Context) async -> [UInt8]? {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(body, maxDepth: maxDepth)
        } catch {
            return errorResponse(.parseError())
        }
        return await handle(request: parsed, context: context)
    }

    /// Same for any contiguous byte collection (e.g. NIO's `ByteBufferView`), parsed in place.
    public func handle<Bytes: Collection & Sendable>(bytes: Bytes, context: Context) async -> [UInt8]? where Bytes.Element == UInt8 {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes: bytes, maxDepth: maxDepth)
        } catch {
            return errorResponse(.parseError())
        }
        return await handle(request: parsed, context: context)
    }

    /// Answers a body without waiting when it can: a parse error, an invalid envelope, an
    /// unknown method, a single call of an immediate method (`registerImmediate`). Anything else
    /// (batches included) comes back parsed, for `handle(request:context:)` off the event loop.
    public func answerAtOnce<Bytes: Collection & Sendable>(bytes: Bytes, context: Context) -> RPCImmediateOutcome where Bytes.Element == UInt8 {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes: bytes, maxDepth: maxDepth)
        } catch {
            return .answered(errorResponse(.parseError()))
        }
        if case .array = parsed { return .needsTask(parsed) }
        switch prepare(parsed) {
        case .reply(let reply):
            return .answered(reply)
        case .call(let entry, let params, let id):
            guard let invokeNow = entry.invokeNow else { return .needsTask(parsed) }
            return .answered(handleNow(invokeNow, of: entry, params: params, id: id, context: context))
        }
    }

    /// Handles an already parsed request or batch; returns the serialized response, nil = send nothing.
    public func handle(request: JSONValue, context: Context) async -> [UInt8]? {
        guard case .array(let items) = request else {
            return await handleSingle(request, context: context)
        }
        if items.isEmpty {
            return errorResponse(.invalidRequest("Empty batch"))
        }
        if items.count > maxBatchSize {
            return errorResponse(.invalidRequest("Batch larger than \(maxBatchSize)", reason: "batch_too_large"))
        }
        // Sequential on purpose: requests in a batch may depend on each other's effects.
        var batch: [UInt8] = [UInt8(ascii: "[")]
        for item in items {
            guard let response = await handleSingle(item, context: context) else { continue }
            if batch.count > 1 { batch.append(UInt8(ascii: ",")) }
            batch += response
        }
        if batch.count == 1 { return nil }
        batch.append(UInt8(ascii: "]"))
        return batch
    }

    /// A serialized error response, for errors found outside the engine (413, 401, 429 bodies).
    public func errorResponse(_ error: RPCError, id: JSONValue = .null) -> [UInt8] {
        Self.response(error: error, id: id).serialized()
    }

    /// Completes `{"jsonrpc":"2.0","result":…` (as `invoke` returns it) with the id: the same
    /// bytes as serializing `response(result:id:)`. Consuming, so that the id is appended in
    /// place rather than to a copy of the result.
    static func responseBytes(result: consuming [UInt8], id: JSONValue) -> [UInt8] {
        var out = result
        out += #","id":"#.utf8
        id.serialize(into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"jsonrpc":"2.0","result":…,"id":…}`
    public static func response(result: JSONValue, id: JSONValue) -> JSONValue {
        .object(JSONObject([(key: "jsonrpc", value: "2.0"), (key: "result", value: result), (key: "id", value: id)]))
    }

    /// `{"jsonrpc":"2.0","error":…,"id":…}`
    public static func response(error: RPCError, id: JSONValue) -> JSONValue {
        .object(JSONObject([(key: "jsonrpc", value: "2.0"), (key: "error", value: error.jsonValue), (key: "id", value: id)]))
    }
}

/// What `RPCEngine.answerAtOnce` could do without waiting.
public enum RPCImmediateOutcome: Sendable {
    /// The whole answer; nil = nothing to send (a notification).
    case answered([UInt8]?)
    /// The parsed request needs a method that waits: run `handle(request:context:)` off the loop.
    case needsTask(JSONValue)
}

/// What a method's encoded result starts with (see `RPCMethodEntry.invoke`).
enum RPCEnvelope {
    static let resultPrefix = Array(#"{"jsonrpc":"2.0","result":"#.utf8)
}
