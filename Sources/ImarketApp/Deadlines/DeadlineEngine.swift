import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// The deadline transitions of a demand: `open` → closed at `biddingClosesAt`, `publicity` →
/// `awarded` at `publicityEndsAt` with no open objection. Run by the `DeadlineWorker` (no
/// traffic needed) and at the start of every read of the demands involved (so a read after a
/// deadline already sees it). Exactly once: the due row is locked FOR UPDATE and re-checked in
/// the same transaction that changes it and appends the audit entry; see docs/deadlines.md.
enum DeadlineEngine {
    /// Runs the due transitions of `demandId`, or of up to `limit` due demands when nil.
    /// `skipLocked` (the worker) skips demands another instance is handling right now; readers
    /// wait for that instance instead, so they see its result. Returns the number handled.
    @discardableResult
    static func runDue(_ c: PostgresConnection, demandId: String?, skipLocked: Bool, limit: Int = 20) throws -> Int {
        let rows = try c.query(
            """
            SELECT demand_id FROM demands
            WHERE ((status = 'open' AND bidding_closes_at <= clock_timestamp())
                OR (status = 'publicity' AND publicity_ends_at <= clock_timestamp()))
              AND ($1::text IS NULL OR demand_id = $1)
            ORDER BY demand_id
            LIMIT $2
            FOR UPDATE \(skipLocked ? "SKIP LOCKED" : "")
            """, [demandId, limit])
        var handled = 0
        for row in rows {
            // Re-read under the lock (a fresh snapshot in READ COMMITTED): the state may have
            // moved on while we waited, and objections filed meanwhile must be seen.
            guard let demand = try DemandStore.load(c, try row.string("demand_id")) else { continue }
            if try transition(c, demand) { handled += 1 }
        }
        return handled
    }

    /// One due transition with its audit entry (actor none: the platform's clock). False when
    /// nothing was due after all.
    static func transition(_ c: PostgresConnection, _ demand: DemandRecord) throws -> Bool {
        // Compared in the database, at its clock and precision.
        let due = try c.query(
            """
            SELECT coalesce(bidding_closes_at <= clock_timestamp(), false) AS close_due,
                   coalesce(publicity_ends_at <= clock_timestamp(), false) AS publicity_due
            FROM demands WHERE demand_id = $1
            """, [demand.demandId])[0]
        let method: String
        let newState: DemandState
        switch demand.status {
        case .open where try due.bool("close_due"):
            method = "deadline.close"
            newState = try SelectionRunner.close(c, demand)
            try DemandEvents.demand(c, .demandClosed, demandId: demand.demandId)
            try DemandEvents.awardIfPublished(c, demandId: demand.demandId)
        case .publicity where try due.bool("publicity_due"):
            let open = try c.query("SELECT 1 FROM objections WHERE demand_id = $1 AND status = 'open' LIMIT 1", [demand.demandId])
            guard open.isEmpty else { return false }
            try c.execute("UPDATE demands SET status = 'awarded', awarded_at = clock_timestamp() WHERE demand_id = $1", [demand.demandId])
            method = "deadline.endPublicity"
            newState = .awarded
        default:
            return false
        }
        try auditTransition(c, demandId: demand.demandId, actorId: nil, method: method, from: demand.status, to: newState)
        return true
    }

    static func auditTransition(_ c: PostgresConnection, demandId: String, actorId: String?, method: String,
                                from: DemandState, to: DemandState) throws {
        let params: JSONValue = ["demandId": .string(demandId)]
        let result: JSONValue = ["from": .string(from.rawValue), "status": .string(to.rawValue)]
        try AuditLog.append(c, actorId: actorId, method: method, subject: AuditSubject("demand", demandId),
                            digest: AuditLog.digest(params: params, result: result))
    }
}

extension Database {
    /// Brings the given demand (or every due demand) up to date before a read.
    func runDueDeadlines(demandId: String?) async throws {
        _ = try await transaction { c in try DeadlineEngine.runDue(c, demandId: demandId, skipLocked: false, limit: 50) }
    }
}
