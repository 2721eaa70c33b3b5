import ImarketDomain
import ImarketJSONRPC

/// API section 11: subscriptions over WebSocket.
enum SubscriptionMethods {
    struct Filter: Codable, Sendable {
        var serviceTypes: [String]?
        var regionCode: String?
    }

    struct SubscribeParams: Codable, Sendable {
        var topic: EventTopic
        var filter: Filter?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            topic = try c.decode(EventTopic.self, forKey: .topic)
            filter = try c.decodeIfPresent(Filter.self, forKey: .filter)
            try decoder.require(filter?.regionCode.map(RegionCode.validatePrefix) ?? true, "invalid_region_code",
                                "regionCode must be 1–6 digits", field: "filter.regionCode")
        }
    }

    struct Subscribed: Codable, Sendable {
        var subscriptionId: String
    }

    struct UnsubscribeParams: Codable, Sendable {
        var subscriptionId: String
    }

    struct Unsubscribed: Codable, Sendable {
        var ok: Bool
    }

    static func webSocketOnly() -> RPCError {
        RPCError.businessRule(reason: "websocket_only", message: "Subscriptions need a WebSocket connection (GET /rpc with Upgrade)")
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("subscription.subscribe", "Subscribes this WebSocket session to a topic.",
                     access: .authenticated, params: SubscribeParams.self, result: Subscribed.self) { params, context in
            guard let session = context.session else { throw webSocketOnly() }
            let caller = try context.requireCaller
            let id = Identifiers.make("sub")
            context.services.subscriptions.add(.init(
                id: id, session: session, caller: caller, topic: params.topic,
                serviceTypes: params.filter?.serviceTypes, regionPrefix: params.filter?.regionCode))
            return Subscribed(subscriptionId: id)
        }

        registry.add("subscription.unsubscribe", "Ends a subscription of this WebSocket session.",
                     access: .authenticated, params: UnsubscribeParams.self, result: Unsubscribed.self) { params, context in
            guard let session = context.session else { throw webSocketOnly() }
            guard context.services.subscriptions.remove(id: params.subscriptionId, session: session) else {
                throw RPCError.notFound("No such subscription on this connection", field: "subscriptionId")
            }
            return Unsubscribed(ok: true)
        }
    }
}
