/// One request object: envelope checks, then lookup, authorization, params, handler.
extension RPCEngine {
    /// Invalid envelopes are always answered (with the id when it could be read, else null),
    /// even without an `id` member — the spec's own examples do so. Valid requests without `id`
    /// are notifications and are never answered, whatever happens.
    func handleSingle(_ request: JSONValue, context: Context) async -> [UInt8]? {
        guard case .object(let envelope) = request else {
            return errorResponse(.invalidRequest("Request must be an object"), id: .null)
        }
        var version: JSONValue?, method: JSONValue?, params: JSONValue?, id: JSONValue?
        var unexpected: String?
        for m in envelope.members {
            switch m.key {
            case "jsonrpc": version = m.value
            case "method": method = m.value
            case "params": params = m.value
            case "id": id = m.value
            default: if unexpected == nil { unexpected = m.key }
            }
        }
        if let id {
            switch id {
            case .string, .number, .null: break
            default: return errorResponse(.invalidRequest("id must be a string, number or null"), id: .null)
            }
        }
        let replyId = id ?? .null
        guard version == .string("2.0") else {
            return errorResponse(.invalidRequest("jsonrpc must be \"2.0\""), id: replyId)
        }
        guard case .string(let name)? = method else {
            return errorResponse(.invalidRequest("method must be a string"), id: replyId)
        }
        switch params {
        case nil, .array?, .object?: break
        default: return errorResponse(.invalidRequest("params must be an array or object"), id: replyId)
        }
        if let unexpected {
            return errorResponse(.invalidRequest("Unexpected member '\(unexpected)'"), id: replyId)
        }

        let isNotification = id == nil
        guard let entry = registry.entries[name] else {
            return isNotification ? nil : errorResponse(.methodNotFound(), id: replyId)
        }
        do {
            try await authorize(entry.info, context)
            let result = try await entry.invoke(params, context)
            return isNotification ? nil : Self.responseBytes(result: consume result, id: replyId)
        } catch let error as RPCError {
            return isNotification ? nil : errorResponse(error, id: replyId)
        } catch {
            onError?(error, entry.info)
            return isNotification ? nil : errorResponse(.internalError, id: replyId)
        }
    }
}
