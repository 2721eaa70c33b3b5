-- Catalog of intermediary service items, purchasing units and intermediary agencies (API section 6).

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalog_items (
    code                    text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{2,32}$'),
    name                    text NOT NULL,
    description             text NOT NULL DEFAULT '',
    qualification_required  boolean NOT NULL,
    active                  boolean NOT NULL DEFAULT true,
    updated_at              timestamptz NOT NULL DEFAULT now()
);

INSERT INTO catalog_items (code, name, qualification_required) VALUES
    ('BOOKKEEPING', '代理记账', false),
    ('TESTING', '检验检测', true),
    ('RADIATION_HEALTH', '放射卫生技术服务', true),
    ('EIA', '环境影响评价', true),
    ('COST_CONSULTING', '工程造价咨询', true),
    ('SURVEYING', '测绘', true),
    ('ASSET_APPRAISAL', '资产评估', true),
    ('AUDIT', '审计', true),
    ('FEASIBILITY', '可行性研究报告编制', false),
    ('SAFETY_ASSESSMENT', '安全评价', true);

CREATE TABLE purchasers (
    purchaser_id  text PRIMARY KEY,
    name          text NOT NULL,
    credit_code   text NOT NULL,
    region_code   text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    contact       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT purchasers_credit_code_key UNIQUE (credit_code)
);

CREATE TABLE agencies (
    agency_id        text PRIMARY KEY,
    name             text NOT NULL,
    credit_code      text NOT NULL,
    region_code      text NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    address          text NOT NULL,
    contact          jsonb NOT NULL,
    service_types    text[] NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected', 'suspended')),
    status_reason    text,
    -- A suspension with an end date is lifted by the deadline worker when it passes.
    suspended_until  timestamptz,
    -- Maintained by the credit module; hundredths of a point (8000 = 80.00) keep it exact.
    credit_hundredths integer NOT NULL DEFAULT 8000,
    created_at       timestamptz NOT NULL DEFAULT now(),
    reviewed_at      timestamptz,
    CONSTRAINT agencies_credit_code_key UNIQUE (credit_code)
);
-- Search order is highest credit first, then a stable tie-breaker for paging.
CREATE INDEX agencies_search_order ON agencies (status, credit_hundredths DESC, agency_id);
CREATE INDEX agencies_region ON agencies (region_code text_pattern_ops);
CREATE INDEX agencies_service_types ON agencies USING gin (service_types);
CREATE INDEX agencies_name_trgm ON agencies USING gin (name gin_trgm_ops);
CREATE INDEX agencies_suspended_until ON agencies (suspended_until) WHERE suspended_until IS NOT NULL;

CREATE TABLE agency_qualifications (
    agency_id       text NOT NULL REFERENCES agencies (agency_id),
    position        integer NOT NULL,
    service_type    text NOT NULL REFERENCES catalog_items (code),
    certificate_no  text NOT NULL,
    issuer          text NOT NULL,
    level           text,
    valid_until     date NOT NULL,
    PRIMARY KEY (agency_id, position)
);
CREATE INDEX agency_qualifications_type ON agency_qualifications (service_type, valid_until);
