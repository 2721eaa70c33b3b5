-- demand.get, anonymous: the statement the server runs, with the demand ids as a bound parameter
-- (-M prepared). Mirrors DemandStore.loadUnlessDue for a viewer who may not see the bid count
-- (DemandRecord.uncountedColumns plus the deadline-due check): one statement outside a
-- transaction; the locking path runs only when a deadline is due, which never happens in this
-- benchmark (demands close far in the future). The server sends the ids of the concurrent
-- requests whose reads share a round trip in one such statement (KeyedRead); each pgbench
-- transaction stands for one request alone and reads one demand (a one-element array).
-- Keep in sync with Sources/ImarketApp/Demands/ (see docs/benchmarks.md).
-- bench/db_workloads.sh replaces :demand_id with one -D variable ({id}) per script copy.
SELECT d.demand_id, d.purchaser_id, p.name AS purchaser_name, p.region_code AS purchaser_region, d.title, d.service_type, d.description,
    d.budget_fen, d.min_price_fen, d.fund_source, d.fiscal_fen, d.selection_method, d.direct_agency_id,
    d.direct_reason, d.weight_price, d.weight_quality, d.region_restriction,
    d.excluded_agencies::text AS excluded_agencies, d.service_period_days, d.bidding_closes_at,
    d.status, d.created_at, d.published_at,
    d.closed_at, d.failure_reason, d.revision, d.amendments::text AS amendments, d.draw_secret,
    d.draw_commitment, d.award::text AS award, d.publicity_ends_at,
    coalesce(d.published_at, d.created_at)::text AS sort_key, NULL::bigint AS bid_count,
    ((d.status = 'open' AND d.bidding_closes_at <= clock_timestamp())
     OR (d.status = 'publicity' AND d.publicity_ends_at <= clock_timestamp())) AS deadline_due
FROM demands d JOIN purchasers p USING (purchaser_id) WHERE d.demand_id = ANY (:demand_id::text[]);
