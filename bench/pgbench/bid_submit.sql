-- bid.submit by an agency: every statement the server runs for one request, in its order, with
-- bound parameters (-M prepared). Mirrors Authentication.resolve (token lookup, autocommit) and
-- BidMethods "bid.submit" inside Mutation.mutate: BidStore.lockOpenDemand (load FOR SHARE, database
-- clock), BidStore.checkAgency, BidStore.insert, BidView.load, AuditLog.append, COMMIT.
-- Keep in sync with Sources/ImarketApp/Bids/, Demands/, Audit/ (see docs/benchmarks.md).
--
-- Harness bookkeeping (not server work, costs one extra indexed round trip): the next unique
-- (demand, agency) pair from the sequence shared with the wrk runs, plus a fresh bid id.
SELECT d.demand_id, a.agency_id, a.account_id, '\x' || encode(a.token_hash, 'hex') AS token_hash,
       'bid_' || substr(md5(s.k::text || random()::text), 1, 24) AS new_bid_id
FROM (SELECT nextval('bench_bid_seq') AS k) s
JOIN bench_demands d ON d.n = s.k % :D
JOIN bench_agencies a ON a.n = (s.k / :D) % :A \gset
\set price 500000 + random(0, 399999)
SELECT a.account_id, a.role, a.name, a.org_id, a.region_scope, t.token_hash
FROM api_tokens t JOIN accounts a USING (account_id) WHERE t.token_hash = :token_hash AND t.revoked_at IS NULL;
BEGIN ISOLATION LEVEL READ COMMITTED;
SELECT d.demand_id, d.purchaser_id, p.name AS purchaser_name, d.title, d.service_type, d.description,
    d.budget_fen, d.min_price_fen, d.fund_source, d.fiscal_fen, d.selection_method, d.direct_agency_id,
    d.direct_reason, d.weight_price, d.weight_quality, d.region_restriction,
    d.excluded_agencies::text AS excluded_agencies, d.service_period_days, d.bidding_closes_at,
    d.status, d.created_at, d.published_at,
    d.closed_at, d.failure_reason, d.revision, d.amendments::text AS amendments, d.draw_secret,
    d.draw_commitment, d.award::text AS award, d.publicity_ends_at,
    (SELECT count(*) FROM bids b WHERE b.demand_id = d.demand_id AND b.status <> 'withdrawn') AS bid_count,
    coalesce(d.published_at, d.created_at)::text AS sort_key
FROM demands d JOIN purchasers p USING (purchaser_id) WHERE d.demand_id = :demand_id FOR SHARE OF d \gset dem_
SELECT n.t::text AS now, n.t < d.bidding_closes_at AS before
FROM (SELECT clock_timestamp() AS t) n, demands d WHERE d.demand_id = :demand_id \gset
SELECT a.status, a.region_code, :dem_service_type = ANY (a.service_types) AS lists_type,
       (NOT ci.qualification_required OR EXISTS (
           SELECT 1 FROM agency_qualifications q WHERE q.agency_id = a.agency_id AND q.service_type = :dem_service_type
              AND q.valid_until >= (:dem_bidding_closes_at::timestamptz AT TIME ZONE :tz)::date)) AS qualified
FROM agencies a, catalog_items ci WHERE a.agency_id = :agency_id AND ci.code = :dem_service_type;
INSERT INTO bids (bid_id, demand_id, agency_id, price_fen, proposal, submitted_at, updated_at)
VALUES (:new_bid_id, :demand_id, :agency_id, :price, :proposal, :now::timestamptz, :now::timestamptz)
ON CONFLICT (demand_id, agency_id) WHERE status IN ('submitted', 'invalid') DO NOTHING
RETURNING bid_id;
SELECT b.bid_id, b.demand_id, b.agency_id, a.name AS agency_name, b.price_fen, b.proposal, b.status,
    b.submitted_at, b.updated_at, b.quality_score, b.total_score
FROM bids b JOIN agencies a USING (agency_id) WHERE b.bid_id = :new_bid_id;
-- The server sends its audit entry together with COMMIT (PostgresConnection.executeAtCommit).
\startpipeline
SELECT audit_append(:account_id, :method, :subject_type, :new_bid_id, :digest);
COMMIT;
\endpipeline
