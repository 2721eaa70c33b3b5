import ImarketDomain
import ImarketPostgres

/// The nine platform rules of API section 10 as candidate queries. Parameters: $1 from, $2 to,
/// $4 the rule time zone, $7… rule values. Demands are in the window by the date they were
/// published, contracts by signedOn. Bid rules look only at closed demands, so a flag never
/// reveals a sealed bid; a valid bid is one that was valid at closing (`submitted`, or later
/// `disqualified` by an objection or decline).
enum PlatformRules {
    static let inWindow = "d.published_at IS NOT NULL AND (d.published_at AT TIME ZONE $4)::date BETWEEN $1 AND $2"
    static let competitive = "d.selection_method IN ('random', 'lowest_price', 'composite')"
    static let closed = "(d.closed_at IS NOT NULL OR d.status IN ('evaluating', 'publicity', 'awarded', 'failed'))"
    static let validBid = "b.status IN ('submitted', 'disqualified')"
    static let publishedOn = "(d.published_at AT TIME ZONE $4)::date"
    static let purchaser = "(SELECT p.name FROM purchasers p WHERE p.purchaser_id = d.purchaser_id)"

    static let singleBid = ScanRule(name: "SINGLE_BID", severity: "medium", sql: """
        SELECT 'SINGLE_BID:demand:' || d.demand_id AS natural_key, 'demand' AS subject_type, d.demand_id AS subject_id,
               d.purchaser_id, min(b.agency_id) AS agency_id, min(b.price_fen) AS amount_fen,
               jsonb_build_object('demandId', d.demand_id, 'selectionMethod', d.selection_method, 'bidId', min(b.bid_id),
                                  'agencyId', min(b.agency_id), 'priceFen', min(b.price_fen), 'budgetFen', d.budget_fen) AS evidence,
               format('Competitive (%s) demand %s "%s" of %s closed with a single valid bid: %s from agency %s at %s yuan (budget %s yuan).',
                      d.selection_method, d.demand_id, d.title, \(purchaser), min(b.bid_id), min(b.agency_id),
                      compliance_yuan(min(b.price_fen)), compliance_yuan(d.budget_fen)) AS explanation,
               \(publishedOn) AS occurred_on
        FROM demands d JOIN bids b ON b.demand_id = d.demand_id AND \(validBid)
        WHERE \(inWindow) AND \(competitive) AND \(closed)
        GROUP BY d.demand_id HAVING count(*) = 1
        """, values: { _ in [] })

    static let shortWindow = ScanRule(name: "SHORT_WINDOW", severity: "low", sql: """
        SELECT 'SHORT_WINDOW:demand:' || d.demand_id AS natural_key, 'demand' AS subject_type, d.demand_id AS subject_id,
               d.purchaser_id, d.direct_agency_id AS agency_id, d.budget_fen AS amount_fen,
               jsonb_build_object('demandId', d.demand_id, 'publishedAt', d.published_at, 'biddingClosesAt', d.bidding_closes_at,
                                  'windowSeconds', floor(extract(epoch FROM d.bidding_closes_at - d.published_at))::bigint,
                                  'shortWindowSeconds', $7::bigint) AS evidence,
               format('Demand %s "%s" of %s was open for bids only %s seconds (published %s, closing %s), less than %s seconds.',
                      d.demand_id, d.title, \(purchaser), floor(extract(epoch FROM d.bidding_closes_at - d.published_at))::bigint,
                      d.published_at, d.bidding_closes_at, $7::bigint) AS explanation,
               \(publishedOn) AS occurred_on
        FROM demands d
        WHERE \(inWindow) AND d.bidding_closes_at - d.published_at < make_interval(secs => $7::bigint)
        """, values: { r in [r.shortWindowSeconds] })

