import Foundation
import ImarketJSONRPC

/// Params of the agency methods, with their value checks (run while decoding, see CONTRIBUTING
/// notes in MethodRegistration.swift).
enum AgencyParams {
    static func checkServiceTypes(_ types: [String], _ decoder: any Decoder) throws {
        try decoder.require((1...20).contains(types.count), "out_of_range", "serviceTypes must list 1–20 codes", field: "serviceTypes")
        try decoder.require(Set(types).count == types.count, "invalid_value", "serviceTypes must not repeat a code", field: "serviceTypes")
    }

    static func checkQualifications(_ qualifications: [Qualification], _ decoder: any Decoder) throws {
        try decoder.require(qualifications.count <= 50, "out_of_range", "at most 50 qualifications", field: "qualifications")
    }

    static func checkAddress(_ address: String, _ decoder: any Decoder) throws {
        try decoder.require(TextRules.isPresent(address, max: 300), "out_of_range", "address must be 1–300 characters", field: "address")
    }

    static func checkReason(_ reason: String, _ decoder: any Decoder) throws {
        try decoder.require(TextRules.isPresent(reason, max: 1000), "out_of_range", "reason must be 1–1000 characters", field: "reason")
    }

    struct Register: Codable, Sendable {
        var name: String
        var creditCode: String
        var regionCode: String
        var address: String
        var contact: Contact
        var serviceTypes: [String]
        var qualifications: [Qualification]
        var idempotencyKey: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            creditCode = try c.decode(String.self, forKey: .creditCode)
            regionCode = try c.decode(String.self, forKey: .regionCode)
            address = try c.decode(String.self, forKey: .address)
            contact = try c.decode(Contact.self, forKey: .contact)
            serviceTypes = try c.decode([String].self, forKey: .serviceTypes)
            qualifications = try c.decode([Qualification].self, forKey: .qualifications)
            idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
            try decoder.require(TextRules.isPresent(name, max: 200), "out_of_range", "name must be 1–200 characters", field: "name")
            try OrganizationChecks.creditCode(creditCode, decoder)
            try OrganizationChecks.regionCode(regionCode, decoder)
            try checkAddress(address, decoder)
            try checkServiceTypes(serviceTypes, decoder)
            try checkQualifications(qualifications, decoder)
        }
    }

    enum Decision: String, Codable, Sendable, CaseIterable {
        case approve, reject
    }

    struct Review: Codable, Sendable {
        var agencyId: String
        var decision: Decision
        var reason: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            agencyId = try c.decode(String.self, forKey: .agencyId)
            decision = try c.decode(Decision.self, forKey: .decision)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            try decoder.require(decision == .approve || reason != nil, "missing_field", "reason is required to reject", field: "reason")
            if let reason { try checkReason(reason, decoder) }
        }
    }

    struct Update: Codable, Sendable {
        var contact: Contact?
        var address: String?
        var serviceTypes: [String]?
        var qualifications: [Qualification]?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contact = try c.decodeIfPresent(Contact.self, forKey: .contact)
            address = try c.decodeIfPresent(String.self, forKey: .address)
            serviceTypes = try c.decodeIfPresent([String].self, forKey: .serviceTypes)
            qualifications = try c.decodeIfPresent([Qualification].self, forKey: .qualifications)
            if let address { try checkAddress(address, decoder) }
            if let serviceTypes { try checkServiceTypes(serviceTypes, decoder) }
            if let qualifications { try checkQualifications(qualifications, decoder) }
        }
    }

    struct Suspend: Codable, Sendable {
        var agencyId: String
        var reason: String
        /// RFC 3339; when it passes the suspension ends by itself.
        var until: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            agencyId = try c.decode(String.self, forKey: .agencyId)
            reason = try c.decode(String.self, forKey: .reason)
            until = try c.decodeIfPresent(String.self, forKey: .until)
            try checkReason(reason, decoder)
            if let until {
                try decoder.require(RFC3339.parse(until) != nil, "invalid_value", "until must be an RFC 3339 timestamp", field: "until")
            }
        }
    }

    struct Reinstate: Codable, Sendable {
        var agencyId: String
        var reason: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            agencyId = try c.decode(String.self, forKey: .agencyId)
            reason = try c.decode(String.self, forKey: .reason)
            try checkReason(reason, decoder)
        }
    }

    struct ById: Codable, Sendable {
        var agencyId: String
    }

    struct Search: Codable, Sendable {
        var serviceType: String?
        var regionCode: String?
        var status: AgencyStatus?
        var text: String?
        var cursor: String?
        var limit: Int?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            serviceType = try c.decodeIfPresent(String.self, forKey: .serviceType)
            regionCode = try c.decodeIfPresent(String.self, forKey: .regionCode)
            status = try c.decodeIfPresent(AgencyStatus.self, forKey: .status)
            text = try c.decodeIfPresent(String.self, forKey: .text)
            cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            try OrganizationChecks.regionPrefix(regionCode, decoder, field: "regionCode")
            try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
            try decoder.require(text.map { TextRules.isPresent($0, max: 100) } ?? true, "out_of_range",
                                "text must be 1–100 characters", field: "text")
            try decoder.require(cursor.map { AgencySearch.decodeCursor($0) != nil } ?? true, "invalid_value",
                                "cursor is not one this server issued", field: "cursor")
        }
    }
}
