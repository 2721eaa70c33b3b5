# Functions for bench/run.sh (sourced; uses its variables: HERE, WORK, DATA, BIN, ROWS, PYTHON,
# DURATION, WARMUP, THREADS, POOL, IDLE, PG_BIN).

die() { echo "bench: $*" >&2; exit 1; }

# start_server NAME [ENV=VALUE...]: imarket serve on a free loopback port over the embedded
# database in $DATA; sets SERVER_PID and SERVER_PORT.
start_server() {
    local name=$1; shift
    local out=$WORK/$name.out err=$WORK/$name.err
    env "$@" "$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" --config "$WORK/serve.json" >"$out" 2>"$err" &
    SERVER_PID=$!
    local waited=0
    until grep -q "imarket listening on port" "$out" 2>/dev/null; do
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$err" >&2; SERVER_PID=""; die "$name exited during start"; }
        sleep 0.2; waited=$((waited + 1))
        [ $waited -lt 900 ] || die "$name did not start within 180 s"
    done
    SERVER_PORT=$(sed -n 's/.*imarket listening on port \([0-9]*\).*/\1/p' "$out" | head -1)
    echo "bench: $name (pid $SERVER_PID) listening on 127.0.0.1:$SERVER_PORT ${*:+($*)}"
}

# SIGTERM (the server then stops its embedded cluster), SIGKILL after 60 s; if the cluster is
# still up after that, stop it directly.
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$SERVER_PID" 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.2; waited=$((waited + 1)); done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    if [ -f "$DATA/pg/postmaster.pid" ]; then
        local owner
        owner=$(stat -c %U "$DATA/pg")
        if [ "$(id -u)" = 0 ] && [ "$owner" != root ]; then
            runuser -u "$owner" -- "$PG_BIN/pg_ctl" stop -D "$DATA/pg" -m fast -w >/dev/null 2>&1 || true
        else
            "$PG_BIN/pg_ctl" stop -D "$DATA/pg" -m fast -w >/dev/null 2>&1 || true
        fi
    fi
}

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# nginx from a config generated into $WORK/nginx: same certificate, key and TLS policy as imarket,
# answering POST /rpc with the exact system.ping response imarket gave during setup.
start_nginx() {
    local dir=$WORK/nginx
    mkdir -p "$dir"
    NGINX_PORT=$(free_port)
    "$PYTHON" - "$HERE/nginx.conf.template" "$dir/nginx.conf" "$dir" "$NGINX_PORT" "$(nproc)" \
        "$DATA/tls/server.pem" "$DATA/tls/server.key" "$WORK/ping.json" <<'PY'
import sys
template, out, directory, port, workers, cert, key, body = sys.argv[1:]
text = open(template).read()
body = open(body).read().strip()
assert "'" not in body and "\\" not in body, "ping body needs nginx escaping"
for name, value in (("DIR", directory), ("PORT", port), ("WORKERS", workers), ("CERT", cert), ("KEY", key), ("BODY", body)):
    text = text.replace("@" + name + "@", value)
open(out, "w").write(text)
PY
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' >"$dir/stdout" 2>&1 &
    NGINX_PID=$!
    local waited=0
    until curl -s -o /dev/null --cacert "$CA" "https://127.0.0.1:$NGINX_PORT/rpc" -d '{}' 2>/dev/null; do
        kill -0 "$NGINX_PID" 2>/dev/null || { cat "$dir/stdout" "$dir/error.log" >&2; NGINX_PID=""; die "nginx exited during start"; }
        sleep 0.2; waited=$((waited + 1))
        [ $waited -lt 100 ] || die "nginx did not start"
    done
    echo "bench: nginx (pid $NGINX_PID) listening on 127.0.0.1:$NGINX_PORT"
}

stop_nginx() {
    [ -n "$NGINX_PID" ] || return 0
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    local waited=0
    while kill -0 "$NGINX_PID" 2>/dev/null && [ $waited -lt 50 ]; do sleep 0.2; waited=$((waited + 1)); done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
}

nginx_pids() { echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); }

# Prints what a client negotiates, so both sides are seen to use the same TLS settings.
tls_summary() {
    local line
    line=$(echo | timeout 10 openssl s_client -connect "127.0.0.1:$2" -alpn http/1.1 -CAfile "$CA" 2>&1 \
        | grep -E "^New, |ALPN protocol|Server Temp Key|Peer signature type|Verify return code" | sed 's/^ *//' | awk '!seen[$0]++' | tr '\n' ';' | tr -s ' ')
    echo "bench: $1 TLS: $line"
}

