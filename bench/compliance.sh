#!/usr/bin/env bash
# Compliance benchmark (not part of the tests): import rate of `imarket compliance import --csv`
# and `compliance.scan` time for 100k payments against 10k contracts and 1M payments against 100k
# contracts, with the 10×-data / time ratio (near 10 means the work grows linearly).
#
# Platform data (purchasers, agencies, awarded demands, active contracts) is written straight
# into a fresh embedded database with SQL, since going through the API for 100k contracts would
# benchmark the API instead. Payments are a synthetic treasury CSV: ~60% paid under a platform
# contract, ~15% off platform to registered agencies, ~10% to unregistered payees under 30227,
# ~10% split-like small payments, ~5% self-funded.
#
# Knobs: COMPLIANCE_BENCH_SCALES ("100000:10000 1000000:100000", payments:contracts per step),
# BENCH_BIN (an imarket binary; otherwise a release build in .build-release), BENCH_SKIP_BUILD=1,
# BENCH_KEEP=1 keeps the temporary directory, COMPLIANCE_BENCH_PROFILE=1 logs statements over 300 ms
# to the embedded cluster's postgres.log (use with BENCH_KEEP=1).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
SCALES=${COMPLIANCE_BENCH_SCALES:-"100000:10000 1000000:100000"}
POOL=4 IDLE=0 DURATION=0 WARMUP=0 THREADS=1 ROWS=/dev/null

WORK=$(mktemp -d /tmp/imarket-compliance-bench.XXXXXX)
chmod 711 "$WORK"
DATA=$WORK/data
SERVER_PID=""
source "$HERE/lib.sh"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_server
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN
else
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
        echo "bench: building imarket (release, .build-release)"
        scripts/build-release.sh .build-release
    fi
    BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/imarket"
fi
[ -x "$BIN" ] || die "$BIN missing"

printf '{"poolSize": %d}\n' "$POOL" >"$WORK/serve.json"
start_server imarket
pg_env
CA=$DATA/tls/ca.pem
TOKEN=$(cat "$DATA/admin.token")
DB_URL="postgresql://$PGUSER@/$PGDATABASE?host=$PGHOST&port=$PGPORT"
psql_q() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }

# Organizations with valid credit codes: 200 purchasers, 1,000 agencies (generated once).
"$PYTHON" - "$WORK/orgs.sql" <<'PY'
import sys
CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def code(n, region="430482"):
    body = "%08d" % n
    s = sum(int(c, 36) * w for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - s % 11
    first = "91" + region + body + ("X" if c == 10 else "0" if c == 11 else str(c))
    s = sum(CH.index(ch) * w for ch, w in zip(first, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]))
    c = 31 - s % 31
    return first + CH[0 if c == 31 else c]
with open(sys.argv[1], "w") as out:
    out.write("INSERT INTO purchasers (purchaser_id, name, credit_code, region_code, contact) VALUES\n")
    out.write(",\n".join("('bp_%d', '基准采购单位%d', '%s', '430482', '{\"name\":\"张三\",\"phone\":\"0734-1\"}')" % (i, i, code(50000000 + i)) for i in range(200)) + ";\n")
    out.write("INSERT INTO agencies (agency_id, name, credit_code, region_code, address, contact, service_types, status) VALUES\n")
    out.write(",\n".join("('ba_%d', '基准中介机构%d', '%s', '430482', '耒阳市%d号', '{\"name\":\"李四\",\"phone\":\"0734-%d\"}', '{TESTING}', 'approved')" % (i, i, code(60000000 + i), i, 1000000 + i) for i in range(1000)) + ";\n")
PY
psql_q -f "$WORK/orgs.sql"
[ "${COMPLIANCE_BENCH_PROFILE:-0}" = 1 ] && psql_q -c "ALTER SYSTEM SET log_min_duration_statement = 300" -c "SELECT pg_reload_conf()" >/dev/null