    static let identicalBids = ScanRule(name: "IDENTICAL_BIDS", severity: "medium", sql: """
        SELECT 'IDENTICAL_BIDS:demand:' || d.demand_id || ':' || b.price_fen AS natural_key, 'demand' AS subject_type,
               d.demand_id AS subject_id, d.purchaser_id, min(b.agency_id) AS agency_id, b.price_fen AS amount_fen,
               jsonb_build_object('demandId', d.demand_id, 'priceFen', b.price_fen,
                                  'bids', to_jsonb(array_agg(b.bid_id ORDER BY b.agency_id)),
                                  'agencies', to_jsonb(array_agg(b.agency_id ORDER BY b.agency_id))) AS evidence,
               format('On demand %s "%s" of %s, %s agencies (%s) bid the identical price of %s yuan.',
                      d.demand_id, d.title, \(purchaser), count(DISTINCT b.agency_id), string_agg(b.agency_id, ', ' ORDER BY b.agency_id),
                      compliance_yuan(b.price_fen)) AS explanation,
               \(publishedOn) AS occurred_on
        FROM demands d JOIN bids b ON b.demand_id = d.demand_id AND \(validBid)
        WHERE \(inWindow) AND \(closed)
        GROUP BY d.demand_id, b.price_fen HAVING count(DISTINCT b.agency_id) >= 2
        """, values: { _ in [] })

    static let priceAtCap = ScanRule(name: "PRICE_AT_CAP", severity: "low", sql: """
        SELECT 'PRICE_AT_CAP:demand:' || d.demand_id AS natural_key, 'demand' AS subject_type, d.demand_id AS subject_id,
               d.purchaser_id, d.award->>'agencyId' AS agency_id, (d.award->>'priceFen')::bigint AS amount_fen,
               jsonb_build_object('demandId', d.demand_id, 'awardPriceFen', (d.award->>'priceFen')::bigint, 'budgetFen', d.budget_fen,
                                  'priceAtCapPermille', $7::int) AS evidence,
               format('Demand %s "%s" of %s was awarded to %s at %s yuan, %s‰ of its %s yuan budget (threshold %s‰).',
                      d.demand_id, d.title, \(purchaser), d.award->>'agencyName', compliance_yuan((d.award->>'priceFen')::bigint),
                      (d.award->>'priceFen')::bigint * 1000 / d.budget_fen, compliance_yuan(d.budget_fen), $7::int) AS explanation,
               \(publishedOn) AS occurred_on
        FROM demands d
        WHERE \(inWindow) AND \(competitive) AND d.award IS NOT NULL AND d.status IN ('publicity', 'awarded')
          AND (d.award->>'priceFen')::bigint * 1000 >= d.budget_fen * $7::bigint
        """, values: { r in [r.priceAtCapPermille] })

    static let winnerConcentration = ScanRule(name: "WINNER_CONCENTRATION", severity: "medium", sql: """
        WITH aw AS (
            SELECT d.purchaser_id, d.award->>'agencyId' AS agency_id, d.award->>'agencyName' AS agency_name, d.demand_id,
                   (d.award->>'priceFen')::bigint AS price_fen
            FROM demands d
            WHERE \(inWindow) AND \(competitive) AND d.award IS NOT NULL AND d.status IN ('publicity', 'awarded')
        ), tot AS (
            SELECT purchaser_id, count(*) AS n FROM aw GROUP BY purchaser_id HAVING count(*) >= $7
        ), win AS (
            SELECT purchaser_id, agency_id, max(agency_name) AS agency_name, count(*) AS w, sum(price_fen)::bigint AS fen,
                   array_agg(demand_id ORDER BY demand_id) AS demands
            FROM aw GROUP BY purchaser_id, agency_id
        )
        SELECT 'WINNER_CONCENTRATION:purchaser:' || win.purchaser_id || ':' || win.agency_id AS natural_key,
               'purchaser' AS subject_type, win.purchaser_id AS subject_id, win.purchaser_id, win.agency_id, win.fen AS amount_fen,
               jsonb_build_object('awards', tot.n, 'won', win.w, 'demands', to_jsonb(win.demands),
                                  'concentrationPermille', $8::int) AS evidence,
               format('Agency %s (%s) won %s of the %s competitive awards of %s between %s and %s (%s yuan), more than %s‰.',
                      win.agency_name, win.agency_id, win.w, tot.n,
                      (SELECT p.name FROM purchasers p WHERE p.purchaser_id = win.purchaser_id), $1::date, $2::date,
                      compliance_yuan(win.fen), $8::int) AS explanation,
               $2::date AS occurred_on
        FROM win JOIN tot USING (purchaser_id)
        WHERE win.w * 1000 > tot.n * $8::bigint
        """, values: { r in [r.concentrationMinAwards, r.concentrationPermille] })

