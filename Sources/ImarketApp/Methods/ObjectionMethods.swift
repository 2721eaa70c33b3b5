import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// API section 8: objections (质疑) during publicity.
enum ObjectionMethods {
    struct FileParams: Codable, Sendable {
        var demandId: String
        var reason: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            demandId = try c.decode(String.self, forKey: .demandId)
            reason = try c.decode(String.self, forKey: .reason)
            try decoder.require((10...5000).contains(reason.trimmingCharacters(in: .whitespacesAndNewlines).count),
                                "out_of_range", "reason must be at least 10 characters", field: "reason")
        }
    }

    enum Decision: String, Codable, Sendable, CaseIterable { case upheld, rejected }

    struct ResolveParams: Codable, Sendable {
        var objectionId: String
        var decision: Decision
        var note: String

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            objectionId = try c.decode(String.self, forKey: .objectionId)
            decision = try c.decode(Decision.self, forKey: .decision)
            note = try c.decode(String.self, forKey: .note)
            try decoder.require(!note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && note.count <= 5000,
                                "out_of_range", "note must be 1–5000 characters", field: "note")
        }
    }

    static func register(in registry: inout MethodRegistry) {
        registry.add("objection.file", "An agency with a valid, non-winning bid objects to the award during publicity.",
                     access: .only(.agency), params: FileParams.self, result: ObjectionView.self) { params, context in
            let caller = try context.requireCaller
            try await context.services.database.runDueDeadlines(demandId: params.demandId)
            return try await context.mutate("objection.file", params: params) { c in
                guard let demand = try DemandStore.load(c, params.demandId, lock: .update) else {
                    throw RPCError.notFound("No such demand", field: "demandId")
                }
                let agencyId = caller.orgId ?? ""
                let rules = try RulesStore.load(c)
                let valid = try SelectionRunner.validBids(c, demand, timeZone: rules.timeZone)
                let winner = demand.award["bidId"]?.stringValue
                guard valid.contains(where: { $0.bid.agencyId == agencyId && $0.bid.bidId != winner }) else {
                    throw RPCError.forbidden("Only an agency with a valid, non-winning bid may object")
                }
                let during = try c.query("SELECT clock_timestamp() < publicity_ends_at AS during FROM demands WHERE demand_id = $1",
                                         [demand.demandId])
                guard demand.status == .publicity, try during[0].optionalBool("during") == true else {
                    throw RPCError.outsideWindow(reason: "not_in_publicity", message: "Objections are accepted only during publicity")
                }
                let id = Identifiers.make("obj")
                let inserted = try c.query(
                    """
                    INSERT INTO objections (objection_id, demand_id, agency_id, against_bid, reason)
                    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (demand_id, agency_id) WHERE status = 'open' DO NOTHING
                    RETURNING objection_id
                    """, [id, demand.demandId, agencyId, winner, params.reason])
                guard !inserted.isEmpty else {
                    throw RPCError.conflict(reason: "objection_exists", message: "This agency already has an open objection on the demand")
                }
                return (try ObjectionView.load(c, id)!, AuditSubject("demand", demand.demandId))
            }
        }

        registry.add("objection.resolve", "The admin upholds (re-selection) or rejects an objection.", access: .only(.admin),
                     params: ResolveParams.self, result: ObjectionView.self) { params, context in
            try await context.mutate("objection.resolve", params: params) { c in
                guard let objection = try ObjectionView.load(c, params.objectionId, lock: true) else {
                    throw RPCError.notFound("No such objection", field: "objectionId")
                }
                guard objection.status == "open" else {
                    throw RPCError.conflict(reason: "invalid_state", message: "The objection is already resolved")
                }
                let demand = try DemandStore.load(c, objection.demandId, lock: .update)!
                if params.decision == .upheld {
                    // Upholding acts on the award the objection was filed against, if it still stands.
                    guard demand.status == .publicity, demand.award["bidId"]?.stringValue != nil,
                          let winningAgency = demand.award["agencyId"]?.stringValue else {
                        throw DemandMethods.invalidState(demand, "re-selected")
                    }
                    try CreditPenalties.record(c, agencyId: winningAgency, kind: .upheldObjection, ref: objection.objectionId)
                    _ = try SelectionRunner.reselect(c, demand)
                    try DemandEvents.awardIfPublished(c, demandId: demand.demandId)
                }
                try c.execute(
                    "UPDATE objections SET status = $2, note = $3, resolved_at = clock_timestamp() WHERE objection_id = $1",
                    [objection.objectionId, params.decision.rawValue, params.note])
                return (try ObjectionView.load(c, objection.objectionId)!, AuditSubject("demand", objection.demandId))
            }
        }

        registry.add("objection.list", "Objections of a demand (owner, admin, overseers, the demand's bidders).",
                     access: .authenticated, params: DemandMethods.DemandIdParams.self, result: ObjectionList.self) { params, context in
            let caller = try context.requireCaller
            return try await context.services.database.transaction { c in
                try DeadlineEngine.runDue(c, demandId: params.demandId, skipLocked: false)
                guard let demand = try DemandStore.load(c, params.demandId) else {
                    throw RPCError.notFound("No such demand", field: "demandId")
                }
                var allowed = caller.role == .admin || caller.role == .overseer
                    || (caller.role == .purchaser && caller.orgId == demand.purchaserId)
                if !allowed, caller.role == .agency, let agencyId = caller.orgId {
                    allowed = try !c.query("SELECT 1 FROM bids WHERE demand_id = $1 AND agency_id = $2 LIMIT 1",
                                           [demand.demandId, agencyId]).isEmpty
                }
                guard allowed else { throw RPCError.forbidden("Only the owner, admin, overseers and bidders see objections") }
                let rows = try c.query("SELECT \(ObjectionView.columns) FROM objections WHERE demand_id = $1 ORDER BY filed_at, objection_id",
                                       [demand.demandId])
                return ObjectionList(items: try rows.map(ObjectionView.init(row:)))
            }
        }
    }
}

struct ObjectionList: Codable, Sendable {
    var items: [ObjectionView]
}

struct ObjectionView: Codable, Sendable {
    var objectionId: String
    var demandId: String
    var agencyId: String
    var reason: String
    var status: String
    @NullEncodable var note: String?
    var filedAt: String
    @NullEncodable var resolvedAt: String?

    static let columns = "objection_id, demand_id, agency_id, reason, status, note, filed_at, resolved_at"

    init(row: PostgresRow) throws {
        objectionId = try row.string("objection_id")
        demandId = try row.string("demand_id")
        agencyId = try row.string("agency_id")
        reason = try row.string("reason")
        status = try row.string("status")
        note = try row.optionalString("note")
        filedAt = RFC3339.format(try row.date("filed_at"))
        resolvedAt = try row.optionalDate("resolved_at").map(RFC3339.format)
    }

    static func load(_ c: PostgresConnection, _ id: String, lock: Bool = false) throws -> ObjectionView? {
        try c.query("SELECT \(columns) FROM objections WHERE objection_id = $1 \(lock ? "FOR UPDATE" : "")", [id])
            .first.map(ObjectionView.init(row:))
    }
}