CONTRACTS=0
declare -a RESULTS=()
for scale in $SCALES; do
    payments=${scale%%:*} contracts=${scale##*:}
    echo "bench: $payments payments vs $contracts contracts"
    # Contracts c (awarded direct demands) for purchaser c % 200 and agency c % 1000, signed
    # 2025-01-01 + c % 300 days; only the ones not yet there are added.
    psql_q -v from="$CONTRACTS" -v to="$contracts" <<'SQL'
INSERT INTO demands (demand_id, purchaser_id, title, service_type, description, budget_fen, fund_source, selection_method,
                     direct_agency_id, service_period_days, bidding_closes_at, status, published_at, closed_at, awarded_at, award)
SELECT 'bd_' || c, 'bp_' || (c % 200), '基准检测服务' || c, 'TESTING', '基准', 2000000, 'fiscal', 'direct', 'ba_' || (c % 1000), 90,
       timestamptz '2025-01-01' + (c % 300) * interval '1 day' - interval '20 days', 'awarded',
       timestamptz '2025-01-01' + (c % 300) * interval '1 day' - interval '30 days',
       timestamptz '2025-01-01' + (c % 300) * interval '1 day' - interval '20 days',
       timestamptz '2025-01-01' + (c % 300) * interval '1 day' - interval '10 days',
       jsonb_build_object('agencyId', 'ba_' || (c % 1000), 'agencyName', '基准中介机构' || (c % 1000), 'priceFen', 1000000)
FROM generate_series(:from, :to - 1) c;
INSERT INTO contracts (contract_id, demand_id, purchaser_id, agency_id, amount_fen, signed_on, ends_on, status)
SELECT 'bk_' || c, 'bd_' || c, 'bp_' || (c % 200), 'ba_' || (c % 1000), 1000000, date '2025-01-01' + c % 300,
       date '2025-01-01' + c % 300 + 180, 'active'
FROM generate_series(:from, :to - 1) c;
TRUNCATE compliance_flags, compliance_scans, imported_payments;
ANALYZE;
SQL
    CONTRACTS=$contracts
    csv=$WORK/payments-$payments.csv
    "$PYTHON" - "$csv" "$payments" "$contracts" <<'PY'
import random, sys, datetime
CH = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def code(n, region="430482"):
    body = "%08d" % n
    s = sum(int(c, 36) * w for c, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - s % 11
    first = "91" + region + body + ("X" if c == 10 else "0" if c == 11 else str(c))
    s = sum(CH.index(ch) * w for ch, w in zip(first, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]))
    c = 31 - s % 31
    return first + CH[0 if c == 31 else c]
path, n, contracts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
purchasers = [code(50000000 + i) for i in range(200)]
agencies = [code(60000000 + i) for i in range(1000)]
others = [code(70000000 + i) for i in range(5000)]
base = datetime.date(2025, 1, 1)
with open(path, "w") as out:
    out.write("externalId,payerCreditCode,payeeCreditCode,payeeName,amountFen,paidOn,fundSource,economicCode,purpose,contractRef\n")
    for i in range(n):
        r = rng.random()
        c = rng.randrange(contracts)
        payer, payee, code_, fund, ref = purchasers[c % 200], agencies[c % 1000], "30227", "fiscal", ""
        day = base + datetime.timedelta(days=c % 300 + rng.randrange(0, 60))
        amount = rng.randrange(10000, 300000)
        if r < 0.3:
            ref = "bk_%d" % c
        elif r < 0.6:
            pass                                     # matched by pair and date
        elif r < 0.75:
            payer = purchasers[rng.randrange(200)]; payee = agencies[rng.randrange(1000)]
            day = base - datetime.timedelta(days=rng.randrange(1, 30))   # before any contract
        elif r < 0.85:
            payee = others[rng.randrange(5000)]
        elif r < 0.95:
            payee = others[rng.randrange(5000)]; code_ = "30299"; amount = rng.randrange(1000000, 9000000)
        else:
            fund = "self"
        out.write("T%09d,%s,%s,某某服务有限公司,%d,%s,%s,%s,委托业务费,%s\n" % (i, payer, payee, amount, day.isoformat(), fund, code_, ref))
PY
    t0=$(now)
    "$BIN" compliance import --csv "$csv" --database-url "$DB_URL" 2>"$WORK/import.err" | tail -1
    t1=$(now)
    psql_q -c "ANALYZE"
    t2=$(now)
    # A scan longer than the server's 60 s HTTP limit loses its connection but still commits:
    # then the time is taken when its compliance_scans row appears.
    scan=$(curl -s --cacert "$CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
        "https://127.0.0.1:$SERVER_PORT/rpc" -d '{"jsonrpc":"2.0","id":1,"method":"compliance.scan","params":{"from":"2024-01-01","to":"2026-12-31"}}') \
        || scan="(connection closed by the server)"
    until [ "$(psql_q -Atc "SELECT count(*) FROM compliance_scans")" -ge 1 ]; do
        sleep 0.5
        [ "$(echo "$(now) - $t2 < 1800" | bc)" = 1 ] || die "scan did not finish within 30 min"
    done
    t3=$(psql_q -Atc "SELECT extract(epoch FROM max(scanned_at)) FROM compliance_scans")
    echo "bench: scan result: $scan"
    RESULTS+=("$payments $contracts $(echo "$t1 - $t0" | bc) $(echo "$t3 - $t2" | bc)")
done

echo
printf '%-10s %-10s %12s %14s %10s\n' payments contracts "import s" "rows/s" "scan s"
prev=""
for row in "${RESULTS[@]}"; do
    read -r p k imp sc <<<"$row"
    printf '%-10s %-10s %12.1f %14.0f %10.2f\n' "$p" "$k" "$imp" "$(echo "$p / $imp" | bc -l)" "$sc"
    if [ -n "$prev" ]; then
        read -r pp pk pimp psc <<<"$prev"
        printf '  ×%s data: import time ×%.1f, scan time ×%.1f\n' "$(echo "$p / $pp" | bc)" "$(echo "$imp / $pimp" | bc -l)" "$(echo "$sc / $psc" | bc -l)"
    fi
    prev=$row
done
