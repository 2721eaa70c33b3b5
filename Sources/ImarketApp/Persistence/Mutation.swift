import ImarketJSONRPC
import ImarketPostgres

/// The one way a method changes state: inside one transaction it claims the idempotency key
/// (if any), runs the change, appends the audit entry and stores the result for replays. If any
/// step fails, nothing of it remains.
extension RequestContext {
    public func mutate<P: Encodable & Sendable, R: Codable & Sendable>(
        _ method: String,
        params: P,
        idempotencyKey: String? = nil,
        isolation: IsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> (R, AuditSubject)
    ) async throws -> R {
        try Idempotency.validate(idempotencyKey)
        let paramsJSON = try JSONValueEncoder().encode(params)
        let actor = caller?.accountId
        let scope = caller?.accountId ?? "anonymous"
        let replay: JSONValue? = try await services.database.transaction(isolation: isolation) { connection in
            if let key = idempotencyKey {
                let digest = Idempotency.paramsDigest(paramsJSON)
                if case .replay(let stored) = try Idempotency.begin(
                    connection, scope: scope, method: method, key: key, paramsDigest: digest) {
                    return stored
                }
            }
            let (result, subject) = try body(connection)
            let resultJSON = try JSONValueEncoder().encode(result)
            try AuditLog.append(connection, actorId: actor, method: method, subject: subject,
                                digest: AuditLog.digest(params: paramsJSON, result: resultJSON))
            if let key = idempotencyKey {
                try Idempotency.finish(connection, scope: scope, method: method, key: key, result: resultJSON)
            }
            // Returning the JSON keeps the closure's result Sendable and lets replays and first
            // calls share one decoding path.
            return resultJSON
        }
        return try JSONValueDecoder().decode(R.self, from: replay ?? .null)
    }
}
