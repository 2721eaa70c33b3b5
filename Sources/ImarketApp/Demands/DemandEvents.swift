import ImarketJSONRPC
import ImarketPostgres

/// Live events about demands (API section 11), published inside the changing transaction so
/// they reach subscribers exactly when the change commits. Event data is what an anonymous
/// reader may see: a sealed demand carries no bid data.
enum DemandEvents {
    static func audience(_ d: DemandRecord, agencyId: String? = nil) -> EventAudience {
        EventAudience(serviceType: d.input.serviceType, regionCode: d.purchaserRegion, purchaserId: d.purchaserId, agencyId: agencyId)
    }

    /// `demand.published`, `demand.amended`, `demand.closed`: the demand as the public sees it.
    static func demand(_ c: PostgresConnection, _ topic: EventTopic, demandId: String) throws {
        guard let d = try DemandStore.load(c, demandId) else { return }
        try EventBus.publish(c, topic: topic, data: try JSONValueEncoder().encode(DemandView(d, viewer: Viewer(nil))),
                             audience: audience(d))
    }

    /// `award.published` when the demand now shows a (new) award in publicity.
    static func awardIfPublished(_ c: PostgresConnection, demandId: String) throws {
        guard let d = try DemandStore.load(c, demandId), d.status == .publicity, d.award != .null else { return }
        try EventBus.publish(c, topic: .awardPublished, data: ["demandId": .string(d.demandId), "award": d.award], audience: audience(d))
    }

    /// `bid.invalidated` for each bid an amendment made invalid, to the bid's agency only.
    static func bidsInvalidated(_ c: PostgresConnection, _ d: DemandRecord, _ bids: [(bidId: String, agencyId: String)]) throws {
        for bid in bids {
            try EventBus.publish(c, topic: .bidInvalidated,
                                 data: ["bidId": .string(bid.bidId), "demandId": .string(d.demandId), "status": "invalid",
                                        "reason": "budget_lowered"],
                                 audience: audience(d, agencyId: bid.agencyId))
        }
    }
}
