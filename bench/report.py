#!/usr/bin/env python3
"""Collects benchmark measurements and prints the comparison table.

  report.py record ROWS --workload W --subject S (--wrk FILE... | --pgbench STDOUT LOGDIR... | --skip REASON)
                   [--rss-kb N] [--rss-note TEXT] [--note TEXT] [--cpu-ticks SERVER DATABASE LOAD]
      appends one measurement (a JSON line) to ROWS; several --wrk files are rounds of one
      subject, summed (p50: their mean weighted by requests, p99: the highest); so are several
      --pgbench runs (exact percentiles over all their transactions). --cpu-ticks: CPU
      clock ticks the server, the database and the load generator used during the run ("-" where
      there is none), shown per request.
  report.py table ROWS OUT_JSON
      prints the table (one block per workload: imarket first, then its baseline) and writes it
      with ratios and verdicts to OUT_JSON.
"""
import argparse
import glob
import json
import os
import re
import sys

# workload -> (ratio kind, target, what the ratio compares)
WORKLOADS = {
    "ping": ("throughput", 0.75, "system.ping keep-alive, 64 conns: imarket / nginx static"),
    "handshakes": ("throughput", 0.80, "new TLS connection per request, 64 conns: imarket / nginx"),
    "idle": ("rss", 150.0, "1,000 idle TLS keep-alive conns held open + ping at 64 conns"),
    "demand.get": ("throughput", 0.50, "demand.get, 64 conns: imarket / pgbench same SQL"),
    "bid.submit": ("throughput", 0.70, "bid.submit on many demands: imarket / pgbench same transaction"),
    "audit": ("throughput", 0.80, "bid.submit: audit on / audit no-op (IMARKET_BENCH_AUDIT_NOOP=1)"),
}
P99_LIMIT_MS = {"demand.get": 10.0}


def parse_wrk(path):
    with open(path, errors="replace") as f:
        text = f.read()
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line[len("BENCH_JSON "):])
            data["errors"] = data["rpc_errors"] + data["socket_errors"] + data["http_errors"]
            data["throughput"] = data["ok_rps"]
            return data
    raise SystemExit(f"no BENCH_JSON line in {path}:\n{text[-2000:]}")


def combine_wrk(paths):
    """One row from several rounds of the same subject: counts and time summed, so throughput is
    all answered calls over all measured seconds. Percentiles cannot be merged exactly from wrk's
    summary: p50 is the rounds' mean weighted by requests, p99 the highest round's (no better than
    any round was)."""
    rounds = [parse_wrk(p) for p in paths]
    if len(rounds) == 1:
        return rounds[0]
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    # As common.lua counts them: answered calls that were neither a JSON-RPC error nor an HTTP one.
    ok = sum(max(r["requests"] - r["rpc_errors"] - r["http_errors"], 0) for r in rounds)
    row = {"requests": requests, "seconds": round(seconds, 3), "rounds": len(rounds),
           "rps": round(requests / seconds, 1), "ok_rps": round(ok / seconds, 1), "throughput": round(ok / seconds, 1),
           "round_throughputs": [r["ok_rps"] for r in rounds]}
    for key in ("rpc_errors", "socket_errors", "http_errors", "errors"):
        row[key] = sum(r[key] for r in rounds)
    row["p50_ms"] = round(sum(r["p50_ms"] * r["requests"] for r in rounds) / max(requests, 1), 3)
    row["p99_ms"] = max(r["p99_ms"] for r in rounds)
    row["mean_ms"] = round(sum(r["mean_ms"] * r["requests"] for r in rounds) / max(requests, 1), 3)
    row["max_ms"] = max(r["max_ms"] for r in rounds)
    first = [r["first_error"] for r in rounds if r.get("first_error")]
    if first:
        row["first_error"] = first[0]
    return row


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[index]


