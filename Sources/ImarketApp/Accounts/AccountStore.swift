import Foundation
import ImarketJSONRPC
import ImarketPostgres
import ImarketTLS

/// Accounts and their credentials (bearer tokens and client certificates). SQL for the
/// `accounts`, `api_tokens` and `client_certificates` tables lives here.
public enum AccountStore {
    static let callerColumns = "a.account_id, a.role, a.name, a.org_id, a.region_scope"

    static func caller(from row: PostgresRow) throws -> Caller {
        Caller(
            accountId: try row.string("account_id"),
            role: Role(rawValue: try row.string("role")) ?? .anonymous,
            name: try row.string("name"),
            orgId: try row.optionalString("org_id"),
            regionScope: try row.optionalString("region_scope"))
    }

    /// The account a live token belongs to. Tokens are looked up by their SHA-256 and the stored
    /// hash is compared again in constant time, so timing reveals nothing about near misses.
    public static func caller(forToken token: String, database: Database) async throws -> Caller? {
        guard Identifiers.looksLikeToken(token) else { return nil }
        let hash = Crypto.sha256(Array(token.utf8))
        let rows = try await database.query(
            """
            SELECT \(callerColumns), t.token_hash FROM api_tokens t JOIN accounts a USING (account_id)
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL
            """, [hash])
        guard let row = rows.first, Crypto.constantTimeEquals(try row.bytes("token_hash"), hash) else { return nil }
        return try caller(from: row)
    }

    public static func caller(forCertificate fingerprint: String, database: Database) async throws -> Caller? {
        let rows = try await database.query(
            "SELECT \(callerColumns) FROM client_certificates c JOIN accounts a USING (account_id) WHERE c.fingerprint = $1",
            [fingerprint.lowercased()])
        return try rows.first.map(caller(from:))
    }

    public static func caller(accountId: String, _ connection: PostgresConnection) throws -> Caller? {
        let rows = try connection.query("SELECT \(callerColumns) FROM accounts a WHERE a.account_id = $1", [accountId])
        return try rows.first.map(caller(from:))
    }

    @discardableResult
    public static func createAccount(
        _ connection: PostgresConnection, role: Role, name: String, orgId: String? = nil, regionScope: String? = nil,
        accountId: String = Identifiers.make("acc")
    ) throws -> Caller {
        try connection.execute(
            "INSERT INTO accounts (account_id, role, name, org_id, region_scope) VALUES ($1, $2, $3, $4, $5)",
            [accountId, role.rawValue, name, orgId, regionScope])
        return Caller(accountId: accountId, role: role, name: name, orgId: orgId, regionScope: regionScope)
    }

    public struct IssuedToken: Codable, Sendable, Equatable {
        public var tokenId: String
        public var token: String
    }

    /// Creates a token; its text is returned once and only its hash is stored.
    public static func createToken(_ connection: PostgresConnection, accountId: String, label: String) throws -> IssuedToken {
        let token = Identifiers.makeToken()
        let tokenId = Identifiers.make("tok")
        try connection.execute(
            "INSERT INTO api_tokens (token_id, account_id, label, token_hash) VALUES ($1, $2, $3, $4)",
            [tokenId, accountId, label, Crypto.sha256(Array(token.utf8))])
        return IssuedToken(tokenId: tokenId, token: token)
    }

    public struct TokenRow: Sendable {
        public var tokenId: String
        public var accountId: String
        public var revokedAt: Date?
    }

    public static func token(_ connection: PostgresConnection, tokenId: String, forUpdate: Bool = false) throws -> TokenRow? {
        let rows = try connection.query(
            "SELECT token_id, account_id, revoked_at FROM api_tokens WHERE token_id = $1" + (forUpdate ? " FOR UPDATE" : ""),
            [tokenId])
        return try rows.first.map {
            TokenRow(tokenId: try $0.string("token_id"), accountId: try $0.string("account_id"),
                     revokedAt: try $0.optionalDate("revoked_at"))
        }
    }

    /// Marks a token revoked (idempotent: a second revoke keeps the first time).
    public static func revokeToken(_ connection: PostgresConnection, tokenId: String) throws -> Date {
        let rows = try connection.query(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = $1 RETURNING revoked_at",
            [tokenId])
        return try rows[0].date("revoked_at")
    }

    public static func bindCertificate(_ connection: PostgresConnection, fingerprint: String, accountId: String) throws {
        try connection.execute(
            """
            INSERT INTO client_certificates (fingerprint, account_id) VALUES ($1, $2)
            ON CONFLICT (fingerprint) DO UPDATE SET account_id = EXCLUDED.account_id
            """, [fingerprint.lowercased(), accountId])
    }
}
