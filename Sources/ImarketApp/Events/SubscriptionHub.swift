import Foundation
import ImarketHTTP
import ImarketJSONRPC
import NIOConcurrencyHelpers

/// The subscriptions of this instance's WebSocket sessions, and delivery of events to them.
public final class SubscriptionHub: Sendable {
    struct Subscription: Sendable {
        let id: String
        let session: WebSocketSession
        let caller: Caller
        let topic: EventTopic
        let serviceTypes: [String]?
        let regionPrefix: String?
    }

    private let subscriptions = NIOLockedValueBox([String: Subscription]())

    public init() {}

    func add(_ subscription: Subscription) {
        subscriptions.withLockedValue { $0[subscription.id] = subscription }
    }

    /// Removes a subscription of `session`; false if it is not one of the session's.
    func remove(id: String, session: WebSocketSession) -> Bool {
        subscriptions.withLockedValue { all in
            guard all[id]?.session == session else { return false }
            all[id] = nil
            return true
        }
    }

    func removeAll(of session: WebSocketSession) {
        subscriptions.withLockedValue { all in all = all.filter { $0.value.session != session } }
    }

    /// Called with every NOTIFY payload the listener receives.
    func deliver(payload: String) {
        guard let value = try? JSONParser.parse(Array(payload.utf8)),
              let envelope = try? JSONValueDecoder().decode(EventEnvelope.self, from: value) else { return }
        let targets = subscriptions.withLockedValue { Array($0.values) }.filter {
            $0.topic == envelope.topic && Self.sees($0, envelope.audience)
        }
        for subscription in targets where subscription.session.isOpen {
            let params: JSONValue = .object(JSONObject([
                (key: "subscriptionId", value: .string(subscription.id)),
                (key: "topic", value: .string(envelope.topic.rawValue)),
                (key: "data", value: envelope.data),
            ]))
            let notification: JSONValue = .object(JSONObject([
                (key: "jsonrpc", value: "2.0"), (key: "method", value: "subscription.event"), (key: "params", value: params),
            ]))
            subscription.session.send(text: notification.serialized())
        }
    }

    /// API section 11: agencies get demands matching their filter, purchasers their own,
    /// `bid.invalidated` only the bid's agency; overseers are held to their region scope.
    static func sees(_ s: Subscription, _ audience: EventAudience) -> Bool {
        if let types = s.serviceTypes, let type = audience.serviceType, !types.contains(type) { return false }
        if let prefix = s.regionPrefix, !(audience.regionCode ?? "").hasPrefix(prefix) { return false }
        switch s.caller.role {
        case .agency:
            if s.topic == .bidInvalidated { return audience.agencyId == s.caller.orgId }
            return true
        case .purchaser:
            return s.topic != .bidInvalidated && audience.purchaserId == s.caller.orgId
        case .admin:
            return s.topic != .bidInvalidated
        case .overseer:
            guard s.topic != .bidInvalidated else { return false }
            if let scope = s.caller.regionScope { return (audience.regionCode ?? "").hasPrefix(scope) }
            return true
        case .anonymous:
            return false
        }
    }
}