def parse_pgbench(stdout_path, log_dir, warmup):
    """Throughput and latency from pgbench's per-transaction log (-l), counting only transactions
    that ended after the first `warmup` seconds: warm-up and measurement are one pgbench run, so
    the statements are prepared once per connection, outside the measured window."""
    with open(stdout_path, errors="replace") as f:
        text = f.read()
    if not re.search(r"tps = ([0-9.]+)", text):
        raise SystemExit(f"no tps line in {stdout_path}:\n{text[-2000:]}")
    failed = re.search(r"number of failed transactions: (\d+)", text)
    aborted = len(re.findall(r"aborted in command", text))
    ends = []
    for path in glob.glob(log_dir + "/pgbench_log.*"):
        with open(path) as f:
            for line in f:
                # client_id transaction_no time script_no time_epoch time_us [schedule_lag]
                fields = line.split()
                if len(fields) >= 6 and fields[2].isdigit():
                    ends.append((int(fields[4]) + int(fields[5]) / 1e6, int(fields[2]) / 1000.0))
    if not ends:
        raise SystemExit(f"empty pgbench log in {log_dir}")
    ends.sort()
    cutoff = ends[0][0] + warmup
    window = [latency for end, latency in ends if end >= cutoff]
    seconds = max(ends[-1][0] - cutoff, 1e-9)
    latencies = sorted(window)
    errors = (int(failed.group(1)) if failed else 0) + aborted
    processed = re.search(r"number of transactions actually processed: (\d+)", text)
    return {"throughput": round(len(window) / seconds, 1), "requests": len(window), "seconds": round(seconds, 3),
            # CPU is measured over the whole pgbench run, warm-up included, so it is divided by all of it
            "run_requests": int(processed.group(1)) if processed else len(ends),
            "errors": errors, "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "mean_ms": sum(latencies) / len(latencies) if latencies else None, "latencies": latencies}


def combine_pgbench(runs, warmup):
    """One row from several pgbench rounds (pairs of stdout and log directory): transactions and
    measured seconds summed, like combine_wrk; here the percentiles are exact, over every measured
    transaction of every round."""
    rounds = [parse_pgbench(stdout, log_dir, warmup) for stdout, log_dir in runs]
    if len(rounds) == 1:
        row = rounds[0]
    else:
        requests = sum(r["requests"] for r in rounds)
        seconds = sum(r["seconds"] for r in rounds)
        latencies = sorted(x for r in rounds for x in r["latencies"])
        row = {"throughput": round(requests / seconds, 1), "requests": requests, "seconds": round(seconds, 3),
               "run_requests": sum(r["run_requests"] for r in rounds), "errors": sum(r["errors"] for r in rounds),
               "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
               "mean_ms": sum(latencies) / len(latencies) if latencies else None,
               "rounds": len(rounds), "round_throughputs": [r["throughput"] for r in rounds]}
    row.pop("latencies", None)
    return row


def record(args):
    row = {"workload": args.workload, "subject": args.subject}
    if args.skip:
        row["skipped"] = args.skip
    elif args.wrk:
        row.update(combine_wrk(args.wrk))
    elif args.pgbench:
        row.update(combine_pgbench(args.pgbench, float(args.warmup)))
    if args.cpu_ticks and "skipped" not in row:
        requests = row.get("run_requests") or row.get("requests")
        hz = os.sysconf("SC_CLK_TCK")
        if requests:
            row["cpu_us_per_request"] = {
                part: (None if ticks == "-" else round(int(ticks) * 1e6 / hz / requests, 1))
                for part, ticks in zip(("server", "database", "load"), args.cpu_ticks)}
    if args.rss_kb:
        row["rss_mb"] = round(int(args.rss_kb) / 1024.0, 1)
    if args.rss_note:
        row["rss_note"] = args.rss_note
    if args.note:
        row["note"] = args.note
    with open(args.rows, "a") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


def fmt(value, digits=1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def evaluate(workload, rows):
    kind, target, _ = WORKLOADS[workload]
    measured = [r for r in rows if "skipped" not in r]
    if len(measured) < len(rows) or not measured:
        return None, "skipped"
    main = measured[0]
    if kind == "rss":
        value = main.get("rss_mb")
        return None, ("PASS" if value is not None and value < target else "FAIL")
    if len(measured) < 2 or not measured[1].get("throughput"):
        return None, "no baseline"
    ratio = main["throughput"] / measured[1]["throughput"]
    verdict = "PASS" if ratio >= target else "FAIL"
    limit = P99_LIMIT_MS.get(workload)
    if limit is not None and (main.get("p99_ms") or 0) >= limit:
        verdict = "FAIL (p99)"
    if any(r.get("errors") for r in measured):
        verdict += " (errors!)"
    return round(ratio, 3), verdict


def table(args):
    rows = [json.loads(line) for line in open(args.rows) if line.strip()]
    order = [w for w in WORKLOADS if any(r["workload"] == w for r in rows)]
    header = (f"{'workload':<12} {'subject':<26} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'peak RSS MB':>11} "
              f"{'CPU us/req srv/db/load':>22} {'errors':>7} {'ratio':>7} {'target':>24}  verdict")
    lines = [header, "-" * len(header)]
    report = []
    for workload in order:
        group = [r for r in rows if r["workload"] == workload]
        ratio, verdict = evaluate(workload, group)
        kind, target, meaning = WORKLOADS[workload]
        target_text = f"< {target:.0f} MB" if kind == "rss" else f">= {target:.2f}x"
        if workload in P99_LIMIT_MS:
            target_text += f", p99 < {P99_LIMIT_MS[workload]:.0f} ms"
        report.append({"workload": workload, "compares": meaning, "ratio": ratio, "target": target_text,
                       "verdict": verdict, "rows": group})
        for i, r in enumerate(group):
            name = workload if i == 0 else ""
            if "skipped" in r:
                lines.append(f"{name:<12} {r['subject']:<26} not available: {r['skipped']}")
                continue
            tail = ""
            if i == 0:
                tail = f" {(fmt(ratio, 2) + 'x') if ratio is not None else '-':>7} {target_text:>24}  {verdict}"
            rss = fmt(r.get("rss_mb")) if "rss_mb" in r else r.get("rss_note", "-")
            cpu = r.get("cpu_us_per_request")
            cpu_text = "/".join(fmt(cpu[k], 0) for k in ("server", "database", "load")) if cpu else "-"
            lines.append(f"{name:<12} {r['subject']:<26} {fmt(r.get('throughput')):>10} {fmt(r.get('p50_ms'), 2):>8} "
                         f"{fmt(r.get('p99_ms'), 2):>8} {rss:>11} {cpu_text:>22} {fmt(r.get('errors', 0)):>7}{tail}")
            if r.get("round_throughputs"):
                rounds = " / ".join(fmt(t) for t in r["round_throughputs"])
                lines.append(f"{'':<12}   {r['rounds']} alternating rounds: {rounds} req/s")
            if r.get("note"):
                lines.append(f"{'':<12}   note: {r['note']}")
            if r.get("first_error"):
                lines.append(f"{'':<12}   first error: {r['first_error'][:160]}")
    print("\n".join(lines))
    with open(args.out, "w") as f:
        json.dump({"workloads": report}, f, indent=2, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("rows")
    r.add_argument("--workload", required=True, choices=list(WORKLOADS))
    r.add_argument("--subject", required=True)
    group = r.add_mutually_exclusive_group(required=True)
    group.add_argument("--wrk", nargs="+")
    group.add_argument("--pgbench", nargs=2, metavar=("STDOUT", "LOGDIR"), action="append",
                       help="one pgbench run; repeated, rounds of one subject, summed")
    group.add_argument("--skip")
    r.add_argument("--rss-kb")
    r.add_argument("--rss-note")
    r.add_argument("--note")
    r.add_argument("--cpu-ticks", nargs=3, metavar=("SERVER", "DATABASE", "LOAD"))
    r.add_argument("--warmup", default="0", help="pgbench: seconds at the start of the log to leave out")
    t = sub.add_parser("table")
    t.add_argument("rows")
    t.add_argument("out")
    args = parser.parse_args()
    record(args) if args.command == "record" else table(args)


if __name__ == "__main__":
    sys.exit(main())
