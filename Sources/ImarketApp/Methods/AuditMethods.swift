import ImarketJSONRPC
import ImarketPostgres

/// API section 11: reading and verifying the audit log (admin, overseer).
enum AuditMethods {
    struct EventsParams: Codable, Sendable {
        var subjectType: String?
        var subjectId: String?
        var actorId: String?
        var afterSeq: Int64?
        var limit: Int?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            subjectType = try c.decodeIfPresent(String.self, forKey: .subjectType)
            subjectId = try c.decodeIfPresent(String.self, forKey: .subjectId)
            actorId = try c.decodeIfPresent(String.self, forKey: .actorId)
            afterSeq = try c.decodeIfPresent(Int64.self, forKey: .afterSeq)
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
            try decoder.require((afterSeq ?? 0) >= 0, "out_of_range", "afterSeq must be ≥ 0", field: "afterSeq")
        }
    }

    struct Event: Codable, Sendable {
        var seq: Int64
        var at: String
        @NullEncodable var actorId: String?
        var method: String
        var subjectType: String
        var subjectId: String
        var digest: String
        var hash: String
    }

    struct EventsPage: Codable, Sendable {
        var items: [Event]
        /// The `afterSeq` to pass for the next page; null on the last page.
        @NullEncodable var nextCursor: String?
    }

    struct Verification: Codable, Sendable {
        var ok: Bool
        var entries: Int
        @NullEncodable var brokenAt: Int64?
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("audit.events", "Audit entries in sequence order, filtered and paged by afterSeq.",
                     access: .only(.admin, .overseer), params: EventsParams.self, result: EventsPage.self) { params, context in
            let limit = params.limit ?? 50
            return try await context.services.database.read { connection in
                let rows = try connection.query(
                    """
                    SELECT seq, at, actor_id, method, subject_type, subject_id, digest, hash FROM audit_entries
                     WHERE seq > $1 AND ($2::text IS NULL OR subject_type = $2) AND ($3::text IS NULL OR subject_id = $3)
                       AND ($4::text IS NULL OR actor_id = $4)
                     ORDER BY seq LIMIT $5
                    """, [params.afterSeq ?? 0, params.subjectType, params.subjectId, params.actorId, limit + 1])
                let events = try rows.prefix(limit).map { row in
                    Event(seq: try row.int64("seq"), at: RFC3339.format(try row.date("at")), actorId: try row.optionalString("actor_id"),
                          method: try row.string("method"), subjectType: try row.string("subject_type"),
                          subjectId: try row.string("subject_id"), digest: try row.string("digest"), hash: try row.string("hash"))
                }
                let next = rows.count > limit ? events.last.map { String($0.seq) } : nil
                return EventsPage(items: events, nextCursor: next)
            }
        }

        registry.add("audit.verify", "Recomputes every audit hash chain; reports the first bad entry.",
                     access: .only(.admin, .overseer), params: EmptyParams.self, result: Verification.self) { _, context in
            let result = try await AuditVerifier.verify(database: context.services.database)
            return Verification(ok: result.ok, entries: result.entries, brokenAt: result.brokenAt)
        }
    }
}
