#!/usr/bin/env python3
"""Creates the benchmark's test data through the JSON-RPC API and writes it for wrk and pgbench.

Usage: setup.py PORT CA_FILE ADMIN_TOKEN_FILE OUT_DIR
Writes OUT_DIR/methods.txt (registered method names, from rpc.discover), OUT_DIR/ping.json (the
exact system.ping response, for the nginx baseline), and, when the demand/bid methods exist,
OUT_DIR/data.json and OUT_DIR/data.lua (demand ids, agency tokens). Sizes come from the
environment: BENCH_PURCHASERS (4), BENCH_AGENCIES (200), BENCH_DEMANDS (1000).
Any API error stops the setup: a benchmark over half-created data would measure errors.
"""
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpcclient import Client  # noqa: E402

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
BATCH = 100


def credit_code(serial, region="430482"):
    """A valid unified social credit code (API section 4) unique per serial."""
    body = f"{serial:08d}"
    values = [int(c) for c in body]
    total = sum(v * w for v, w in zip(values, [3, 7, 9, 10, 5, 8, 4, 2]))
    c = 11 - (total % 11)
    org_check = "X" if c == 10 else ("0" if c == 11 else str(c))
    first17 = "91" + region + body + org_check
    total = sum(CHARSET.index(ch) * w for ch, w in
                zip(first17, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]))
    c = 31 - (total % 31)
    return first17 + CHARSET[0 if c == 31 else c]


def contact(i):
    return {"name": f"Bench Contact {i}", "phone": "13800138000", "email": f"bench{i}@example.com"}


def chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def main():
    port, ca_file, admin_token_file, out_dir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    purchasers = int(os.environ.get("BENCH_PURCHASERS", "4"))
    agencies = int(os.environ.get("BENCH_AGENCIES", "200"))
    demands = int(os.environ.get("BENCH_DEMANDS", "1000"))
    with open(admin_token_file) as f:
        admin_token = f.read().strip()
    client = Client(port, ca_file)
    admin = Client(port, ca_file, admin_token)

    methods = sorted(m["name"] for m in client.call("rpc.discover")["methods"])
    with open(os.path.join(out_dir, "methods.txt"), "w") as f:
        f.write("\n".join(methods) + "\n")
    with open(os.path.join(out_dir, "ping.json"), "wb") as f:
        f.write(client.raw("system.ping"))

    needed = {"purchaser.create", "agency.register", "agency.review", "demand.create", "demand.publish"}
    if not needed <= set(methods) or not ({"demand.get", "bid.submit"} & set(methods)):
        print(f"setup: data for demand.get/bid.submit not created (missing: {sorted(needed - set(methods))})")
        return

    started = time.monotonic()
    # Keeps credit codes unique if a data dir is reused; below 40,000 so that an agency's serial
    # (50,000,000 + run * 1000 + i) keeps the code's 8 digits.
    run = int(time.time()) % 40000
    admin.call("rules.set", {"changes": {"registrationsPerMinute": 1000000}})
    time.sleep(1.2)  # the server's rules cache may lag a change by up to a second

    purchaser_tokens = []
    for i in range(purchasers):
        result = admin.call("purchaser.create", {
            "name": f"Bench Purchaser {i}", "creditCode": credit_code(run * 1000 + i),
            "regionCode": "430482", "contact": contact(i)})
        purchaser_tokens.append(result["token"])

    agency_tokens, agency_ids = [], []
    registrations = [{
        "name": f"Bench Agency {i}", "creditCode": credit_code(50_000_000 + run * 1000 + i),
        "regionCode": "430482", "address": f"Bench Road {i}", "contact": contact(i),
        "serviceTypes": ["BOOKKEEPING"], "qualifications": []} for i in range(agencies)]
    for part in chunks(registrations):
        for result in client.batch("agency.register", part):
            agency_tokens.append(result["token"])
            agency_ids.append(result["agency"]["agencyId"])
    for part in chunks(agency_ids):
        admin.batch("agency.review", [{"agencyId": a, "decision": "approve"} for a in part])

    closes = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    demand_ids = []
    per_purchaser = [[] for _ in purchaser_tokens]
    for n in range(demands):
        per_purchaser[n % len(purchaser_tokens)].append({
            "title": f"Bench demand {n} 代理记账服务", "serviceType": "BOOKKEEPING",
            "description": f"Benchmark demand number {n}: bookkeeping services for one year.",
            "budgetFen": 1000000, "fundSource": "fiscal", "selectionMethod": "lowest_price",
            "servicePeriodDays": 365, "biddingClosesAt": closes})
    for token, inputs in zip(purchaser_tokens, per_purchaser):
        for part in chunks(inputs):
            created = [d["demandId"] for d in client.batch("demand.create", part, token=token)]
            client.batch("demand.publish", [{"demandId": d} for d in created], token=token)
            demand_ids.extend(created)

    data = {"demand_ids": demand_ids, "bid_demand_ids": demand_ids, "agency_tokens": agency_tokens,
            "agency_ids": agency_ids, "purchaser_tokens": purchaser_tokens}
    with open(os.path.join(out_dir, "data.json"), "w") as f:
        json.dump(data, f)
    with open(os.path.join(out_dir, "data.lua"), "w") as f:
        f.write("return {\n")
        for key in ("demand_ids", "bid_demand_ids", "agency_tokens"):
            f.write(f"  {key} = {{" + ",".join(json.dumps(v) for v in data[key]) + "},\n")
        f.write("}\n")
    print(f"setup: {purchasers} purchasers, {agencies} agencies, {len(demand_ids)} open demands "
          f"in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
