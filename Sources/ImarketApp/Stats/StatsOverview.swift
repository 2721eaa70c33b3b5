import Foundation
import ImarketDomain
import ImarketJSONRPC
import ImarketPostgres

/// `stats.overview` result (API section 10).
struct OverviewResult: Codable, Sendable {
    struct ServiceTypeRow: Codable, Sendable {
        var serviceType: String
        var demandsPublished: Int
        var demandsAwarded: Int
        var awardedFen: Int64
    }
    struct RegionRow: Codable, Sendable {
        var regionCode: String
        var demandsPublished: Int
        var rank: Int
    }
    var demandsPublished: Int
    var demandsAwarded: Int
    var demandsFailed: Int
    var awardedFen: Int64
    /// Bids per closed demand (2 decimals); only closed demands count, so sealed bids stay sealed.
    var avgBidsPerDemand: Double
    var agenciesApproved: Int
    var contractsCompleted: Int
    var byServiceType: [ServiceTypeRow]
    var byRegion: [RegionRow]
}

/// Public statistics: demands by the date they were published (rule time zone), purchasers'
/// regions filtered by the `regionCode` prefix; the region ranking orders purchaser regions by
/// demands published (SQL `rank()`: ties share a rank).
enum StatsOverview {
    static func run(_ c: PostgresConnection, from: String, to: String, region: String?) throws -> OverviewResult {
        let tz = try RulesStore.load(c).timeZone
        let window = """
            FROM demands d JOIN purchasers p ON p.purchaser_id = d.purchaser_id
            WHERE d.published_at IS NOT NULL AND (d.published_at AT TIME ZONE $3)::date BETWEEN $1::date AND $2::date
              AND ($4::text IS NULL OR starts_with(p.region_code, $4))
            """
        let awardedFen = "coalesce(sum((d.award->>'priceFen')::bigint) FILTER (WHERE d.status = 'awarded'), 0)::bigint"
        let params: [PostgresBindable?] = [from, to, tz, region]
        let t = try c.query(
            """
            SELECT count(*)::bigint AS published, count(*) FILTER (WHERE d.status = 'awarded')::bigint AS awarded,
                   count(*) FILTER (WHERE d.status = 'failed')::bigint AS failed, \(awardedFen) AS awarded_fen,
                   coalesce(round((SELECT count(*) FROM bids b WHERE b.demand_id = ANY(array_agg(d.demand_id) FILTER (WHERE d.closed_at IS NOT NULL))
                                     AND b.status <> 'withdrawn')::numeric
                                  / nullif(count(*) FILTER (WHERE d.closed_at IS NOT NULL), 0), 2), 0)::float8 AS avg_bids,
                   (SELECT count(*) FROM agencies a WHERE a.status = 'approved' AND ($4::text IS NULL OR starts_with(a.region_code, $4)))::bigint AS agencies,
                   (SELECT count(*) FROM contracts k JOIN purchasers kp ON kp.purchaser_id = k.purchaser_id
                     WHERE k.status = 'completed' AND (k.completed_at AT TIME ZONE $3)::date BETWEEN $1::date AND $2::date
                       AND ($4::text IS NULL OR starts_with(kp.region_code, $4)))::bigint AS completed
            \(window)
            """, params)[0]
        let types = try c.query(
            """
            SELECT d.service_type, count(*)::bigint AS published, count(*) FILTER (WHERE d.status = 'awarded')::bigint AS awarded,
                   \(awardedFen) AS awarded_fen
            \(window) GROUP BY d.service_type ORDER BY count(*) DESC, d.service_type
            """, params)
        let regions = try c.query(
            """
            SELECT p.region_code, count(*)::bigint AS published, rank() OVER (ORDER BY count(*) DESC)::bigint AS rank
            \(window) GROUP BY p.region_code ORDER BY rank, p.region_code
            """, params)
        return OverviewResult(
            demandsPublished: try t.int("published"), demandsAwarded: try t.int("awarded"), demandsFailed: try t.int("failed"),
            awardedFen: try t.int64("awarded_fen"), avgBidsPerDemand: try t.double("avg_bids"),
            agenciesApproved: try t.int("agencies"), contractsCompleted: try t.int("completed"),
            byServiceType: try types.map {
                .init(serviceType: try $0.string("service_type"), demandsPublished: try $0.int("published"),
                      demandsAwarded: try $0.int("awarded"), awardedFen: try $0.int64("awarded_fen"))
            },
            byRegion: try regions.map {
                .init(regionCode: try $0.string("region_code"), demandsPublished: try $0.int("published"), rank: try $0.int("rank"))
            })
    }
}
