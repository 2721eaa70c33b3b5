#!/usr/bin/env python3
"""Checks the benchmark table's arithmetic (report.py) without running a benchmark: rounds of
one subject are summed, ratios and verdicts come from the sums. Run by `make test`."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402


class CombineRoundsTests(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dir = directory.name

    def wrk(self, name, requests, seconds, rpc_errors=0, http_errors=0, p50=1.0, p99=5.0, first_error=None):
        ok = max(requests - rpc_errors - http_errors, 0)
        data = {"requests": requests, "seconds": seconds, "rps": requests / seconds, "ok_rps": round(ok / seconds, 1),
                "rpc_errors": rpc_errors, "socket_errors": 0, "http_errors": http_errors, "p50_ms": p50, "p99_ms": p99,
                "mean_ms": p50, "max_ms": p99 * 2, "threads": 2, "max_generated_per_thread": requests}
        if first_error:
            data["first_error"] = first_error
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("Running 10s test\nBENCH_JSON " + json.dumps(data) + "\n")
        return path

    def test_one_round_is_the_round_itself(self):
        row = report.combine_wrk([self.wrk("a", 5000, 10.0, p50=1.5, p99=4.0)])
        self.assertEqual(row["throughput"], 500.0)
        self.assertEqual((row["p50_ms"], row["p99_ms"]), (1.5, 4.0))
        self.assertNotIn("rounds", row)

    def test_rounds_are_summed_and_errors_do_not_count_as_throughput(self):
        row = report.combine_wrk([self.wrk("a", 1000, 10.0, p50=1.0, p99=5.0),
                                  self.wrk("b", 3000, 10.0, rpc_errors=10, p50=3.0, p99=4.0, first_error="200 {\"error\"")])
        self.assertEqual(row["throughput"], 199.5)  # (1000 + 2990) calls answered without error over 20 s
        self.assertEqual(row["requests"], 4000)
        self.assertEqual(row["errors"], 10)
        self.assertEqual(row["p50_ms"], 2.5)  # weighted by requests
        self.assertEqual(row["p99_ms"], 5.0)  # the worse round's
        self.assertEqual(row["round_throughputs"], [100.0, 299.0])
        self.assertEqual(row["first_error"], "200 {\"error\"")

    def test_ratio_and_verdict_come_from_the_sums(self):
        ours = report.combine_wrk([self.wrk("a", 3000, 10.0), self.wrk("b", 4000, 10.0)])
        theirs = report.combine_wrk([self.wrk("c", 5000, 10.0), self.wrk("d", 5000, 10.0)])
        rows = [dict(ours, workload="ping", subject="imarket"), dict(theirs, workload="ping", subject="nginx")]
        self.assertEqual(report.evaluate("ping", rows), (0.7, "FAIL"))
        theirs_slow = report.combine_wrk([self.wrk("e", 4000, 10.0), self.wrk("f", 5000, 10.0)])
        rows[1] = dict(theirs_slow, workload="ping", subject="nginx")
        self.assertEqual(report.evaluate("ping", rows), (0.778, "PASS"))

    def test_p99_limit_uses_the_worse_round(self):
        ours = report.combine_wrk([self.wrk("a", 9000, 1.0, p99=8.0), self.wrk("b", 9000, 1.0, p99=10.5)])
        base = report.combine_wrk([self.wrk("c", 9000, 1.0)])
        rows = [dict(ours, workload="demand.get", subject="imarket"), dict(base, workload="demand.get", subject="pgbench")]
        self.assertEqual(report.evaluate("demand.get", rows), (1.0, "FAIL (p99)"))


class CombinePgbenchRoundsTests(unittest.TestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.dir = directory.name

    def pgbench(self, name, latencies_ms, start=1000.0):
        """A pgbench round: one transaction every 10 ms from `start`, the first second warm-up."""
        log_dir = os.path.join(self.dir, name + ".log")
        os.makedirs(log_dir)
        with open(os.path.join(log_dir, "pgbench_log.1"), "w") as f:
            for i, latency in enumerate(latencies_ms):
                end = start + i * 0.01
                f.write(f"0 {i} {int(latency * 1000)} 0 {int(end)} {int(round((end - int(end)) * 1e6))}\n")
        stdout = os.path.join(self.dir, name)
        with open(stdout, "w") as f:
            f.write(f"number of transactions actually processed: {len(latencies_ms)}\ntps = 100.0\n")
        return [stdout, log_dir]

    def test_rounds_are_summed_with_exact_percentiles(self):
        first = self.pgbench("a", [1.0] * 201)          # 100 warm-up, 101 measured over 1 s
        second = self.pgbench("b", [1.0] * 150 + [9.0] * 51)  # measured: 50 at 1 ms, 51 at 9 ms
        row = report.combine_pgbench([first, second], warmup=1.0)
        self.assertEqual(row["requests"], 202)
        self.assertEqual(row["seconds"], 2.0)
        self.assertEqual(row["throughput"], 101.0)
        self.assertEqual(row["run_requests"], 402)
        self.assertEqual(row["round_throughputs"], [101.0, 101.0])
        self.assertEqual((row["p50_ms"], row["p99_ms"]), (1.0, 9.0))
        self.assertNotIn("latencies", row)

    def test_one_round_is_the_round_itself(self):
        row = report.combine_pgbench([self.pgbench("a", [2.0] * 201)], warmup=1.0)
        self.assertEqual((row["requests"], row["throughput"], row["p99_ms"]), (101, 101.0, 2.0))
        self.assertNotIn("rounds", row)
        self.assertNotIn("latencies", row)


if __name__ == "__main__":
    unittest.main()