    static let directOveruse = ScanRule(name: "DIRECT_OVERUSE", severity: "medium", sql: """
        SELECT 'DIRECT_OVERUSE:purchaser:' || d.purchaser_id AS natural_key, 'purchaser' AS subject_type, d.purchaser_id AS subject_id,
               d.purchaser_id, NULL::text AS agency_id,
               coalesce(sum(d.budget_fen) FILTER (WHERE d.selection_method = 'direct'), 0)::bigint AS amount_fen,
               jsonb_build_object('demands', count(*), 'direct', count(*) FILTER (WHERE d.selection_method = 'direct'),
                                  'directDemands', to_jsonb(array_agg(d.demand_id ORDER BY d.demand_id) FILTER (WHERE d.selection_method = 'direct')),
                                  'directSharePermille', $7::int) AS evidence,
               format('%s used direct selection for %s of its %s demands published between %s and %s (%s‰, above %s‰).',
                      \(purchaser.replacingOccurrences(of: "d.purchaser_id", with: "min(d.purchaser_id)")),
                      count(*) FILTER (WHERE d.selection_method = 'direct'), count(*), $1::date, $2::date,
                      count(*) FILTER (WHERE d.selection_method = 'direct') * 1000 / count(*), $7::int) AS explanation,
               $2::date AS occurred_on
        FROM demands d
        WHERE \(inWindow)
        GROUP BY d.purchaser_id
        HAVING count(*) >= 4 AND count(*) FILTER (WHERE d.selection_method = 'direct') * 1000 > count(*) * $7::bigint
        """, values: { r in [r.directSharePermille] })

    static let lateContract = ScanRule(name: "LATE_CONTRACT", severity: "low", sql: """
        SELECT 'LATE_CONTRACT:demand:' || d.demand_id AS natural_key, 'demand' AS subject_type, d.demand_id AS subject_id,
               d.purchaser_id, d.award->>'agencyId' AS agency_id, coalesce(k.amount_fen, (d.award->>'priceFen')::bigint) AS amount_fen,
               jsonb_build_object('demandId', d.demand_id, 'awardedOn', (d.awarded_at AT TIME ZONE $4)::date::text,
                                  'contractId', k.contract_id, 'signedOn', k.signed_on::text, 'contractDeadlineDays', $7::int) AS evidence,
               CASE WHEN k.contract_id IS NOT NULL THEN
                   format('Contract %s for demand %s "%s" of %s was signed on %s, %s days after the award on %s (limit %s days).',
                          k.contract_id, d.demand_id, d.title, \(purchaser), k.signed_on,
                          k.signed_on - (d.awarded_at AT TIME ZONE $4)::date, (d.awarded_at AT TIME ZONE $4)::date, $7::int)
               ELSE
                   format('Demand %s "%s" of %s was awarded on %s to %s and has no contract %s days later (limit %s days).',
                          d.demand_id, d.title, \(purchaser), (d.awarded_at AT TIME ZONE $4)::date, d.award->>'agencyName',
                          (now() AT TIME ZONE $4)::date - (d.awarded_at AT TIME ZONE $4)::date, $7::int)
               END AS explanation,
               coalesce(k.signed_on, \(publishedOn)) AS occurred_on
        FROM demands d LEFT JOIN contracts k ON k.demand_id = d.demand_id
        WHERE d.awarded_at IS NOT NULL
          AND ((k.contract_id IS NOT NULL AND k.signed_on BETWEEN $1 AND $2
                AND k.signed_on - (d.awarded_at AT TIME ZONE $4)::date > $7::int)
            OR (k.contract_id IS NULL AND d.status = 'awarded' AND \(inWindow)
                AND (now() AT TIME ZONE $4)::date - (d.awarded_at AT TIME ZONE $4)::date > $7::int))
        """, values: { r in [r.contractDeadlineDays] })

