import Foundation
import ImarketJSONRPC
import ImarketPostgres

/// OCDS 1.1 releases of closed demands (API section 10). Only what is public after closing
/// appears: demands that never closed (drafts, open, cancelled before closing) are left out, so
/// a sealed bid can never leak; proposals and contact details are never included.
enum OCDSReleases {
    /// `ocds-` + the 6-character prefix registered for this publisher; an ocid is
    /// `<prefix>-<demandId>`.
    static let ocidPrefix = "ocds-imkt01"
    static let bidExtension = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"

    /// One jsonb release per selected demand, built in a single query.
    static func releases(_ c: PostgresConnection, demandIds: [String]?, from: String?, to: String?, timeZone: String) throws -> [JSONValue] {
        let rows = try c.query(
            """
            WITH sel AS (
                SELECT d.*, p.name AS purchaser_name, p.credit_code AS purchaser_code, p.region_code AS purchaser_region
                FROM demands d JOIN purchasers p ON p.purchaser_id = d.purchaser_id
                WHERE d.published_at IS NOT NULL AND d.closed_at IS NOT NULL
                  AND d.status IN ('evaluating', 'publicity', 'awarded', 'failed', 'cancelled')
                  AND ($2::text[] IS NULL OR d.demand_id = ANY($2::text[]))
                  AND ($3::date IS NULL OR (d.published_at AT TIME ZONE $5)::date >= $3::date)
                  AND ($4::date IS NULL OR (d.published_at AT TIME ZONE $5)::date <= $4::date)
            )
            SELECT (jsonb_build_object(
                'ocid', $1 || '-' || d.demand_id,
                'id', d.demand_id || '-' || d.status || '-' || coalesce(k.status, 'none') || '-' || coalesce(tx.n, 0),
                'date', ocds_ts(greatest(d.published_at, d.closed_at, d.awarded_at, k.created_at, k.completed_at, k.terminated_at, tx.last_at)),
                'tag', to_jsonb(array_remove(ARRAY['tender',
                        CASE WHEN d.award IS NOT NULL THEN 'award' END,
                        CASE WHEN k.contract_id IS NOT NULL THEN 'contract' END,
                        CASE WHEN coalesce(tx.n, 0) > 0 THEN 'implementation' END], NULL)),
                'initiationType', 'tender',
                'language', 'zh',
                'parties', jsonb_build_array(jsonb_build_object(
                        'id', d.purchaser_id, 'name', d.purchaser_name,
                        'identifier', jsonb_build_object('scheme', 'CN-USCC', 'id', d.purchaser_code, 'legalName', d.purchaser_name),
                        'address', jsonb_build_object('region', d.purchaser_region, 'countryName', '中国'),
                        'roles', jsonb_build_array('buyer', 'procuringEntity')))
                    || coalesce(bp.parties, '[]'::jsonb),
                'buyer', jsonb_build_object('id', d.purchaser_id, 'name', d.purchaser_name),
                'tender', jsonb_strip_nulls(jsonb_build_object(
                    'id', d.demand_id, 'title', d.title, 'description', d.description,
                    'status', CASE d.status WHEN 'failed' THEN 'unsuccessful' WHEN 'cancelled' THEN 'cancelled'
                                            WHEN 'evaluating' THEN 'active' ELSE 'complete' END,
                    'procuringEntity', jsonb_build_object('id', d.purchaser_id, 'name', d.purchaser_name),
                    'value', ocds_value(d.budget_fen),
                    'minValue', CASE WHEN d.min_price_fen IS NOT NULL THEN ocds_value(d.min_price_fen) END,
                    'procurementMethod', CASE d.selection_method WHEN 'direct' THEN 'direct' ELSE 'open' END,
                    'procurementMethodDetails', d.selection_method,
                    'mainProcurementCategory', 'services',
                    'additionalProcurementCategories', jsonb_build_array(),
                    'awardCriteria', CASE d.selection_method WHEN 'lowest_price' THEN 'priceOnly' WHEN 'composite' THEN 'ratedCriteria' END,
                    'tenderPeriod', jsonb_build_object('startDate', ocds_ts(d.published_at), 'endDate', ocds_ts(d.bidding_closes_at)),
                    'numberOfTenderers', coalesce(bp.tenderers, 0),
                    'tenderers', coalesce(bp.refs, '[]'::jsonb))),
                'bids', jsonb_build_object('details', coalesce(bp.details, '[]'::jsonb)),
                'awards', CASE WHEN d.award IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
                    'id', d.demand_id || '-award',
                    'title', d.title,
                    'status', CASE WHEN d.status = 'awarded' THEN 'active' ELSE 'pending' END,
                    'date', d.award->>'awardedAt',
                    'value', ocds_value((d.award->>'priceFen')::bigint),
                    'suppliers', jsonb_build_array(jsonb_build_object('id', d.award->>'agencyId', 'name', d.award->>'agencyName')),
                    'relatedBid', d.award->>'bidId')) END,
                'contracts', CASE WHEN k.contract_id IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object(
                    'id', k.contract_id,
                    'awardID', d.demand_id || '-award',
                    'title', d.title,
                    'status', CASE k.status WHEN 'pending_confirmation' THEN 'pending' WHEN 'active' THEN 'active'
                                            WHEN 'delivered' THEN 'active' ELSE 'terminated' END,
                    'value', ocds_value(k.amount_fen),
                    'dateSigned', ocds_day(k.signed_on, $5),
                    'period', jsonb_build_object('startDate', ocds_day(k.signed_on, $5), 'endDate', ocds_day(k.ends_on, $5)),
                    'implementation', jsonb_build_object('transactions', coalesce(tx.items, '[]'::jsonb)))) END
            ))::text AS release
            FROM sel d
            LEFT JOIN contracts k ON k.demand_id = d.demand_id
            LEFT JOIN LATERAL (
                SELECT jsonb_agg(jsonb_build_object('id', a.agency_id, 'name', a.name,
                           'identifier', jsonb_build_object('scheme', 'CN-USCC', 'id', a.credit_code, 'legalName', a.name),
                           'address', jsonb_build_object('region', a.region_code, 'countryName', '中国'),
                           'roles', CASE WHEN a.agency_id = d.award->>'agencyId' THEN jsonb_build_array('tenderer', 'supplier')
                                         ELSE jsonb_build_array('tenderer') END) ORDER BY a.agency_id) AS parties,
                       count(*) FILTER (WHERE x.live) AS tenderers,
                       jsonb_agg(jsonb_build_object('id', a.agency_id, 'name', a.name) ORDER BY a.agency_id) FILTER (WHERE x.live) AS refs,
                       (SELECT jsonb_agg(jsonb_build_object(
                                   'id', b.bid_id, 'date', ocds_ts(b.submitted_at),
                                   'status', CASE b.status WHEN 'submitted' THEN 'valid' WHEN 'withdrawn' THEN 'withdrawn' ELSE 'disqualified' END,
                                   'tenderers', jsonb_build_array(jsonb_build_object('id', b.agency_id, 'name', ba.name)),
                                   'value', ocds_value(b.price_fen)) ORDER BY b.bid_id)
                          FROM bids b JOIN agencies ba ON ba.agency_id = b.agency_id WHERE b.demand_id = d.demand_id) AS details
                FROM (SELECT b.agency_id, bool_or(b.status <> 'withdrawn') AS live FROM bids b WHERE b.demand_id = d.demand_id GROUP BY b.agency_id) x
                JOIN agencies a ON a.agency_id = x.agency_id
            ) bp ON true
            LEFT JOIN LATERAL (
                SELECT count(*) AS n, max(t.at) AS last_at,
                       jsonb_agg(jsonb_build_object('id', t.id, 'date', ocds_ts(t.at), 'value', ocds_value(t.fen),
                                                    'payer', jsonb_build_object('id', d.purchaser_id, 'name', d.purchaser_name),
                                                    'payee', jsonb_build_object('id', k.agency_id, 'name', (SELECT name FROM agencies WHERE agency_id = k.agency_id)))
                                 ORDER BY t.at, t.id) AS items
                FROM (SELECT pm.payment_id AS id, (pm.paid_on::timestamp AT TIME ZONE $5) AS at, pm.amount_fen AS fen
                        FROM payments pm WHERE pm.contract_id = k.contract_id
                      UNION ALL
                      SELECT 'treasury-' || m.external_id, (m.paid_on::timestamp AT TIME ZONE $5), m.amount_fen
                        FROM compliance_payment_matches m
                       WHERE k.contract_id IS NOT NULL AND m.contract_id = k.contract_id
                         AND m.payer_credit_code = d.purchaser_code
                         AND m.payee_credit_code = (SELECT credit_code FROM agencies WHERE agency_id = k.agency_id)) t
            ) tx ON true
            ORDER BY d.published_at, d.demand_id
            """, [ocidPrefix, demandIds, from, to, timeZone])
        return try rows.map { try JSONParser.parse(Array(try $0.string("release").utf8)) }
    }

    static func package(releases: [JSONValue], publishedAt: Date) -> JSONValue {
        .object(JSONObject([
            (key: "uri", value: .string("urn:imarket:ocds:release-package:\(Int64(publishedAt.timeIntervalSince1970 * 1000))")),
            (key: "version", value: "1.1"),
            (key: "extensions", value: [.string(bidExtension)]),
            (key: "publishedDate", value: .string(RFC3339.format(publishedAt))),
            (key: "publisher", value: ["name": "imarket 中介服务网上超市"]),
            (key: "releases", value: .array(releases)),
        ]))
    }
}
