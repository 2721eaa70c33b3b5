import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// SQL for demands: writing drafts, loading (optionally locked) and searching.
enum DemandStore {
    enum Lock: String {
        case none = ""
        case share = "FOR SHARE OF d"
        case update = "FOR UPDATE OF d"
    }

    static func load(_ c: PostgresConnection, _ demandId: String, lock: Lock = .none) throws -> DemandRecord? {
        try c.query(loadSQL(lock: lock), [demandId]).first.map(DemandRecord.init(row:))
    }

    /// The statement `load` runs (one parameter: the demand id), for callers that pipeline it.
    static func loadSQL(lock: Lock) -> String {
        switch lock {
        case .none: return loadStatements.none
        case .share: return loadStatements.share
        case .update: return loadStatements.update
        }
    }

    /// Built once: these run on every read and bid, and interpolating the column list each time
    /// cost about as much as copying the row out.
    private static let loadStatements = (none: makeLoadSQL(.none), share: makeLoadSQL(.share), update: makeLoadSQL(.update))

    private static func makeLoadSQL(_ lock: Lock) -> String {
        "SELECT \(DemandRecord.columns) FROM demands d JOIN purchasers p USING (purchaser_id) WHERE d.demand_id = $1 \(lock.rawValue)"
    }

    private static let loadUnlessDueSQL = (counted: makeLoadUnlessDueSQL(DemandRecord.columns),
                                           uncounted: makeLoadUnlessDueSQL(DemandRecord.uncountedColumns))

    /// Keyed by demand id: the reads of concurrent requests go to the database as one statement.
    private static func makeLoadUnlessDueSQL(_ columns: String) -> KeyedRead {
        KeyedRead(sql: """
            SELECT \(columns),
                   ((d.status = 'open' AND d.bidding_closes_at <= clock_timestamp())
                    OR (d.status = 'publicity' AND d.publicity_ends_at <= clock_timestamp())) AS deadline_due
              FROM demands d JOIN purchasers p USING (purchaser_id) WHERE d.demand_id = ANY ($1::text[])
            """, keyColumn: "demand_id")
    }

    private static let countBidsSQL = "SELECT count(*) AS n FROM bids WHERE demand_id = $1 AND status <> 'withdrawn'"

    /// One round trip for the common read: the demand, and whether a deadline transition is due
    /// for it at the database clock (then the caller takes the locking path instead). Bids are
    /// counted only when `viewer` will see the count: in the same statement for admins and
    /// overseers, in a second read for an owner or a closed demand, not at all for an open
    /// demand read by anyone else (the public read path).
    static func loadUnlessDue(_ database: Database, _ demandId: String,
                              for viewer: Viewer) async throws -> (demand: DemandRecord, due: Bool)? {
        let read = viewer.alwaysSeesBidCount ? loadUnlessDueSQL.counted : loadUnlessDueSQL.uncounted
        guard let row = try await database.query(read, key: demandId).first else { return nil }
        var demand = try DemandRecord(row: row)
        let due = try row.optionalBool("deadline_due") ?? false
        if demand.bidCount == nil, !due, viewer.showsBidCount(of: demand) {
            let count = try await database.query(countBidsSQL, [demandId]).first?.int64("n") ?? 0
            demand.bidCount = Int(count)
        }
        return (demand, due)
    }

    /// Loads a demand the caller may act on as its owner (admin too when `adminMay`).
    static func loadOwned(_ c: PostgresConnection, _ demandId: String, caller: Caller, adminMay: Bool = false,
                          lock: Lock = .update) throws -> DemandRecord {
        guard let demand = try load(c, demandId, lock: lock) else {
            throw RPCError.notFound("No such demand", field: "demandId")
        }
        let owner = caller.role == .purchaser && caller.orgId == demand.purchaserId
        guard owner || (adminMay && caller.role == .admin) else {
            throw RPCError.forbidden("Only the demand's purchaser may do this")
        }
        return demand
    }

    /// Checks the rules that need the database: an active catalog code, an existing direct
    /// agency, and `directReason` above the rule `directSelectionMaxFen`.
    static func validate(_ c: PostgresConnection, _ input: DemandInput, rules: RuleSet) throws {
        try input.checkValues()
        let rows = try c.query(
            """
            SELECT EXISTS (SELECT 1 FROM catalog_items WHERE code = $1 AND active) AS active,
                   EXISTS (SELECT 1 FROM agencies WHERE agency_id = $2) AS agency
            """, [input.serviceType, input.directAgencyId ?? ""])
        guard try rows[0].bool("active") else {
            throw RPCError.businessRule(reason: "unknown_service_type", message: "serviceType is not an active catalog code", field: "serviceType")
        }
        if input.selectionMethod == .direct {
            guard try rows[0].bool("agency") else { throw RPCError.notFound("No such agency", field: "directAgencyId") }
            if input.budgetFen > rules.directSelectionMaxFen,
               (input.directReason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw RPCError.invalidParams(reason: "missing_field", field: "directReason",
                                             message: "directReason is required above directSelectionMaxFen")
            }
        }
    }

    private static func values(_ i: DemandInput) throws -> [PostgresBindable?] {
        let excluded = String(decoding: try JSONValueEncoder().encode(i.excludedAgencies ?? []).serialized(), as: UTF8.self)
        return [i.title, i.serviceType, i.description, i.budgetFen, i.minPriceFen, i.fundSource.rawValue, i.fiscalFen,
                i.selectionMethod.rawValue, i.directAgencyId, i.directReason, i.compositeWeights?.price,
                i.compositeWeights?.quality, i.regionRestriction, PostgresJSON(excluded), i.servicePeriodDays,
                i.biddingClosesAt]
    }

    static func insert(_ c: PostgresConnection, purchaserId: String, _ input: DemandInput) throws -> String {
        let id = Identifiers.make("dem")
        try c.execute(
            """
            INSERT INTO demands (title, service_type, description, budget_fen, min_price_fen, fund_source, fiscal_fen,
                selection_method, direct_agency_id, direct_reason, weight_price, weight_quality, region_restriction,
                excluded_agencies, service_period_days, bidding_closes_at, demand_id, purchaser_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::timestamptz, $17, $18)
            """, try values(input) + [id, purchaserId])
        return id
    }

    static func update(_ c: PostgresConnection, demandId: String, _ input: DemandInput) throws {
        try c.execute(
            """
            UPDATE demands SET title = $1, service_type = $2, description = $3, budget_fen = $4, min_price_fen = $5,
                fund_source = $6, fiscal_fen = $7, selection_method = $8, direct_agency_id = $9, direct_reason = $10,
                weight_price = $11, weight_quality = $12, region_restriction = $13, excluded_agencies = $14,
                service_period_days = $15, bidding_closes_at = $16::timestamptz
            WHERE demand_id = $17
            """, try values(input) + [demandId])
    }

    /// The database clock, for checks that must agree across server instances.
    static func now(_ c: PostgresConnection) throws -> (date: Date, text: String) {
        let row = try c.query("SELECT t, t::text AS text FROM (SELECT clock_timestamp() AS t) n")[0]
        return (try row.date("t"), try row.string("text"))
    }
}