    static let noEvaluation = ScanRule(name: "NO_EVALUATION", severity: "low", sql: """
        SELECT 'NO_EVALUATION:contract:' || k.contract_id AS natural_key, 'contract' AS subject_type, k.contract_id AS subject_id,
               k.purchaser_id, k.agency_id, k.amount_fen,
               jsonb_build_object('contractId', k.contract_id, 'completedAt', k.completed_at,
                                  'evaluationDeadlineDays', $7::int) AS evidence,
               format('Contract %s (%s yuan) between %s and %s was completed on %s and the purchaser has not evaluated the agency within %s days.',
                      k.contract_id, compliance_yuan(k.amount_fen), (SELECT p.name FROM purchasers p WHERE p.purchaser_id = k.purchaser_id),
                      (SELECT a.name FROM agencies a WHERE a.agency_id = k.agency_id), (k.completed_at AT TIME ZONE $4)::date,
                      $7::int) AS explanation,
               k.signed_on AS occurred_on
        FROM contracts k
        WHERE k.signed_on BETWEEN $1 AND $2 AND k.status = 'completed'
          AND k.completed_at + make_interval(days => $7::int) < now()
          AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.contract_id = k.contract_id AND e.side = 'purchaser')
        """, values: { r in [r.evaluationDeadlineDays] })

    static let sharedContact = ScanRule(name: "SHARED_CONTACT", severity: "medium", sql: """
        WITH vb AS (
            SELECT DISTINCT d.demand_id, d.title, d.purchaser_id, \(publishedOn) AS published_on, b.agency_id
            FROM demands d JOIN bids b ON b.demand_id = d.demand_id AND \(validBid)
            WHERE \(inWindow) AND \(closed)
        )
        SELECT 'SHARED_CONTACT:demand:' || x.demand_id || ':' || x.agency_id || ':' || y.agency_id AS natural_key,
               'demand' AS subject_type, x.demand_id AS subject_id, x.purchaser_id, x.agency_id, NULL::bigint AS amount_fen,
               jsonb_build_object('demandId', x.demand_id, 'agencies', jsonb_build_array(x.agency_id, y.agency_id),
                                  'shared', to_jsonb(s.shared)) AS evidence,
               format('Agencies %s (%s) and %s (%s), both bidding on demand %s "%s", share the same %s.',
                      a.name, a.agency_id, o.name, o.agency_id, x.demand_id, x.title, array_to_string(s.shared, ', ')) AS explanation,
               x.published_on AS occurred_on
        FROM vb x JOIN vb y ON y.demand_id = x.demand_id AND x.agency_id < y.agency_id
        JOIN agencies a ON a.agency_id = x.agency_id
        JOIN agencies o ON o.agency_id = y.agency_id
        CROSS JOIN LATERAL (SELECT array_remove(ARRAY[
            CASE WHEN btrim(a.contact->>'phone') = btrim(o.contact->>'phone') THEN 'phone' END,
            CASE WHEN lower(btrim(a.contact->>'email')) = lower(btrim(o.contact->>'email')) THEN 'email' END,
            CASE WHEN regexp_replace(btrim(a.address), '\\s+', ' ', 'g') = regexp_replace(btrim(o.address), '\\s+', ' ', 'g') THEN 'address' END
        ], NULL) AS shared) s
        WHERE cardinality(s.shared) > 0
        """, values: { _ in [] })
}
