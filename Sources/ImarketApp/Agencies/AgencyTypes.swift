import ImarketDomain
import ImarketJSONRPC

/// A qualification certificate (资质) an agency holds for one service type.
public struct Qualification: Codable, Sendable, Equatable {
    public var serviceType: String
    public var certificateNo: String
    public var issuer: String
    @NullEncodable public var level: String?
    /// `YYYY-MM-DD`, validated on input.
    public var validUntil: String

    enum CodingKeys: String, CodingKey { case serviceType, certificateNo, issuer, level, validUntil }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        serviceType = try c.decode(String.self, forKey: .serviceType)
        certificateNo = try c.decode(String.self, forKey: .certificateNo)
        issuer = try c.decode(String.self, forKey: .issuer)
        let level = try c.decodeIfPresent(String.self, forKey: .level)
        self.level = level?.isEmpty == true ? nil : level
        validUntil = try c.decode(String.self, forKey: .validUntil)
        try decoder.require(TextRules.isPresent(certificateNo, max: 100), "out_of_range", "certificateNo must be 1–100 characters",
                            field: "certificateNo")
        try decoder.require(TextRules.isPresent(issuer, max: 200), "out_of_range", "issuer must be 1–200 characters", field: "issuer")
        try decoder.require((level?.count ?? 0) <= 50, "out_of_range", "level is at most 50 characters", field: "level")
        try decoder.require(CivilDate(validUntil) != nil, "invalid_value", "validUntil must be a date YYYY-MM-DD", field: "validUntil")
    }

    var validUntilDate: CivilDate? { CivilDate(validUntil) }
}

/// An agency's credit score as the API shows it: a JSON number with exactly two decimals
/// (`80.00`), kept as exact hundredths so no floating point rounding can creep in.
public struct CreditPoints: Codable, Sendable, Equatable, RPCSchemaProviding {
    public var hundredths: Int64

    public init(hundredths: Int64) { self.hundredths = hundredths }

    public static var rpcSchema: JSONValue { ["type": "number", "minimum": 0, "maximum": 100] }
    public static var rpcSchemaSample: CreditPoints? { CreditPoints(hundredths: 8000) }

    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .number(let n) = value else { throw decoder.invalid("invalid_type", "a score is a number") }
        hundredths = Int64((n.doubleValue * 100).rounded())
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.number(JSONNumber(text: Hundredths(hundredths).description)!).encode(to: encoder)
    }
}

/// An intermediary agency (API section 6). `contact` is null for callers who may not see it.
public struct Agency: Codable, Sendable, Equatable {
    public var agencyId: String
    public var name: String
    public var creditCode: String
    public var regionCode: String
    public var address: String
    @NullEncodable public var contact: Contact?
    public var serviceTypes: [String]
    public var qualifications: [Qualification]
    public var status: AgencyStatus
    @NullEncodable public var statusReason: String?
    public var creditScore: CreditPoints
    public var createdAt: String
    @NullEncodable public var reviewedAt: String?
}

public enum AgencyStatus: String, Codable, Sendable, CaseIterable {
    case pending, approved, rejected, suspended
}
