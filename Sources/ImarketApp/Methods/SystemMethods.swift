import Foundation
import ImarketDomain
import ImarketJSONRPC

/// API section 5: ping, identity, rules and tokens.
enum SystemMethods {
    /// Writes itself (`JSONObjectWritable`) and is answered on the event loop when anonymous:
    /// the most frequent call, and the one the load balancer's health checks make.
    struct Ping: Codable, Sendable, JSONObjectWritable {
        var version: String
        var time: String

        func writeMembers(to object: inout JSONObjectWriter) {
            object.member("version", version)
            object.member("time", time)
        }
    }

    struct WhoAmI: Codable, Sendable {
        var accountId: String
        var role: String
        @NullEncodable var orgId: String?
        var name: String
    }

    struct RulesSetParams: Codable, Sendable {
        var changes: JSONValue
    }

    struct TokenCreateParams: Codable, Sendable {
        var accountId: String
        var label: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            accountId = try c.decode(String.self, forKey: .accountId)
            label = try c.decode(String.self, forKey: .label)
            try decoder.require((1...100).contains(label.count), "out_of_range", "label must be 1–100 characters", field: "label")
        }
    }

    struct TokenRevokeParams: Codable, Sendable {
        var tokenId: String
    }

    struct TokenRevoked: Codable, Sendable {
        var tokenId: String
        var revokedAt: String
    }

    static func register(in registry: inout MethodRegistry) {
        registry.addImmediate("system.ping", "Liveness and server time.", access: .anyone,
                     params: EmptyParams.self, result: Ping.self) { _, context in
            Ping(version: context.services.version, time: RFC3339.format(Date()))
        }

        registry.add("system.whoami", "The calling account.", access: .authenticated,
                     params: EmptyParams.self, result: WhoAmI.self) { _, context in
            let caller = try context.requireCaller
            return WhoAmI(accountId: caller.accountId, role: caller.role.rawValue, orgId: caller.orgId, name: caller.name)
        }

        registry.add("rules.get", "All rule values (API section 12).", access: .authenticated,
                     params: EmptyParams.self, result: JSONValue.self) { _, context in
            let rules = try await context.services.database.read { try RulesStore.load($0) }
            return RuleJSON.object(rules)
        }

        registry.add("rules.set", "Changes rule values; returns all of them.", access: .only(.admin),
                     params: RulesSetParams.self, result: JSONValue.self) { params, context in
            guard case .object(let object) = params.changes else {
                throw RPCError.invalidParams(reason: "invalid_type", field: "changes", message: "changes must be an object")
            }
            var changes: [String: RuleValue] = [:]
            for (name, value) in object.members {
                guard let ruleValue = RuleJSON.ruleValue(value) else {
                    throw RPCError.invalidParams(reason: RuleDefinition.byName[name] == nil ? "unknown_rule" : "invalid_type",
                                                 field: "changes.\(name)", message: "Invalid value for rule \(name)")
                }
                changes[name] = ruleValue
            }
            let actor = context.caller?.accountId
            let requested = changes
            let result: JSONValue = try await context.mutate("rules.set", params: params) { connection in
                let rules = try RulesStore.apply(connection, changes: requested, by: actor)
                return (RuleJSON.object(rules), AuditSubject("rules", "rules"))
            }
            context.services.rules.invalidate()
            return result
        }

        registry.add("token.create", "Creates a bearer token for an account; the token is shown once.",
                     access: .only(.admin), params: TokenCreateParams.self,
                     result: AccountStore.IssuedToken.self) { params, context in
            try await context.mutate("token.create", params: params) { connection in
                guard try AccountStore.caller(accountId: params.accountId, connection) != nil else {
                    throw RPCError.notFound("No such account", field: "accountId")
                }
                let issued = try AccountStore.createToken(connection, accountId: params.accountId, label: params.label)
                return (issued, AuditSubject("account", params.accountId))
            }
        }

        registry.add("token.revoke", "Revokes a token (admin, or the token's own account).",
                     access: .authenticated, params: TokenRevokeParams.self,
                     result: TokenRevoked.self) { params, context in
            let caller = try context.requireCaller
            return try await context.mutate("token.revoke", params: params) { connection in
                guard let token = try AccountStore.token(connection, tokenId: params.tokenId, forUpdate: true) else {
                    throw RPCError.notFound("No such token", field: "tokenId")
                }
                guard caller.role == .admin || caller.accountId == token.accountId else {
                    throw RPCError.forbidden("Only an admin or the token's own account may revoke it")
                }
                let at = try AccountStore.revokeToken(connection, tokenId: params.tokenId)
                return (TokenRevoked(tokenId: params.tokenId, revokedAt: RFC3339.format(at)), AuditSubject("account", token.accountId))
            }
        }
    }
}
