# Database workloads for bench/run.sh (sourced): bid.submit through wrk, and the pgbench baselines
# that run the server's own SQL (bench/pgbench/*.sql, kept in sync with the stores by hand).

psql_bench() { PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# run_pgbench OUT ARGS...: one pgbench run of WARMUP + DURATION seconds on the embedded cluster,
# prepared statements, $POOL clients (as many connections as imarket's pool), with the
# per-transaction log in OUT.log/; report.py leaves the first WARMUP seconds out, so statement
# preparation (once per connection and script) falls in the warm-up as it does for the server.
run_pgbench() {
    local out=$1; shift
    rm -rf "$out.log"; mkdir -p "$out.log"
    measured_cpu "$out"
    with_load_cpu "$out" "$PG_BIN/pgbench" -n -M prepared -c "$POOL" -j "$THREADS" -T "$((WARMUP + DURATION))" \
        -l --log-prefix="$out.log/pgbench_log" "$@" \
        || { tail -20 "$out" >&2; die "pgbench failed"; }
}

# pgbench can only \set integers, so each of up to 128 scripts (pgbench's limit) reads one demand
# whose id is a -D variable (a one-element array): the statement is byte for byte the server's,
# with a bound parameter.
pgbench_demand_get() {
    local dir=$WORK/pgbench-demand-get
    mkdir -p "$dir"
    local args=() i=0 id
    while read -r id && [ $i -lt 128 ]; do
        i=$((i + 1))
        sed "s/:demand_id/:d$i/g" "$HERE/pgbench/demand_get.sql" >"$dir/s$i.sql"
        args+=(-D "d$i={$id}" -f "$dir/s$i.sql")
    done < <("$PYTHON" -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["demand_ids"]))' "$WORK/data.json")
    echo "bench: demand.get against pgbench ($POOL clients, $i demands)"
    # The server runs this statement with a generic plan (KeyedRead); so does pgbench.
    PGOPTIONS="${PGOPTIONS:-} -c plan_cache_mode=force_generic_plan" run_pgbench "$dir/run.out" "${args[@]}"
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload demand.get --subject "pgbench same SQL" \
        --pgbench "$dir/run.out" "$dir/run.out.log" --warmup "$WARMUP" --rss-note "n/a" $(cpu_args "$dir/run.out")
}

# Lookup tables for the bid baseline: pair k -> (demand k mod D, agency (k div D) mod A), the same
# mapping bid_submit.lua uses, numbered by a sequence shared with the wrk runs' offset.
prepare_bid_tables() {
    "$PYTHON" - "$WORK/data.json" >"$WORK/bench_tables.sql" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
def lit(s): return "'" + s.replace("'", "''") + "'"
print("DROP TABLE IF EXISTS bench_demands, bench_agencies; DROP SEQUENCE IF EXISTS bench_bid_seq;")
print("CREATE UNLOGGED TABLE bench_demands (n int PRIMARY KEY, demand_id text NOT NULL);")
print("CREATE UNLOGGED TABLE bench_agencies (n int PRIMARY KEY, token text NOT NULL);")
print("CREATE SEQUENCE bench_bid_seq MINVALUE 0 START 0;")
print("INSERT INTO bench_demands VALUES " + ",".join(f"({i},{lit(d)})" for i, d in enumerate(data["bid_demand_ids"])) + ";")
print("INSERT INTO bench_agencies VALUES " + ",".join(f"({i},{lit(t)})" for i, t in enumerate(data["agency_tokens"])) + ";")
print("ALTER TABLE bench_agencies ADD COLUMN token_hash bytea, ADD COLUMN account_id text, ADD COLUMN agency_id text;")
print("UPDATE bench_agencies b SET token_hash = t.token_hash, account_id = t.account_id, agency_id = a.org_id"
      " FROM api_tokens t JOIN accounts a USING (account_id) WHERE t.token_hash = sha256(convert_to(b.token, 'UTF8'));")
print("ANALYZE bench_demands; ANALYZE bench_agencies;")
PY
    psql_bench -f "$WORK/bench_tables.sql"
    BID_DEMANDS=$(psql_bench -Atc "SELECT count(*) FROM bench_demands")
    BID_AGENCIES=$(psql_bench -Atc "SELECT count(*) FROM bench_agencies WHERE agency_id IS NOT NULL")
}

advance_bid_offset_wrk() {
    local max
    max=$(sed -n 's/.*"max_generated_per_thread":\([0-9]*\).*/\1/p' "$1")
    BID_OFFSET=$((BID_OFFSET + THREADS * (${max:-0} + 1)))
}

# bid_round OUT: a warm-up and a measured bid.submit run against the running server, with fresh
# (agency, demand) pairs each time; the run's CPU goes to OUT.ticks and the server's peak RSS to
# OUT.rss.
bid_round() {
    local out=$1
    run_wrk "$out.warmup" "$SERVER_PORT" bid_submit.lua "$CONNECTIONS" "$WARMUP" 0 "$BID_OFFSET" "$THREADS"
    advance_bid_offset_wrk "$out.warmup"
    reset_peak "$SERVER_PID"
    measured_cpu "$out" "$SERVER_PID"
    run_wrk "$out" "$SERVER_PORT" bid_submit.lua "$CONNECTIONS" "$DURATION" 0 "$BID_OFFSET" "$THREADS"
    cpu_args "$out" "$SERVER_PID" >"$out.ticks"
    advance_bid_offset_wrk "$out"
    sum_status_kb VmHWM "$SERVER_PID" >"$out.rss"
}

