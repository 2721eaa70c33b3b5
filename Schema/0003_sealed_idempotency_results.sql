-- Idempotency keys are stored as SHA-256 and their results sealed (AES-256-GCM) with a key
-- derived from the idempotency key itself: a stored result can hold a one-time token
-- (purchaser.create, agency.register), and the database alone must never yield it.
ALTER TABLE idempotency_keys RENAME COLUMN key TO key_hash;
ALTER TABLE idempotency_keys DROP COLUMN result;
ALTER TABLE idempotency_keys ADD COLUMN result_sealed bytea;
