import Foundation
import ImarketDomain
import ImarketJSONRPC

/// Params of the contract methods with their value checks (run while decoding).
enum ContractParams {
    static func checkText(_ text: String, _ name: String, max: Int, _ decoder: any Decoder) throws {
        try decoder.require(TextRules.isPresent(text, max: max), "out_of_range", "\(name) must be 1–\(max) characters", field: name)
    }

    static func checkDate(_ text: String, _ name: String, _ decoder: any Decoder) throws {
        try decoder.require(CivilDate(text) != nil, "invalid_value", "\(name) must be a date YYYY-MM-DD", field: name)
    }

    struct Create: Codable, Sendable {
        var demandId: String
        var amountFen: Int64
        var signedOn: String
        var endsOn: String
        var idempotencyKey: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandId = try c.decode(String.self, forKey: .demandId)
            amountFen = try c.decode(Int64.self, forKey: .amountFen)
            signedOn = try c.decode(String.self, forKey: .signedOn)
            endsOn = try c.decode(String.self, forKey: .endsOn)
            idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
            try decoder.require(amountFen > 0 && Money.isValid(amountFen), "out_of_range", "amountFen must be 1…10^13", field: "amountFen")
            try checkDate(signedOn, "signedOn", decoder)
            try checkDate(endsOn, "endsOn", decoder)
            if let s = CivilDate(signedOn), let e = CivilDate(endsOn) {
                try decoder.require(e >= s, "out_of_range", "endsOn must not be before signedOn", field: "endsOn")
            }
        }
    }

    struct ById: Codable, Sendable {
        var contractId: String
    }

    struct Deliver: Codable, Sendable {
        var contractId: String
        var summary: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contractId = try c.decode(String.self, forKey: .contractId)
            summary = try c.decode(String.self, forKey: .summary)
            try checkText(summary, "summary", max: 5000, decoder)
        }
    }

    struct Accept: Codable, Sendable {
        var contractId: String
        var accepted: Bool
        var note: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contractId = try c.decode(String.self, forKey: .contractId)
            accepted = try c.decode(Bool.self, forKey: .accepted)
            note = try c.decodeIfPresent(String.self, forKey: .note)
            try decoder.require(accepted || note != nil, "missing_field", "note is required when the delivery is not accepted",
                                field: "note")
            if let note { try checkText(note, "note", max: 2000, decoder) }
        }

        /// The state machine's event for this acceptance.
        var event: ContractEvent {
            get throws {
                do { return try ContractEvent.acceptance(accepted: accepted, note: note) } catch {
                    throw RPCError.invalidParams(reason: "missing_field", field: "note",
                                                 message: "note is required when the delivery is not accepted")
                }
            }
        }
    }

    struct Terminate: Codable, Sendable {
        var contractId: String
        var reason: String
        var faultOf: FaultOf

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            contractId = try c.decode(String.self, forKey: .contractId)
            reason = try c.decode(String.self, forKey: .reason)
            faultOf = try c.decode(FaultOf.self, forKey: .faultOf)
            try checkText(reason, "reason", max: 2000, decoder)
        }
    }

    enum Status: String, Codable, Sendable, CaseIterable {
        case pendingConfirmation = "pending_confirmation"
        case active, delivered, completed, terminated
    }

    struct Search: Codable, Sendable {
        var purchaserId: String?
        var agencyId: String?
        var status: Status?
        var cursor: String?
        var limit: Int?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            purchaserId = try c.decodeIfPresent(String.self, forKey: .purchaserId)
            agencyId = try c.decodeIfPresent(String.self, forKey: .agencyId)
            status = try c.decodeIfPresent(Status.self, forKey: .status)
            cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
            limit = try c.decodeIfPresent(Int.self, forKey: .limit)
            try decoder.require((1...200).contains(limit ?? 50), "out_of_range", "limit must be 1–200", field: "limit")
            try decoder.require(cursor.map { KeysetCursor.decode($0) != nil } ?? true, "invalid_value",
                                "cursor is not one this server issued", field: "cursor")
        }
    }
}
