import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS

/// Idempotency keys for creating methods (API section 4). The key row is written in the same
/// transaction as the creation: a concurrent retry blocks on the row until the first commits,
/// then sees its stored result. Keys are stored hashed and results sealed with a key derived
/// from the idempotency key, because a result may carry a token that is shown only once.
enum Idempotency {
    enum Outcome {
        case fresh
        case replay(JSONValue)
    }

    static func validate(_ key: String?) throws {
        guard let key else { return }
        guard (1...64).contains(key.count) else {
            throw RPCError.invalidParams(reason: "out_of_range", field: "idempotencyKey",
                                         message: "idempotencyKey must be 1–64 characters")
        }
    }

    /// Claims the key, or returns the stored result of an earlier call with the same params.
    static func begin(
        _ connection: PostgresConnection, scope: String, method: String, key: String, paramsDigest: String
    ) throws -> Outcome {
        let inserted = try connection.execute(
            """
            INSERT INTO idempotency_keys (scope, method, key_hash, params_digest)
            VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
            """, [scope, method, Crypto.sha256Hex(key), paramsDigest])
        if inserted == 1 { return .fresh }
        let rows = try connection.query(
            "SELECT params_digest, result_sealed FROM idempotency_keys WHERE scope = $1 AND method = $2 AND key_hash = $3",
            [scope, method, Crypto.sha256Hex(key)])
        guard let row = rows.first else { return .fresh }
        guard try row.string("params_digest") == paramsDigest else {
            throw RPCError.conflict(reason: "idempotency_key_reused",
                                    message: "This idempotencyKey was used with different params", field: "idempotencyKey")
        }
        guard let sealed = try row.optionalBytes("result_sealed") else { return .fresh }
        guard let plain = Crypto.open(sealed, key: sealingKey(scope: scope, method: method, key: key)) else {
            throw RPCError.internalError
        }
        return .replay(try JSONParser.parse(plain))
    }

    static func finish(_ connection: PostgresConnection, scope: String, method: String, key: String, result: JSONValue) throws {
        let sealed = Crypto.seal(result.serialized(), key: sealingKey(scope: scope, method: method, key: key))
        // The transaction's last write: it travels with the COMMIT.
        try connection.executeAtCommit(
            "UPDATE idempotency_keys SET result_sealed = $4 WHERE scope = $1 AND method = $2 AND key_hash = $3",
            [scope, method, Crypto.sha256Hex(key), sealed])
    }

    private static func sealingKey(scope: String, method: String, key: String) -> [UInt8] {
        Crypto.hmacSHA256(key: Array(key.utf8), data: Array("imarket idempotency v1|\(scope)|\(method)".utf8))
    }

    /// Keys of the same caller and method with the idempotencyKey member removed, so the digest
    /// compares what the call asks for.
    static func paramsDigest(_ params: JSONValue) -> String {
        var p = params
        if case .object(var o) = p {
            o.members.removeAll { $0.key == "idempotencyKey" }
            p = .object(o)
        }
        return Crypto.sha256Hex(bytes: p.canonicalSerialized())
    }
}
