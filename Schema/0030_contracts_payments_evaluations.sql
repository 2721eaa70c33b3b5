-- Contracts, payments and two-way evaluations (API section 9). See docs/contracts.md and
-- docs/credit.md. Agency credit scores are derived from `evaluations` (purchaser side),
-- `contracts` terminated with fault of the agency and `credit_penalties` (0020), and stored in
-- `agencies.credit_hundredths` by the credit module in the transaction that changes an input.

CREATE TABLE contracts (
    contract_id         text PRIMARY KEY,
    -- One contract per demand: the unique key is what makes a concurrent second create fail.
    demand_id           text NOT NULL UNIQUE REFERENCES demands (demand_id),
    purchaser_id        text NOT NULL REFERENCES purchasers (purchaser_id),
    agency_id           text NOT NULL REFERENCES agencies (agency_id),
    amount_fen          bigint NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 10000000000000),
    -- Sum of recorded payments, kept next to the amount so the overpayment check is one locked row.
    paid_fen            bigint NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= amount_fen),
    signed_on           date NOT NULL,
    ends_on             date NOT NULL CHECK (ends_on >= signed_on),
    status              text NOT NULL DEFAULT 'pending_confirmation'
                        CHECK (status IN ('pending_confirmation', 'active', 'delivered', 'completed', 'terminated')),
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    confirmed_at        timestamptz,
    delivered_at        timestamptz,
    delivery_summary    text,
    acceptance_note     text,
    completed_at        timestamptz,
    terminated_at       timestamptz,
    termination_reason  text,
    termination_fault   text CHECK (termination_fault IN ('agency', 'purchaser', 'none')),
    terminated_by       text
);
-- contract.search pages newest first with contract_id as the tie-breaker.
CREATE INDEX contracts_order ON contracts (created_at DESC, contract_id DESC);
CREATE INDEX contracts_purchaser ON contracts (purchaser_id, created_at DESC);
CREATE INDEX contracts_agency ON contracts (agency_id, created_at DESC);
CREATE INDEX contracts_agency_fault ON contracts (agency_id) WHERE termination_fault = 'agency';

CREATE TABLE payments (
    payment_id   text PRIMARY KEY,
    contract_id  text NOT NULL REFERENCES contracts (contract_id),
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    paid_on      date NOT NULL,
    voucher_no   text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    recorded_by  text
);
CREATE INDEX payments_contract ON payments (contract_id, recorded_at);

CREATE TABLE evaluations (
    evaluation_id  text PRIMARY KEY,
    contract_id    text NOT NULL REFERENCES contracts (contract_id),
    -- Who evaluated: 'purchaser' (scores the agency; feeds credit) or 'agency' (scores the purchaser).
    side           text NOT NULL CHECK (side IN ('purchaser', 'agency')),
    purchaser_id   text NOT NULL REFERENCES purchasers (purchaser_id),
    agency_id      text NOT NULL REFERENCES agencies (agency_id),
    scores         jsonb NOT NULL,
    -- Purchaser side only: the sum of the five scores (5…25), the credit formula's input.
    score_sum      integer CHECK (score_sum BETWEEN 5 AND 25),
    comment        text,
    submitted_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT evaluations_once_per_side UNIQUE (contract_id, side),
    CHECK ((side = 'purchaser') = (score_sum IS NOT NULL))
);
CREATE INDEX evaluations_order ON evaluations (submitted_at DESC, evaluation_id DESC);
CREATE INDEX evaluations_agency ON evaluations (agency_id, submitted_at DESC);
CREATE INDEX evaluations_purchaser ON evaluations (purchaser_id, submitted_at DESC);
