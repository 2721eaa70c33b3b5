-- Demands, sealed bids, objections and credit penalties (API sections 7 and 8).
-- See docs/state-machine.md and docs/deadlines.md.

CREATE TABLE demands (
    demand_id            text PRIMARY KEY,
    purchaser_id         text NOT NULL REFERENCES purchasers (purchaser_id),
    title                text NOT NULL,
    service_type         text NOT NULL REFERENCES catalog_items (code),
    description          text NOT NULL,
    budget_fen           bigint NOT NULL CHECK (budget_fen > 0 AND budget_fen <= 10000000000000),
    min_price_fen        bigint,
    fund_source          text NOT NULL CHECK (fund_source IN ('fiscal', 'self', 'mixed')),
    fiscal_fen           bigint,
    selection_method     text NOT NULL CHECK (selection_method IN ('random', 'lowest_price', 'composite', 'direct')),
    direct_agency_id     text,
    direct_reason        text,
    weight_price         integer,
    weight_quality       integer,
    region_restriction   text,
    excluded_agencies    jsonb NOT NULL DEFAULT '[]',
    service_period_days  integer NOT NULL,
    bidding_closes_at    timestamptz NOT NULL,
    status               text NOT NULL DEFAULT 'draft'
                         CHECK (status IN ('draft', 'open', 'evaluating', 'publicity', 'awarded', 'failed', 'cancelled')),
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at         timestamptz,
    closed_at            timestamptz,
    failure_reason       text,
    revision             integer NOT NULL DEFAULT 1,
    amendments           jsonb NOT NULL DEFAULT '[]',
    -- The commit–reveal draw: the secret is never returned by the API until it appears in the
    -- award's `draw` (see docs/draw.md).
    draw_secret          text,
    draw_commitment      text,
    -- The published award object (API section 8), NULL until a winner is selected.
    award                jsonb,
    publicity_ends_at    timestamptz,
    -- Set when the publicity period ended; rejects `award.decline` once a contract exists.
    awarded_at           timestamptz
);
-- Newest published first (drafts by creation time), demand_id as the stable tie-breaker.
CREATE INDEX demands_order ON demands ((coalesce(published_at, created_at)) DESC, demand_id DESC);
CREATE INDEX demands_purchaser ON demands (purchaser_id);
-- What the deadline engine polls: only demands that are waiting for a deadline.
CREATE INDEX demands_due_close ON demands (bidding_closes_at) WHERE status = 'open';
CREATE INDEX demands_due_publicity ON demands (publicity_ends_at) WHERE status = 'publicity';
-- Chinese substring search over title and description (`检测` finds `检验检测服务`).
CREATE INDEX demands_text_trgm ON demands USING gin ((title || ' ' || description) gin_trgm_ops);

CREATE TABLE bids (
    bid_id         text PRIMARY KEY,
    demand_id      text NOT NULL REFERENCES demands (demand_id),
    agency_id      text NOT NULL REFERENCES agencies (agency_id),
    price_fen      bigint NOT NULL,
    proposal       text NOT NULL,
    status         text NOT NULL DEFAULT 'submitted'
                   CHECK (status IN ('submitted', 'withdrawn', 'invalid', 'disqualified')),
    -- The database clock when the row was written, under the demand-row lock (docs/deadlines.md).
    submitted_at   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    quality_score  integer,
    -- Composite only: hundredths of a point (6834 = 68.34).
    total_score    bigint
);
-- One active bid per agency and demand.
CREATE UNIQUE INDEX bids_one_active ON bids (demand_id, agency_id) WHERE status IN ('submitted', 'invalid');
CREATE INDEX bids_demand ON bids (demand_id, bid_id);
CREATE INDEX bids_agency ON bids (agency_id);

CREATE TABLE objections (
    objection_id  text PRIMARY KEY,
    demand_id     text NOT NULL REFERENCES demands (demand_id),
    agency_id     text NOT NULL REFERENCES agencies (agency_id),
    -- The bid that was winning when the objection was filed.
    against_bid   text,
    reason        text NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected')),
    note          text,
    filed_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    resolved_at   timestamptz
);
CREATE UNIQUE INDEX objections_one_open ON objections (demand_id, agency_id) WHERE status = 'open';
CREATE INDEX objections_demand ON objections (demand_id, filed_at);

-- Credit penalties (declined awards, upheld objections); the credit module derives scores from them.
CREATE TABLE credit_penalties (
    penalty_id  bigserial PRIMARY KEY,
    agency_id   text NOT NULL REFERENCES agencies (agency_id),
    kind        text NOT NULL CHECK (kind IN ('declined_award', 'upheld_objection')),
    points      integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    ref         text NOT NULL
);
CREATE INDEX credit_penalties_agency ON credit_penalties (agency_id, at);
