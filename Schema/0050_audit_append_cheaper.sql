-- A cheaper audit_append: the hash is inlined, and two writes replace an insert probe, a row
-- lock, an update and an insert.
-- The head row's UPDATE locks it and advances the chain in one step: its SET expressions all read
-- the row as it was, so the link being replaced is kept in prev_hash and returned for the entry.
-- Same chain, same hashes, same locking (only the subject's head row); measured in
-- docs/benchmarks.md (the audit row).
ALTER TABLE audit_heads ADD COLUMN prev_hash text;

-- audit_link_hash was declared IMMUTABLE, but convert_to and the text concatenations in it are
-- STABLE, so PostgreSQL never inlined it and planned its body anew in every transaction: about
-- 90 µs per append, most of what an audit entry cost (measured with pgbench). Declared STABLE it
-- is inlined into the statements of audit_append. Same body, same hashes.
CREATE OR REPLACE FUNCTION audit_link_hash(prev text, seq bigint, idx bigint, at timestamptz, actor text,
                                           method text, stype text, sid text, digest text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(
        prev || '|' || seq || '|' || idx || '|' || (extract(epoch FROM at) * 1000000)::bigint || '|' ||
        coalesce(actor, '') || '|' || method || '|' || stype || '|' || sid || '|' || digest, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION audit_append(p_actor text, p_method text, p_type text, p_id text, p_digest text)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_seq   bigint := nextval('audit_seq');
    v_at    timestamptz := date_trunc('milliseconds', clock_timestamp());
    v_prev  text;
    v_hash  text;
    v_n     bigint;
BEGIN
    FOR attempt IN 1..2 LOOP
        UPDATE audit_heads h
           SET prev_hash = h.last_hash,
               last_hash = audit_link_hash(h.last_hash, v_seq, h.entries + 1, v_at, p_actor, p_method, p_type, p_id, p_digest),
               last_seq = v_seq,
               entries = h.entries + 1
         WHERE h.subject_type = p_type AND h.subject_id = p_id
        RETURNING h.prev_hash, h.last_hash, h.entries INTO v_prev, v_hash, v_n;
        EXIT WHEN FOUND;
        -- The subject's first entry.
        v_prev := repeat('0', 64);
        v_n := 1;
        v_hash := audit_link_hash(v_prev, v_seq, v_n, v_at, p_actor, p_method, p_type, p_id, p_digest);
        INSERT INTO audit_heads (subject_type, subject_id, last_seq, last_hash, entries, prev_hash)
        VALUES (p_type, p_id, v_seq, v_hash, v_n, v_prev)
        ON CONFLICT DO NOTHING;
        EXIT WHEN FOUND;
        -- A concurrent first entry won the insert (and has committed): chain onto it.
        v_hash := NULL;
    END LOOP;
    IF v_hash IS NULL THEN
        RAISE EXCEPTION 'audit head for % % could not be claimed', p_type, p_id USING ERRCODE = '40001';
    END IF;
    INSERT INTO audit_entries (seq, at, actor_id, method, subject_type, subject_id, subject_index,
                               digest, prev_hash, hash)
    VALUES (v_seq, v_at, p_actor, p_method, p_type, p_id, v_n, p_digest, v_prev, v_hash);
    RETURN v_seq;
END
$$;
