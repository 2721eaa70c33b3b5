import ImarketJSONRPC

/// API section 6: purchasing units. `purchaser.create` also creates the unit's account and
/// first token, so the operator can hand the credentials over in one step.
enum PurchaserMethods {
    struct CreateParams: Codable, Sendable {
        var name: String
        var creditCode: String
        var regionCode: String
        var contact: Contact
        var idempotencyKey: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            creditCode = try c.decode(String.self, forKey: .creditCode)
            regionCode = try c.decode(String.self, forKey: .regionCode)
            contact = try c.decode(Contact.self, forKey: .contact)
            idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
            try decoder.require(TextRules.isPresent(name, max: 200), "out_of_range", "name must be 1–200 characters", field: "name")
            try OrganizationChecks.creditCode(creditCode, decoder)
            try OrganizationChecks.regionCode(regionCode, decoder)
        }
    }

    struct Created: Codable, Sendable {
        var purchaser: Purchaser
        var token: String
    }

    struct GetParams: Codable, Sendable {
        var purchaserId: String
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("purchaser.create", "Creates a purchasing unit with its account; returns its first token (shown once).",
                     access: .only(.admin), params: CreateParams.self, result: Created.self) { params, context in
            try await context.mutate("purchaser.create", params: params, idempotencyKey: params.idempotencyKey) { connection in
                if try PurchaserStore.creditCodeTaken(connection, params.creditCode) { throw OrganizationChecks.duplicateCreditCode }
                let purchaser = try PurchaserStore.insert(connection, name: params.name, creditCode: params.creditCode,
                                                          regionCode: params.regionCode, contact: params.contact)
                let account = try AccountStore.createAccount(connection, role: .purchaser, name: params.name,
                                                             orgId: purchaser.purchaserId)
                let token = try AccountStore.createToken(connection, accountId: account.accountId, label: "purchaser.create")
                return (Created(purchaser: purchaser, token: token.token), AuditSubject("purchaser", purchaser.purchaserId))
            }
        }

        registry.add("purchaser.get", "A purchasing unit; contact only for admin, overseers in scope and the unit itself.",
                     access: .authenticated, params: GetParams.self, result: Purchaser.self) { params, context in
            let caller = try context.requireCaller
            guard var purchaser = try await context.services.database.read({
                try PurchaserStore.find($0, purchaserId: params.purchaserId)
            }) else {
                throw RPCError.notFound("No such purchaser", field: "purchaserId")
            }
            guard OrganizationChecks.inScope(caller, regionCode: purchaser.regionCode) else {
                throw RPCError.forbidden("This purchaser is outside your region scope")
            }
            let seesContact = caller.role == .admin || caller.role == .overseer
                || (caller.role == .purchaser && caller.orgId == purchaser.purchaserId)
            if !seesContact { purchaser.contact = nil }
            return purchaser
        }
    }
}