# bid_workloads: the bid.submit row (imarket against pgbench running the same transaction) and
# the audit row (audit on against the same server with the audit a no-op, restarted on the same
# data with IMARKET_BENCH_AUDIT_NOOP=1), from one sequence of rounds: on, no-op, no-op, on, on,
# no-op, ... ($ROUNDS a side; the server restarts only where the side changes), with a pgbench
# round right next to each "on" round, after it in odd rounds and before it in even ones. One run
# each, back to back, took the machine's drift between them in full (bid.submit at 0.70x and
# 0.68x in two runs, imarket's single run at a slow 930 and 825/s), and a strict alternation would leave
# every later side on a bigger bids table. The "on" rounds are imarket's rounds in both rows.
bid_workloads() {
    prepare_bid_tables
    echo "bench: bid.submit against imarket and pgbench ($POOL clients), audit on and no-op, $ROUNDS rounds each"
    rm -f "$WORK/pgbench-bid.warnings"
    local step side current=on round on_rounds=0 noop_rounds=0
    for step in $(seq 0 $((2 * ROUNDS - 1))); do
        case $((step % 4)) in 1 | 2) side=noop ;; *) side=on ;; esac
        if [ "$side" != "$current" ]; then
            stop_server
            if [ "$side" = noop ]; then start_server imarket-audit-noop IMARKET_BENCH_AUDIT_NOOP=1; else start_server imarket; fi
            current=$side
        fi
        if [ "$side" = noop ]; then
            noop_rounds=$((noop_rounds + 1))
            echo "bench: bid.submit, audit no-op, round $noop_rounds"
            bid_round "$WORK/audit-noop.$noop_rounds"
            continue
        fi
        on_rounds=$((on_rounds + 1)); round=$on_rounds
        if [ $((round % 2)) = 0 ]; then pgbench_bid_round "$round"; fi
        echo "bench: bid.submit, audit on, round $round"
        bid_round "$WORK/audit-on.$round"
        if [ $((round % 2)) = 1 ]; then pgbench_bid_round "$round"; fi
    done
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload bid.submit --subject "imarket" \
        --wrk $(rounds "$WORK/audit-on") --rss-kb "$(highest_rss "$WORK/audit-on")" $(summed_ticks "$WORK/audit-on")
    local runs=() note=() r
    for r in $(seq "$ROUNDS"); do runs+=(--pgbench "$WORK/pgbench-bid.$r" "$WORK/pgbench-bid.$r.log"); done
    if [ -s "$WORK/pgbench-bid.warnings" ]; then note=(--note "$(paste -sd ';' "$WORK/pgbench-bid.warnings")"); fi
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload bid.submit --subject "pgbench same transaction" \
        "${runs[@]}" --warmup "$WARMUP" --rss-note "n/a" $(summed_ticks "$WORK/pgbench-bid") "${note[@]}"
    local subject
    for side in on noop; do
        subject="imarket audit on"
        [ "$side" = noop ] && subject="imarket audit no-op"
        "$PYTHON" "$HERE/report.py" record "$ROWS" --workload audit --subject "$subject" \
            --wrk $(rounds "$WORK/audit-$side") --rss-kb "$(highest_rss "$WORK/audit-$side")" \
            $(summed_ticks "$WORK/audit-$side")
    done
}

# highest_rss PREFIX: the highest of the rounds' peak RSS (each round may be another server process).
highest_rss() {
    local r v max=0
    for r in $(seq "$ROUNDS"); do
        v=$(cat "$1.$r.rss")
        [ "$v" -gt "$max" ] && max=$v
    done
    echo "$max"
}

# pgbench_bid_round N: pgbench round N of the bid.submit transaction on fresh (agency, demand)
# pairs (its counter goes on from where the last wrk or pgbench round stopped).
pgbench_bid_round() {
    local out=$WORK/pgbench-bid.$1
    echo "bench: bid.submit, pgbench, round $1"
    local args=(-D "D=$BID_DEMANDS" -D "A=$BID_AGENCIES" -D tz=Asia/Shanghai -D "proposal=benchmark bid"
        -D method=bid.submit -D subject_type=bid -D "digest=$(printf '%064d' 0)" -f "$HERE/pgbench/bid_submit.sql")
    local before after processed
    before=$(psql_bench -Atc "SELECT count(*) FROM bids")
    psql_bench -Atc "SELECT setval('bench_bid_seq', $BID_OFFSET, false)" >/dev/null
    run_pgbench "$out" "${args[@]}"
    cpu_args "$out" >"$out.ticks"
    BID_OFFSET=$(psql_bench -Atc "SELECT last_value + 1 FROM bench_bid_seq")
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$out")
    after=$(psql_bench -Atc "SELECT count(*) FROM bids")
    # ON CONFLICT DO NOTHING would let a reused pair pass silently: every transaction must have
    # inserted its bid.
    if [ $((after - before)) -ne "$processed" ]; then
        echo "WARNING: round $1: $((after - before)) bids inserted by $processed pgbench transactions" >>"$WORK/pgbench-bid.warnings"
    fi
}
