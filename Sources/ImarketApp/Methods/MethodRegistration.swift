import ImarketJSONRPC

public typealias MethodRegistry = RPCMethodRegistry<RequestContext>

extension RPCMethodRegistry where Context == RequestContext {
    /// Registers a method with its access rule, published as `x-roles` and enforced by
    /// `Authorization.check` before params are decoded.
    mutating func add<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String,
        _ summary: String,
        access: Access,
        params: P.Type,
        result: R.Type,
        handler: @escaping @Sendable (P, RequestContext) async throws -> R
    ) {
        register(name, summary: summary, params: params, result: result,
                 metadata: Self.metadata(access), handler: handler)
    }

    /// Registers a method that needs neither the database nor real work (see
    /// `registerImmediate`): an anonymous call of it is answered on the event loop.
    mutating func addImmediate<P: Decodable & Sendable, R: Codable & Sendable>(
        _ name: String,
        _ summary: String,
        access: Access,
        params: P.Type,
        result: R.Type,
        handler: @escaping @Sendable (P, RequestContext) throws -> R
    ) {
        registerImmediate(name, summary: summary, params: params, result: result,
                          metadata: Self.metadata(access), handler: handler)
    }

    private static func metadata(_ access: Access) -> [String: JSONValue] {
        let roles: [JSONValue] = access.roles.count == Role.allCases.count
            ? ["anyone"] : access.publishedRoles.map { .string($0) }
        return ["x-roles": .array(roles)]
    }
}

/// Role checks for every call, from the method's declared `x-roles`.
enum Authorization {
    static func check(_ method: RPCMethodInfo, _ context: RequestContext) throws {
        let roles = method.roles
        if roles.contains("anyone") || roles.contains(context.role.rawValue) { return }
        if context.caller == nil {
            throw RPCError.unauthenticated(reason: "authentication_required", message: "This method needs credentials")
        }
        throw RPCError.forbidden("Your role may not call \(method.name)")
    }
}

/// Every method of the API, in the order the OpenRPC document lists them.
public enum Methods {
    public static func registry() -> MethodRegistry {
        var registry = MethodRegistry()
        SystemMethods.register(in: &registry)
        CatalogMethods.register(in: &registry); PurchaserMethods.register(in: &registry); OverseerMethods.register(in: &registry); AgencyMethods.register(in: &registry)
        AuditMethods.register(in: &registry)
        SubscriptionMethods.register(in: &registry)
        DemandMethods.register(in: &registry); BidMethods.register(in: &registry); SelectionMethods.register(in: &registry); ObjectionMethods.register(in: &registry)
        ContractMethods.register(in: &registry); PaymentMethods.register(in: &registry); EvaluationMethods.register(in: &registry)
        ComplianceMethods.register(in: &registry); StatsMethods.register(in: &registry); OCDSMethods.register(in: &registry)
        return registry
    }
}
