#!/usr/bin/env bash
# Benchmark harness (`make bench`): builds imarket in release mode, starts it on a fresh embedded
# database in a temporary directory, creates test data through the API (setup.py), starts the
# baselines (a static nginx with the same TLS settings; pgbench on the same database), runs every
# workload with a warm-up and a fixed duration, and prints one table (also bench/results/latest.json).
# Everything it starts is stopped on exit, error or Ctrl-C. All traffic goes to 127.0.0.1.
# Read docs/benchmarks.md for what each row compares and the targets.
#
# Knobs (environment): BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_CONNECTIONS (64),
# BENCH_ROUNDS (3: ping and handshakes run imarket and nginx, and the audit row its two servers,
# in that many alternating rounds of BENCH_DURATION each),
# BENCH_THREADS (2, wrk and pgbench threads), BENCH_POOL_SIZE (16, imarket's database pool and
# pgbench's clients), BENCH_IDLE_CONNECTIONS (1000), BENCH_AGENCIES/BENCH_DEMANDS/BENCH_PURCHASERS
# (setup.py), BENCH_ONLY="ping handshakes idle demand.get bid.submit" runs only the named workloads
# (bid.submit includes the audit row), BENCH_KEEP=1 keeps the temporary directory, BENCH_SKIP_BUILD=1 uses the existing build,
# BENCH_BIN=PATH benchmarks that imarket binary instead (no build).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
cd "$ROOT"

DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=${BENCH_THREADS:-2}
POOL=${BENCH_POOL_SIZE:-16}
IDLE=${BENCH_IDLE_CONNECTIONS:-1000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
RESULTS=$HERE/results
mkdir -p "$RESULTS"

for tool in wrk nginx openssl curl "$PG_BIN/pgbench" "$PG_BIN/psql"; do
    command -v "$tool" >/dev/null || { echo "bench: $tool not found (run: make bench, or IMARKET_SETUP_EXTRA=\"nginx wrk\" scripts/setup-debian.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/imarket-bench.XXXXXX)
chmod 711 "$WORK"   # the embedded cluster's OS user must traverse it when we run as root
DATA=$WORK/data
ROWS=$WORK/rows.jsonl
SERVER_PID="" NGINX_PID="" IDLE_PID=""

source "$HERE/lib.sh"

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    [ -n "$IDLE_PID" ] && kill -TERM "$IDLE_PID" 2>/dev/null || true
    stop_nginx
    stop_server
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $WORK"; else rm -rf "$WORK"; fi
    exit "$status"
}
trap cleanup EXIT
trap 'echo "bench: interrupted" >&2; exit 130' INT TERM

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$BENCH_BIN
else
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
        echo "bench: building imarket (release, .build-release)"
        scripts/build-release.sh .build-release
    fi
    BIN="$(swift build -c release --scratch-path .build-release --show-bin-path)/imarket"
fi
[ -x "$BIN" ] || { echo "bench: $BIN missing" >&2; exit 1; }

printf '{"poolSize": %d}\n' "$POOL" >"$WORK/serve.json"
start_server imarket
CA=$DATA/tls/ca.pem
echo "bench: creating test data"
"$PYTHON" "$HERE/setup.py" "$SERVER_PORT" "$CA" "$DATA/admin.token" "$WORK"
# Planner statistics for the tables demand.get reads, as autovacuum keeps them on a database in
# service (it would never analyze a table of four purchasers; without them the demand read's
# generic plan hashes a purchasers table believed to hold 410 rows); the server and pgbench plan
# alike. Not the whole database: bids is empty until bid.submit runs, and plans made from an
# analyzed empty table scan it whole until autovacuum looks again (a full ANALYZE here raised
# bid.submit's database CPU from about 1,200 to 1,600-1,800 us per call).
pg_env
psql_bench -c "ANALYZE purchasers, demands"
start_nginx
tls_summary "imarket" "$SERVER_PORT"
tls_summary "nginx" "$NGINX_PORT"

has_method() { grep -qx "$1" "$WORK/methods.txt"; }
wanted() { [ -z "${BENCH_ONLY:-}" ] || [[ " $BENCH_ONLY " == *" $1 "* ]]; }
have_data() { [ -s "$WORK/data.lua" ]; }

# --- system.ping, keep-alive ------------------------------------------------------------------
if wanted ping; then
    wrk_alternating ping ping.lua 0
fi

# --- new TLS handshakes: Connection: close after every request --------------------------------
if wanted handshakes; then
    wrk_alternating handshakes ping.lua 1
fi

# --- 1,000 idle TLS connections held open while ping runs --------------------------------------
if wanted idle; then
    idle_workload "imarket" "$SERVER_PORT" "$SERVER_PID"
    idle_workload "nginx (static, same TLS)" "$NGINX_PORT" $(nginx_pids)
fi
stop_nginx

# --- demand.get: one indexed read --------------------------------------------------------------
if ! wanted demand.get; then
    :
elif ! has_method demand.get; then
    skip_row demand.get "imarket" "method demand.get not registered"
elif ! have_data; then
    skip_row demand.get "imarket" "setup could not create demands (see setup output)"
else
    wrk_workload demand.get "imarket" "$SERVER_PORT" demand_get.lua "$CONNECTIONS" 0 "$SERVER_PID"
    pgbench_demand_get
fi

# --- bid.submit on many demands, then audit on/off ---------------------------------------------
BID_OFFSET=0
if ! wanted bid.submit; then
    :
elif ! has_method bid.submit; then
    skip_row bid.submit "imarket" "method bid.submit not registered"
    skip_row audit "imarket audit on" "method bid.submit not registered"
elif ! have_data; then
    skip_row bid.submit "imarket" "setup could not create demands and agencies (see setup output)"
    skip_row audit "imarket audit on" "no bid.submit data"
else
    bid_workloads
fi
stop_server

echo
echo "imarket benchmark: ${DURATION}s per run after ${WARMUP}s warm-up, $CONNECTIONS connections, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
"$PYTHON" "$HERE/report.py" table "$ROWS" "$RESULTS/latest.json"
echo "(also written to bench/results/latest.json)"
