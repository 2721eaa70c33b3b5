-- Helpers for OCDS 1.1 release packages (ocds.releasePackage, see docs/api/compliance.md).

-- RFC 3339 in UTC, as OCDS date-time fields want it.
CREATE FUNCTION ocds_ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- A civil date as the start of that day in the given time zone (OCDS has no date-only fields).
CREATE FUNCTION ocds_day(d date, tz text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT ocds_ts((d::timestamp) AT TIME ZONE tz)
$$;

-- OCDS Value: yuan as a number with two decimals, currency CNY.
CREATE FUNCTION ocds_value(fen bigint) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('amount', round(fen / 100.0, 2), 'currency', 'CNY')
$$;
