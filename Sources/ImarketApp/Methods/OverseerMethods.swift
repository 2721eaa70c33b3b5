import ImarketJSONRPC

/// API section 6: overseer accounts. An overseer is an account (role `overseer`); its id is the
/// account id, and an optional region scope limits what it sees.
enum OverseerMethods {
    struct CreateParams: Codable, Sendable {
        var name: String
        var regionScope: String?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            regionScope = try c.decodeIfPresent(String.self, forKey: .regionScope)
            try decoder.require(TextRules.isPresent(name, max: 200), "out_of_range", "name must be 1–200 characters", field: "name")
            try OrganizationChecks.regionPrefix(regionScope, decoder, field: "regionScope")
        }
    }

    struct Overseer: Codable, Sendable {
        var overseerId: String
        var name: String
        @NullEncodable var regionScope: String?
    }

    struct Created: Codable, Sendable {
        var overseer: Overseer
        var token: String
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("overseer.create", "Creates an overseer account (optionally limited to a region prefix) and its first token.",
                     access: .only(.admin), params: CreateParams.self, result: Created.self) { params, context in
            try await context.mutate("overseer.create", params: params) { connection in
                let account = try AccountStore.createAccount(connection, role: .overseer, name: params.name,
                                                             regionScope: params.regionScope)
                let token = try AccountStore.createToken(connection, accountId: account.accountId, label: "overseer.create")
                return (Created(overseer: Overseer(overseerId: account.accountId, name: params.name, regionScope: params.regionScope),
                                token: token.token), AuditSubject("account", account.accountId))
            }
        }
    }
}
