-- Foundation: accounts and their credentials, platform rules, the audit log and idempotency keys.

CREATE TABLE accounts (
    account_id    text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('admin', 'purchaser', 'agency', 'overseer')),
    name          text NOT NULL,
    -- purchaserId / agencyId for purchaser and agency accounts, else NULL.
    org_id        text,
    -- Overseers only: a prefix of region codes they may see (NULL = everywhere).
    region_scope  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens are stored only as SHA-256 of the token text; the text is shown once.
CREATE TABLE api_tokens (
    token_id    text PRIMARY KEY,
    account_id  text NOT NULL REFERENCES accounts (account_id),
    label       text NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

-- Client certificates (SHA-256 of the DER, lowercase hex) that authenticate as an account.
CREATE TABLE client_certificates (
    fingerprint  text PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    account_id   text NOT NULL REFERENCES accounts (account_id),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Rule values that differ from the built-in defaults (API section 12).
CREATE TABLE rules (
    name        text PRIMARY KEY,
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text
);

-- Idempotency keys of creating methods (API section 4). The row is inserted in the same
-- transaction as the creation, so a concurrent retry waits for it and then sees the result.
CREATE TABLE idempotency_keys (
    scope          text NOT NULL,        -- account id, or 'anonymous' for agency.register
    method         text NOT NULL,
    key            text NOT NULL,
    params_digest  text NOT NULL,
    result         jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, method, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Tamper-evident audit log: one hash chain per subject, so writers on different subjects never
-- wait for each other. Each subject's newest link is kept in audit_heads, which is how a deleted
-- or truncated tail is noticed. See docs/audit.md.
CREATE SEQUENCE audit_seq AS bigint;

CREATE TABLE audit_entries (
    seq            bigint PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor_id       text,
    method         text NOT NULL,
    subject_type   text NOT NULL,
    subject_id     text NOT NULL,
    subject_index  bigint NOT NULL,       -- 1, 2, 3 … within the subject's chain
    digest         text NOT NULL,         -- SHA-256 of the canonical {params, result}
    prev_hash      text NOT NULL,
    hash           text NOT NULL
);
CREATE INDEX audit_entries_subject ON audit_entries (subject_type, subject_id, subject_index);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, seq);

CREATE TABLE audit_heads (
    subject_type  text NOT NULL,
    subject_id    text NOT NULL,
    last_seq      bigint NOT NULL,
    last_hash     text NOT NULL,
    entries       bigint NOT NULL,
    PRIMARY KEY (subject_type, subject_id)
);

-- The link hash: SHA-256 over the fields joined with '|'. `imarket audit verify` recomputes the
-- same string outside the database, so the format here and in AuditChain.swift must agree.
CREATE FUNCTION audit_link_hash(prev text, seq bigint, idx bigint, at timestamptz, actor text,
                                method text, stype text, sid text, digest text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT encode(sha256(convert_to(
        prev || '|' || seq || '|' || idx || '|' || (extract(epoch FROM at) * 1000000)::bigint || '|' ||
        coalesce(actor, '') || '|' || method || '|' || stype || '|' || sid || '|' || digest, 'UTF8')), 'hex')
$$;

-- Appends one entry in the caller's transaction (one round trip). Locks only the subject's head.
CREATE FUNCTION audit_append(p_actor text, p_method text, p_type text, p_id text, p_digest text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_prev  text;
    v_n     bigint;
    v_seq   bigint := nextval('audit_seq');
    v_at    timestamptz := date_trunc('milliseconds', clock_timestamp());
    v_hash  text;
BEGIN
    INSERT INTO audit_heads (subject_type, subject_id, last_seq, last_hash, entries)
    VALUES (p_type, p_id, 0, repeat('0', 64), 0)
    ON CONFLICT DO NOTHING;
    SELECT last_hash, entries INTO v_prev, v_n
      FROM audit_heads WHERE subject_type = p_type AND subject_id = p_id FOR UPDATE;
    v_hash := audit_link_hash(v_prev, v_seq, v_n + 1, v_at, p_actor, p_method, p_type, p_id, p_digest);
    INSERT INTO audit_entries (seq, at, actor_id, method, subject_type, subject_id, subject_index,
                               digest, prev_hash, hash)
    VALUES (v_seq, v_at, p_actor, p_method, p_type, p_id, v_n + 1, p_digest, v_prev, v_hash);
    UPDATE audit_heads SET last_seq = v_seq, last_hash = v_hash, entries = v_n + 1
     WHERE subject_type = p_type AND subject_id = p_id;
    RETURN v_seq;
END
$$;
