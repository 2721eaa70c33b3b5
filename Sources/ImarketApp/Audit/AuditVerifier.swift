import ImarketPostgres

/// Reads the whole audit log and its chain heads in one repeatable-read snapshot and checks
/// them with `AuditChain`. Used by `audit.verify` and by `imarket audit verify`, which an
/// outside auditor runs directly against the database.
public enum AuditVerifier {
    public static func verify(pool: PostgresPool) async throws -> AuditVerification {
        let (entries, heads) = try await pool.transaction(isolation: .repeatableRead) { connection in
            try load(connection)
        }
        return AuditChain.verify(entries: entries, heads: heads)
    }

    /// The API's variant: same check, with database errors mapped for clients.
    public static func verify(database: Database) async throws -> AuditVerification {
        let (entries, heads) = try await database.transaction(isolation: .repeatableRead) { connection in
            try load(connection)
        }
        return AuditChain.verify(entries: entries, heads: heads)
    }

    static func load(_ connection: PostgresConnection) throws -> ([AuditEntry], [AuditHead]) {
        let rows = try connection.query(
            """
            SELECT seq, (extract(epoch FROM at) * 1000000)::bigint AS at_micros, actor_id, method, subject_type,
                   subject_id, subject_index, digest, prev_hash, hash
              FROM audit_entries ORDER BY subject_type, subject_id, subject_index, seq
            """)
        let entries = try rows.map { row in
            AuditEntry(seq: try row.int64("seq"), atMicros: try row.int64("at_micros"), actorId: try row.optionalString("actor_id"),
                       method: try row.string("method"), subjectType: try row.string("subject_type"),
                       subjectId: try row.string("subject_id"), subjectIndex: try row.int64("subject_index"),
                       digest: try row.string("digest"), prevHash: try row.string("prev_hash"), hash: try row.string("hash"))
        }
        let heads = try connection.query("SELECT subject_type, subject_id, last_seq, last_hash, entries FROM audit_heads").map { row in
            AuditHead(subjectType: try row.string("subject_type"), subjectId: try row.string("subject_id"),
                      lastSeq: try row.int64("last_seq"), lastHash: try row.string("last_hash"), entries: try row.int64("entries"))
        }
        return (entries, heads)
    }
}
