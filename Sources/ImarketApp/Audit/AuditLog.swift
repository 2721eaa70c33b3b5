import Foundation
import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS

/// What a state change is about: the chain its audit entry joins.
public struct AuditSubject: Sendable, Equatable {
    public var type: String
    public var id: String

    public init(_ type: String, _ id: String) {
        self.type = type
        self.id = id
    }
}

/// Appends audit entries inside the caller's transaction, so an entry exists exactly when its
/// change committed. The chaining happens in `audit_append`, which locks only the subject's head
/// row; it is sent together with the transaction's COMMIT (`executeAtCommit`), so the audit
/// costs no round trip of its own.
public enum AuditLog {
    /// SHA-256 over the canonical JSON of `{"params": …, "result": …}`: anyone holding the
    /// request and response can check an entry against them.
    public static func digest(params: JSONValue, result: JSONValue) -> String {
        let document: JSONValue = .object(JSONObject([(key: "params", value: params), (key: "result", value: result)]))
        return Crypto.sha256Hex(bytes: document.canonicalSerialized())
    }

    /// Benchmark-only switch (`IMARKET_BENCH_AUDIT_NOOP=1`): turns appends into no-ops so the
    /// benchmark can measure what the audit log costs. Never set it in production: changes would
    /// then leave no trace.
    static let benchmarkNoOp = ProcessInfo.processInfo.environment["IMARKET_BENCH_AUDIT_NOOP"] == "1"

    public static func append(
        _ connection: PostgresConnection, actorId: String?, method: String, subject: AuditSubject, digest: String
    ) throws {
        if benchmarkNoOp { return }
        try connection.executeAtCommit(
            "SELECT audit_append($1, $2, $3, $4, $5)",
            [actorId, method, subject.type, subject.id, digest])
    }
}
