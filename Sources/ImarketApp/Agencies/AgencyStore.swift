import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// SQL for `agencies` and `agency_qualifications`.
///
/// A suspension with an end date is over the moment `suspended_until` passes, even before the
/// deadline worker lifts it: every read goes through `effectiveStatus`, and every change first
/// lifts an expired suspension of the agency it touches (`lock`).
public enum AgencyStore {
    /// The status as of now: an expired suspension reads as `approved`.
    static let effectiveStatus = """
        CASE WHEN a.status = 'suspended' AND a.suspended_until <= now() THEN 'approved' ELSE a.status END
        """

    static let columns = """
        a.agency_id, a.name, a.credit_code, a.region_code, a.address, a.contact::text AS contact,
        array_to_json(a.service_types)::text AS service_types, \(effectiveStatus) AS status,
        CASE WHEN a.status = 'suspended' AND a.suspended_until <= now() THEN NULL ELSE a.status_reason END AS status_reason,
        a.credit_hundredths, a.created_at, a.reviewed_at,
        (SELECT coalesce(json_agg(json_build_object('serviceType', q.service_type, 'certificateNo', q.certificate_no,
                 'issuer', q.issuer, 'level', q.level, 'validUntil', q.valid_until::text) ORDER BY q.position), '[]')::text
           FROM agency_qualifications q WHERE q.agency_id = a.agency_id) AS qualifications
        """

    static func agency(from row: PostgresRow) throws -> Agency {
        func decode<T: Decodable>(_ type: T.Type, _ column: String) throws -> T {
            try JSONValueDecoder().decode(T.self, from: JSONParser.parse(Array(try row.string(column).utf8)))
        }
        return Agency(
            agencyId: try row.string("agency_id"), name: try row.string("name"), creditCode: try row.string("credit_code"),
            regionCode: try row.string("region_code"), address: try row.string("address"),
            contact: try decode(Contact.self, "contact"), serviceTypes: try decode([String].self, "service_types"),
            qualifications: try decode([Qualification].self, "qualifications"),
            status: AgencyStatus(rawValue: try row.string("status")) ?? .pending,
            statusReason: try row.optionalString("status_reason"),
            creditScore: CreditPoints(hundredths: try row.int64("credit_hundredths")),
            createdAt: RFC3339.format(try row.date("created_at")),
            reviewedAt: try row.optionalDate("reviewed_at").map(RFC3339.format))
    }

    public static func find(_ connection: PostgresConnection, agencyId: String) throws -> Agency? {
        try connection.query("SELECT \(columns) FROM agencies a WHERE a.agency_id = $1", [agencyId]).first.map(agency(from:))
    }

    /// Locks the agency row for a change, first lifting its suspension if that has expired.
    /// Throws -32004 for an unknown id.
    static func lock(_ connection: PostgresConnection, agencyId: String, actorId: String?) throws -> Agency {
        _ = try lift(connection, where: "agency_id = $1", [agencyId])
        guard try !connection.query("SELECT 1 FROM agencies WHERE agency_id = $1 FOR UPDATE", [agencyId]).isEmpty,
              let agency = try find(connection, agencyId: agencyId) else {
            throw RPCError.notFound("No such agency", field: "agencyId")
        }
        return agency
    }

    /// Lifts every suspension whose `until` has passed, each with an audit entry; returns how
    /// many. Called periodically by the deadline worker (reads do not depend on it).
    public static func liftExpiredSuspensions(_ connection: PostgresConnection) throws -> Int {
        try lift(connection, where: "true", [])
    }

    private static func lift(_ connection: PostgresConnection, where condition: String, _ params: [PostgresBindable?]) throws -> Int {
        let rows = try connection.query(
            """
            UPDATE agencies SET status = 'approved', status_reason = NULL, suspended_until = NULL
            WHERE status = 'suspended' AND suspended_until <= now() AND \(condition)
            RETURNING agency_id
            """, params)
        for row in rows {
            let id = try row.string("agency_id")
            try AuditLog.append(connection, actorId: nil, method: "agency.suspension_lifted", subject: AuditSubject("agency", id),
                                digest: AuditLog.digest(params: ["agencyId": .string(id)], result: ["status": "approved"]))
        }
        return rows.count
    }

    static func json(_ value: some Encodable) throws -> PostgresJSON {
        PostgresJSON(String(decoding: try JSONValueEncoder().encode(value).serialized(), as: UTF8.self))
    }

    struct NewAgency {
        var name: String
        var creditCode: String
        var regionCode: String
        var address: String
        var contact: Contact
        var serviceTypes: [String]
        var qualifications: [Qualification]
    }

    /// Inserts a `pending` agency with its qualifications; -32009 `duplicate_credit_code` when
    /// the code is taken.
    static func insert(_ connection: PostgresConnection, _ new: NewAgency) throws -> String {
        let id = Identifiers.make("agy")
        _ = try OrganizationChecks.mapDuplicate {
            try connection.execute(
                """
                INSERT INTO agencies (agency_id, name, credit_code, region_code, address, contact, service_types)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [id, new.name, new.creditCode, new.regionCode, new.address, try json(new.contact), new.serviceTypes])
        }
        try replaceQualifications(connection, agencyId: id, new.qualifications)
        return id
    }

    static func replaceQualifications(_ connection: PostgresConnection, agencyId: String, _ qualifications: [Qualification]) throws {
        try connection.execute("DELETE FROM agency_qualifications WHERE agency_id = $1", [agencyId])
        guard !qualifications.isEmpty else { return }
        try connection.execute(
            """
            INSERT INTO agency_qualifications (agency_id, position, service_type, certificate_no, issuer, level, valid_until)
            SELECT $1, t.ord - 1, t.st, t.cn, t.iss, NULLIF(t.lvl, ''), t.vu::date
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(st, cn, iss, lvl, vu, ord)
            """,
            [agencyId, qualifications.map(\.serviceType), qualifications.map(\.certificateNo), qualifications.map(\.issuer),
             qualifications.map { $0.level ?? "" }, qualifications.map(\.validUntil)])
    }

    /// Sets the stored status; `reviewed` stamps `reviewed_at`.
    static func setStatus(_ connection: PostgresConnection, agencyId: String, status: AgencyStatus, reason: String?,
                          suspendedUntil: Date? = nil, reviewed: Bool = false) throws {
        try connection.execute(
            """
            UPDATE agencies SET status = $2, status_reason = $3, suspended_until = $4,
                reviewed_at = CASE WHEN $5 THEN now() ELSE reviewed_at END
            WHERE agency_id = $1
            """, [agencyId, status.rawValue, reason, suspendedUntil, reviewed])
    }

    static func updateProfile(_ connection: PostgresConnection, agencyId: String, contact: Contact?, address: String?,
                              serviceTypes: [String]?) throws {
        try connection.execute(
            """
            UPDATE agencies SET contact = coalesce($2, contact), address = coalesce($3, address),
                service_types = coalesce($4, service_types)
            WHERE agency_id = $1
            """, [agencyId, try contact.map(json), address, serviceTypes])
    }
}