# Peak RSS per workload: writing 5 to clear_refs resets VmHWM (Linux >= 4.0), read back after.
reset_peak() { local p; for p in "$@"; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null || true; done; }
sum_status_kb() {
    local field=$1 total=0 p v; shift
    for p in "$@"; do
        v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# CPU time (clock ticks, user + system) used so far by the processes PID...
cpu_ticks() {
    local total=0 p v
    for p in "$@"; do
        v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# CPU time of the embedded PostgreSQL: the postmaster with its live children, plus (through its
# cutime/cstime) the children that already exited, such as the backends of a finished pgbench.
db_ticks() {
    local pm
    pm=$(sed -n 1p "$DATA/pg/postmaster.pid" 2>/dev/null || true)
    [ -n "$pm" ] && [ -r "/proc/$pm/stat" ] || { echo 0; return; }
    echo $(( $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat") + $(cpu_ticks $(pgrep -P "$pm" || true)) ))
}

# with_load_cpu OUT COMMAND...: runs the load generator with its output in OUT and writes the CPU
# ticks it used to OUT.cpu (read from this subshell's cutime/cstime once the command was reaped).
with_load_cpu() {
    local out=$1; shift
    ( rc=0; "$@" >"$out" 2>&1 || rc=$?; awk '{print $16 + $17}' "/proc/$BASHPID/stat" >"$out.cpu"; exit $rc )
}

# run_wrk OUT PORT SCRIPT CONNECTIONS SECONDS CLOSE [SCRIPT ARGS...]
run_wrk() {
    local out=$1 port=$2 script=$3 connections=$4 seconds=$5 close=$6; shift 6
    BENCH_LUA_DIR=$HERE/lua BENCH_DATA_LUA=$WORK/data.lua BENCH_CLOSE=$close \
        with_load_cpu "$out" wrk -t "$THREADS" -c "$connections" -d "${seconds}s" --timeout 10s -s "$HERE/lua/$script" \
        "https://127.0.0.1:$port/rpc" -- "$@" || { cat "$out" >&2; die "wrk failed"; }
}

# measured_cpu OUT PID...: call before a measured run (OUT is its output file); then
# `cpu_args OUT PID...` after it gives report.py's --cpu-ticks (server, database, load generator).
measured_cpu() { local out=$1; shift; echo "$(cpu_ticks "$@") $(db_ticks)" >"$out.cpu0"; }
cpu_args() {
    local out=$1 s0 d0 server=-; shift
    read -r s0 d0 <"$out.cpu0"
    [ $# -gt 0 ] && server=$(( $(cpu_ticks "$@") - s0 ))
    echo "--cpu-ticks $server $(( $(db_ticks) - d0 )) $(cat "$out.cpu" 2>/dev/null || echo -)"
}

# wrk_workload WORKLOAD SUBJECT PORT SCRIPT CONNECTIONS CLOSE PID...: warm-up, then the measured run
# with the subject's peak RSS.
wrk_workload() {
    local workload=$1 subject=$2 port=$3 script=$4 connections=$5 close=$6; shift 6
    local out=$WORK/$workload-${subject%% *}.wrk
    echo "bench: $workload against $subject"
    run_wrk "$out.warmup" "$port" "$script" "$connections" "$WARMUP" "$close"
    reset_peak "$@"
    measured_cpu "$out" "$@"
    run_wrk "$out" "$port" "$script" "$connections" "$DURATION" "$close"
    LAST_PEAK_KB=$(sum_status_kb VmHWM "$@")
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload "$workload" --subject "$subject" --wrk "$out" --rss-kb "$LAST_PEAK_KB" \
        $(cpu_args "$out" "$@")
}

# wrk_alternating WORKLOAD SCRIPT CLOSE: imarket and the nginx baseline in $ROUNDS alternating
# rounds of $DURATION seconds (after one warm-up each), so that both see the same phases of a
# machine whose speed drifts by 10–30% within minutes; one run each, back to back, let a slow
# minute for either side decide the ratio. The order flips every round (imarket, nginx, nginx,
# imarket, ...), so a steady drift weighs on both sides alike instead of always on the second.
# Each subject's row sums its rounds.
wrk_alternating() {
    local workload=$1 script=$2 close=$3 round
    local nginx_processes
    nginx_processes=$(nginx_pids)
    local ours=$WORK/$workload-imarket theirs=$WORK/$workload-nginx
    echo "bench: $workload, imarket and nginx (static, same TLS) in $ROUNDS alternating rounds"
    run_wrk "$ours.warmup" "$SERVER_PORT" "$script" "$CONNECTIONS" "$WARMUP" "$close"
    run_wrk "$theirs.warmup" "$NGINX_PORT" "$script" "$CONNECTIONS" "$WARMUP" "$close"
    reset_peak "$SERVER_PID" $nginx_processes
    local side
    for round in $(seq "$ROUNDS"); do
        for side in $( [ $((round % 2)) = 1 ] && echo "ours theirs" || echo "theirs ours" ); do
            if [ "$side" = ours ]; then
                measured_cpu "$ours.$round" "$SERVER_PID"
                run_wrk "$ours.$round" "$SERVER_PORT" "$script" "$CONNECTIONS" "$DURATION" "$close"
                cpu_args "$ours.$round" "$SERVER_PID" >"$ours.$round.ticks"
            else
                measured_cpu "$theirs.$round" $nginx_processes
                run_wrk "$theirs.$round" "$NGINX_PORT" "$script" "$CONNECTIONS" "$DURATION" "$close"
                cpu_args "$theirs.$round" $nginx_processes >"$theirs.$round.ticks"
            fi
        done
    done
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload "$workload" --subject "imarket" \
        --wrk $(rounds "$ours") --rss-kb "$(sum_status_kb VmHWM "$SERVER_PID")" $(summed_ticks "$ours")
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload "$workload" --subject "nginx (static, same TLS)" \
        --wrk $(rounds "$theirs") --rss-kb "$(sum_status_kb VmHWM $nginx_processes)" $(summed_ticks "$theirs")
}

# rounds PREFIX: the output files of rounds 1..$ROUNDS.
rounds() { local r; for r in $(seq "$ROUNDS"); do echo "$1.$r"; done; }

# summed_ticks PREFIX: report.py's --cpu-ticks summed over the rounds' `cpu_args` outputs.
summed_ticks() {
    local r server=0 database=0 load=0 flag s d l
    for r in $(seq "$ROUNDS"); do
        read -r flag s d l <"$1.$r.ticks"
        # "-": no server in the run (pgbench)
        if [ "$s" = - ] || [ "$server" = - ]; then server=-; else server=$((server + s)); fi
        database=$((database + d)); load=$((load + l))
    done
    echo "--cpu-ticks $server $database $load"
}

# idle_workload SUBJECT PORT PID...: opens $IDLE keep-alive TLS connections (one ping each), then
# measures ping at 64 connections while they stay open; RSS is the peak over that time.
idle_workload() {
    local subject=$1 port=$2; shift 2
    local out=$WORK/idle-${subject%% *}
    echo "bench: $IDLE idle connections + ping against $subject"
    "$PYTHON" "$HERE/idle_connections.py" "$port" "$CA" "$IDLE" 50 >"$out.idle" 2>&1 &
    IDLE_PID=$!
    local waited=0
    until grep -qs '^READY' "$out.idle"; do
        kill -0 "$IDLE_PID" 2>/dev/null || { cat "$out.idle" >&2; IDLE_PID=""; die "idle connection script failed"; }
        sleep 0.2; waited=$((waited + 1))
        [ $waited -lt 600 ] || die "idle connections not open within 120 s"
    done
    sleep 1
    local idle_rss
    idle_rss=$(sum_status_kb VmRSS "$@")
    reset_peak "$@"
    measured_cpu "$out.wrk" "$@"
    run_wrk "$out.wrk" "$port" ping.lua "$CONNECTIONS" "$DURATION" 0
    local cpu
    cpu=$(cpu_args "$out.wrk" "$@")
    local peak
    peak=$(sum_status_kb VmHWM "$@")
    kill -TERM "$IDLE_PID" 2>/dev/null || true
    wait "$IDLE_PID" 2>/dev/null || true
    IDLE_PID=""
    local alive
    alive=$(sed -n 's/^ALIVE //p' "$out.idle")
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload idle --subject "$subject" --wrk "$out.wrk" --rss-kb "$peak" $cpu \
        --note "RSS with $IDLE idle conns before load: $((idle_rss / 1024)) MB; still served afterwards: ${alive:-?}/$IDLE"
}

skip_row() {
    "$PYTHON" "$HERE/report.py" record "$ROWS" --workload "$1" --subject "$2" --skip "$3"
    echo "bench: $1 skipped: $3"
}

# libpq environment for the embedded cluster (its socket directory and port from postmaster.pid).
pg_env() {
    export PGHOST PGPORT PGUSER=imarket PGDATABASE=imarket
    PGPORT=$(sed -n 4p "$DATA/pg/postmaster.pid")
    PGHOST=$(sed -n 5p "$DATA/pg/postmaster.pid")
}

source "$HERE/db_workloads.sh"
