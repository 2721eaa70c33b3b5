/// One request object: envelope checks, then lookup, authorization, params, handler.
extension RPCEngine {
    /// A request object after its envelope checks.
    enum Prepared {
        /// Answered without running anything; nil = nothing to send.
        case reply([UInt8]?)
        /// A call of a registered method; `id` nil = a notification.
        case call(RPCMethodEntry<Context>, params: JSONValue?, id: JSONValue?)
    }

    func handleSingle(_ request: JSONValue, context: Context) async -> [UInt8]? {
        switch prepare(request) {
        case .reply(let reply):
            return reply
        case .call(let entry, let params, let id):
            do {
                try authorize(entry.info, context)
                let result = try await entry.invoke(params, context)
                guard let id else { return nil }
                return Self.responseBytes(result: consume result, id: id)
            } catch {
                return reply(to: error, from: entry, id: id)
            }
        }
    }

    /// The same for a call of an immediate method, run where it is.
    func handleNow(
        _ invokeNow: RPCMethodEntry<Context>.InvokeNow, of entry: RPCMethodEntry<Context>,
        params: JSONValue?, id: JSONValue?, context: Context
    ) -> [UInt8]? {
        do {
            try authorize(entry.info, context)
            let result = try invokeNow(params, context)
            guard let id else { return nil }
            return Self.responseBytes(result: consume result, id: id)
        } catch {
            return reply(to: error, from: entry, id: id)
        }
    }

    /// Invalid envelopes are always answered (with the id when it could be read, else null),
    /// even without an `id` member — the spec's own examples do so. Valid requests without `id`
    /// are notifications and are never answered, whatever happens.
    func prepare(_ request: JSONValue) -> Prepared {
        guard case .object(let envelope) = request else {
            return .reply(errorResponse(.invalidRequest("Request must be an object"), id: .null))
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
            default: return .reply(errorResponse(.invalidRequest("id must be a string, number or null"), id: .null))
            }
        }
        let replyId = id ?? .null
        guard version == .string("2.0") else {
            return .reply(errorResponse(.invalidRequest("jsonrpc must be \"2.0\""), id: replyId))
        }
        guard case .string(let name)? = method else {
            return .reply(errorResponse(.invalidRequest("method must be a string"), id: replyId))
        }
        switch params {
        case nil, .array?, .object?: break
        default: return .reply(errorResponse(.invalidRequest("params must be an array or object"), id: replyId))
        }
        if let unexpected {
            return .reply(errorResponse(.invalidRequest("Unexpected member '\(unexpected)'"), id: replyId))
        }
        guard let entry = registry.entries[name] else {
            return .reply(id == nil ? nil : errorResponse(.methodNotFound(), id: replyId))
        }
        return .call(entry, params: params, id: id)
    }

    /// The answer to a call that threw; errors other than `RPCError` reach the client only as
    /// a generic -32603 and are shown to `onError`, even from a notification.
    private func reply(to error: any Error, from entry: RPCMethodEntry<Context>, id: JSONValue?) -> [UInt8]? {
        let rpcError: RPCError
        if let known = error as? RPCError {
            rpcError = known
        } else {
            onError?(error, entry.info)
            rpcError = .internalError
        }
        guard let id else { return nil }
        return errorResponse(rpcError, id: id)
    }
}
