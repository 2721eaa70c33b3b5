/// The `info` object of the OpenRPC document.
public struct OpenRPCInfo: Sendable {
    public var title: String
    public var version: String
    public var description: String?

    public init(title: String, version: String, description: String? = nil) {
        self.title = title
        self.version = version
        self.description = description
    }
}

/// Builds the OpenRPC 1.3 document from registered methods; there is no hand-kept copy.
enum OpenRPCBuilder {
    static let specVersion = "1.3.2"

    static func document(info: OpenRPCInfo, methods: [RPCMethodInfo]) -> JSONValue {
        var infoObject = JSONObject([(key: "title", value: .string(info.title)), (key: "version", value: .string(info.version))])
        if let d = info.description { infoObject["description"] = .string(d) }
        return .object(JSONObject([
            (key: "openrpc", value: .string(specVersion)),
            (key: "info", value: .object(infoObject)),
            (key: "methods", value: .array(methods.map(method))),
        ]))
    }

    static func method(_ m: RPCMethodInfo) -> JSONValue {
        var o = JSONObject([(key: "name", value: .string(m.name)), (key: "summary", value: .string(m.summary))])
        if let d = m.description { o["description"] = .string(d) }
        if !m.tags.isEmpty { o["tags"] = .array(m.tags.map { ["name": .string($0)] }) }
        o["paramStructure"] = m.schemaComplete ? "either" : "by-name"
        o["params"] = .array(contentDescriptors(m.paramsSchema))
        o["result"] = ["name": "result", "schema": m.resultSchema]
        for key in m.metadata.keys.sorted() { o[key] = m.metadata[key]! }
        return .object(o)
    }

    /// One descriptor per top-level params member, in decode order.
    static func contentDescriptors(_ schema: JSONValue) -> [JSONValue] {
        guard case .object(let props)? = schema["properties"] else { return [] }
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return props.members.map { m in
            ["name": .string(m.key), "required": .bool(required.contains(m.key)), "schema": m.value]
        }
    }
}
