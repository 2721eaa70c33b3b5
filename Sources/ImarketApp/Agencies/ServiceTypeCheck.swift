import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// The registration rules for what an agency offers (API section 6): every service type and
/// every qualification's type is an active catalog item (-32022 `unknown_service_type`), and each
/// service type whose item requires a qualification has one valid today in the rule `timeZone`
/// (-32022 `qualification_required`). Runs inside the registering/updating transaction.
enum ServiceTypeCheck {
    static func check(_ connection: PostgresConnection, serviceTypes: [String], qualifications: [Qualification],
                      timeZone: String) throws {
        let catalog = try CatalogStore.items(connection, codes: serviceTypes + qualifications.map(\.serviceType))
        func known(_ code: String) -> Bool { catalog[code]?.active == true }
        for (i, code) in serviceTypes.enumerated() where !known(code) {
            throw unknown(code, field: "serviceTypes[\(i)]")
        }
        for (i, q) in qualifications.enumerated() where !known(q.serviceType) {
            throw unknown(q.serviceType, field: "qualifications[\(i)].serviceType")
        }
        let today = try Self.today(connection, timeZone: timeZone)
        for (i, code) in serviceTypes.enumerated() where catalog[code]?.qualificationRequired == true {
            let covered = qualifications.contains { q in
                q.serviceType == code && (q.validUntilDate.map { $0 >= today } ?? false)
            }
            if !covered {
                throw RPCError.businessRule(reason: "qualification_required",
                                            message: "\(code) requires a qualification valid today", field: "serviceTypes[\(i)]")
            }
        }
    }

    private static func unknown(_ code: String, field: String) -> RPCError {
        .businessRule(reason: "unknown_service_type", message: "\(code) is not an active catalog item", field: field)
    }

    /// Today's date in `timeZone`, by the database clock.
    static func today(_ connection: PostgresConnection, timeZone: String) throws -> CivilDate {
        let text = try connection.query("SELECT (now() AT TIME ZONE $1)::date::text AS today", [timeZone])[0].string("today")
        guard let date = CivilDate(text) else { throw RPCError.internalError }
        return date
    }
}
