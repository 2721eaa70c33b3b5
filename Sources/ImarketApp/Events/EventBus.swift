import ImarketJSONRPC
import ImarketPostgres

/// The live-event topics of API section 11.
public enum EventTopic: String, Codable, Sendable, CaseIterable {
    case demandPublished = "demand.published"
    case demandAmended = "demand.amended"
    case demandClosed = "demand.closed"
    case awardPublished = "award.published"
    case bidInvalidated = "bid.invalidated"
}

/// Who an event concerns, so each instance can decide locally which subscribers get it.
public struct EventAudience: Codable, Sendable, Equatable {
    public var serviceType: String?
    public var regionCode: String?
    public var purchaserId: String?
    public var agencyId: String?

    public init(serviceType: String? = nil, regionCode: String? = nil, purchaserId: String? = nil, agencyId: String? = nil) {
        self.serviceType = serviceType
        self.regionCode = regionCode
        self.purchaserId = purchaserId
        self.agencyId = agencyId
    }
}

struct EventEnvelope: Codable, Sendable {
    var topic: EventTopic
    var data: JSONValue
    var audience: EventAudience
}

/// Publishes events with `pg_notify` inside the caller's transaction: PostgreSQL delivers them
/// only if the change commits, and to every server instance's listener, so subscribers on any
/// instance see exactly the committed changes.
public enum EventBus {
    static let channel = "imarket_events"

    public static func publish(_ connection: PostgresConnection, topic: EventTopic, data: JSONValue, audience: EventAudience) throws {
        let envelope = try JSONValueEncoder().encode(EventEnvelope(topic: topic, data: data, audience: audience))
        try connection.query("SELECT pg_notify($1, $2)", [channel, String(decoding: envelope.serialized(), as: UTF8.self)])
    }
}
