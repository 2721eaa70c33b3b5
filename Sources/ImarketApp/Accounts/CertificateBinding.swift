import ImarketJSONRPC
import ImarketPostgres

/// Binding a client certificate to an account (command line only: it is an operator decision).
public enum CertificateBinding {
    public static func bind(pool: PostgresPool, fingerprint: String, accountId: String) async throws {
        guard fingerprint.count == 64, fingerprint.allSatisfy({ $0.isHexDigit }) else {
            throw ConfigurationError("a fingerprint is 64 hex characters")
        }
        try await pool.transaction { connection in
            guard try AccountStore.caller(accountId: accountId, connection) != nil else {
                throw ConfigurationError("no account \(accountId)")
            }
            try AccountStore.bindCertificate(connection, fingerprint: fingerprint, accountId: accountId)
            try AuditLog.append(connection, actorId: nil, method: "cli.cert.bind", subject: AuditSubject("account", accountId),
                                digest: AuditLog.digest(params: ["fingerprint": .string(fingerprint.lowercased())], result: ["ok": true]))
        }
    }
}
