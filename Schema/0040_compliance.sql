-- Compliance (API section 10): treasury payment records imported by overseers, the red flags a
-- scan raises and their reviews. See docs/overseers-guide.md.

CREATE TABLE imported_payments (
    -- The treasury's own record id: re-importing the same record is a no-op (idempotent imports).
    external_id        text PRIMARY KEY,
    import_id          text NOT NULL,
    payer_credit_code  text NOT NULL,
    payee_credit_code  text NOT NULL,
    payee_name         text NOT NULL,
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0 AND amount_fen <= 10000000000000),
    paid_on            date NOT NULL,
    fund_source        text NOT NULL CHECK (fund_source IN ('fiscal', 'self')),
    economic_code      text NOT NULL CHECK (economic_code ~ '^[0-9]{5}$'),
    purpose            text NOT NULL,
    contract_ref       text,
    imported_at        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX imported_payments_paid_on ON imported_payments (paid_on);
CREATE INDEX imported_payments_pair ON imported_payments (payer_credit_code, payee_credit_code, paid_on);
CREATE INDEX imported_payments_contract_ref ON imported_payments (contract_ref) WHERE contract_ref IS NOT NULL;

-- Matching (API section 10) needs the contracts of a purchaser–agency pair by signing date.
CREATE INDEX contracts_pair_signed ON contracts (purchaser_id, agency_id, signed_on);
CREATE INDEX contracts_signed_on ON contracts (signed_on);
CREATE INDEX demands_published_at ON demands (published_at) WHERE published_at IS NOT NULL;

-- Every imported payment with its payer/payee matched to registered organizations by credit
-- code and the platform contract it is paid under (NULL when unmatched): `contractRef` must name a
-- contract of the same pair; without it, the pair's latest contract signed on or before paidOn.
CREATE VIEW compliance_payment_matches AS
SELECT ip.*, p.purchaser_id, p.name AS purchaser_name, a.agency_id, a.name AS agency_name,
       CASE WHEN ip.contract_ref IS NOT NULL THEN
                (SELECT k.contract_id FROM contracts k
                  WHERE k.contract_id = ip.contract_ref AND k.purchaser_id = p.purchaser_id AND k.agency_id = a.agency_id)
            ELSE
                (SELECT k.contract_id FROM contracts k
                  WHERE k.purchaser_id = p.purchaser_id AND k.agency_id = a.agency_id AND k.signed_on <= ip.paid_on
                  ORDER BY k.signed_on DESC, k.contract_id DESC LIMIT 1)
       END AS contract_id,
       EXISTS (SELECT 1 FROM contracts k WHERE k.purchaser_id = p.purchaser_id AND k.agency_id = a.agency_id)
           AS pair_has_contract
FROM imported_payments ip
LEFT JOIN purchasers p ON p.credit_code = ip.payer_credit_code
LEFT JOIN agencies a ON a.credit_code = ip.payee_credit_code;

CREATE TABLE compliance_scans (
    scan_id     text PRIMARY KEY,
    from_date   date NOT NULL,
    to_date     date NOT NULL,
    scanned_by  text,
    scanned_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    flags_raised integer NOT NULL,
    flags_total  integer NOT NULL
);

CREATE TABLE compliance_flags (
    -- Derived from natural_key, so the same finding always has the same id.
    flag_id       text PRIMARY KEY,
    rule          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    -- rule + subject + what makes the finding distinct, independent of the scan window: a rescan
    -- inserts with ON CONFLICT DO NOTHING, so it never duplicates a flag nor touches its review.
    natural_key   text NOT NULL UNIQUE,
    subject_type  text NOT NULL,
    subject_id    text NOT NULL,
    purchaser_id  text,
    agency_id     text,
    amount_fen    bigint,
    evidence      jsonb NOT NULL,
    explanation   text NOT NULL,
    -- The date of the finding (payment paidOn, demand publish date, contract signedOn), for the
    -- from/to filters of compliance.flags and compliance.summary.
    occurred_on   date NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
    raised_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    scan_id       text NOT NULL,
    review        jsonb
);
CREATE INDEX compliance_flags_order ON compliance_flags (raised_at DESC, flag_id DESC);
CREATE INDEX compliance_flags_occurred ON compliance_flags (occurred_on);
CREATE INDEX compliance_flags_purchaser ON compliance_flags (purchaser_id);
CREATE INDEX compliance_flags_agency ON compliance_flags (agency_id);

-- Money in explanations: 120000 → '1,200.00' (yuan).
CREATE FUNCTION compliance_yuan(fen bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(fen / 100.0, 'FM9,999,999,999,999,990.00')
$$;
