import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// A purchasing unit (采购主体). `contact` is null for callers who may not see it.
public struct Purchaser: Codable, Sendable, Equatable {
    public var purchaserId: String
    public var name: String
    public var creditCode: String
    public var regionCode: String
    @NullEncodable public var contact: Contact?
    public var createdAt: String
}

/// SQL for `purchasers`.
public enum PurchaserStore {
    static let columns = "purchaser_id, name, credit_code, region_code, contact::text AS contact, created_at"

    static func purchaser(from row: PostgresRow) throws -> Purchaser {
        Purchaser(purchaserId: try row.string("purchaser_id"), name: try row.string("name"),
                  creditCode: try row.string("credit_code"), regionCode: try row.string("region_code"),
                  contact: try JSONValueDecoder().decode(Contact.self, from: JSONParser.parse(Array(try row.string("contact").utf8))),
                  createdAt: RFC3339.format(try row.date("created_at")))
    }

    /// Inserts a purchaser; a taken credit code is -32009 `duplicate_credit_code`.
    static func insert(_ connection: PostgresConnection, name: String, creditCode: String, regionCode: String,
                       contact: Contact) throws -> Purchaser {
        let id = Identifiers.make("pur")
        let contactJSON = PostgresJSON(String(decoding: try JSONValueEncoder().encode(contact).serialized(), as: UTF8.self))
        let rows = try OrganizationChecks.mapDuplicate {
            try connection.query(
                """
                INSERT INTO purchasers (purchaser_id, name, credit_code, region_code, contact)
                VALUES ($1, $2, $3, $4, $5) RETURNING \(columns)
                """, [id, name, creditCode, regionCode, contactJSON])
        }
        return try purchaser(from: rows[0])
    }

    public static func find(_ connection: PostgresConnection, purchaserId: String) throws -> Purchaser? {
        try connection.query("SELECT \(columns) FROM purchasers WHERE purchaser_id = $1", [purchaserId]).first.map(purchaser(from:))
    }

    public static func creditCodeTaken(_ connection: PostgresConnection, _ creditCode: String) throws -> Bool {
        try !connection.query(
            "SELECT 1 FROM purchasers WHERE credit_code = $1 UNION ALL SELECT 1 FROM agencies WHERE credit_code = $1",
            [creditCode]).isEmpty
    }
}
