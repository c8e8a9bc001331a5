#!/usr/bin/env python3
"""Checks of the enricher integration tests over topic dumps (enrich_tool.py dump).

  latest WORK SAMPLE SCHEMA_ID   every raw record (p, o) enriched exactly once, metadata complete,
                                 event ids equal; prints counts and the raw-to-latest lag
  unique WORK SAMPLE             last value per day of the unique topic == independent count
"""
import json
import sys


def load(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def fail(msg):
    sys.exit("FAIL: " + msg)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def check_latest(work, sample, schema_id):
    raw = load(f"{work}/raw.jsonl")
    latest = load(f"{work}/latest.jsonl")
    invalid = load(f"{work}/invalid.jsonl")
    sample_ids = sorted(json.loads(l)["id"] for l in open(sample, encoding="utf-8") if l.strip())
    raw_by_pos = {(r["p"], r["o"]): r for r in raw}
    seen = {}
    lags = []
    required = ["correlation_id", "received_at", "processed_at", "schema", "source", "event_date",
                "customer", "user_agent", "referrer", "page"]
    for r in latest:
        if r["schema_id"] != schema_id:
            fail(f"latest record {r['p']}/{r['o']} framed with schema id {r['schema_id']}, expected {schema_id}")
        v = json.loads(r["value"])
        m = v.get("metadata")
        if not isinstance(m, dict):
            fail(f"latest record {r['p']}/{r['o']} has no metadata object")
        missing = [k for k in required if k not in m]
        if missing:
            fail(f"latest record {r['p']}/{r['o']} lacks metadata {missing}")
        if not m["correlation_id"] or not m["received_at"].endswith("Z") or not m["processed_at"].endswith("Z"):
            fail(f"latest record {r['p']}/{r['o']}: bad correlation_id/received_at/processed_at {m}")
        if m["event_date"] != v["event"]["timestamp"][:10]:
            fail(f"event_date {m['event_date']} for timestamp {v['event']['timestamp']}")
        pos = (m["source"]["partition"], m["source"]["offset"])
        if pos in seen:
            fail(f"raw record {pos} enriched twice: latest {seen[pos]} and {(r['p'], r['o'])}")
        seen[pos] = (r["p"], r["o"])
        src = raw_by_pos.get(pos)
        if src is None:
            fail(f"latest {r['p']}/{r['o']} points at raw {pos}, which does not exist")
        if json.loads(src["value"]) != {k: x for k, x in v.items() if k != "metadata"}:
            fail(f"latest {r['p']}/{r['o']} does not carry raw {pos}'s event unchanged")
        if r["key"] != src["key"]:
            fail(f"latest {r['p']}/{r['o']} key {r['key']!r} != raw key {src['key']!r}")
        lags.append(r["ts"] - src["ts"])
    missing = [p for p in raw_by_pos if p not in seen]
    if missing:
        fail(f"{len(missing)} raw records never enriched, e.g. {missing[:5]}")
    if invalid:
        fail(f"{len(invalid)} records in the invalid topic, e.g. {invalid[0]['value'][:300]}")
    raw_ids = sorted(json.loads(r["value"])["id"] for r in raw)
    latest_ids = sorted(json.loads(r["value"])["id"] for r in latest)
    if raw_ids != latest_ids:
        fail("event ids in latest differ from raw")
    if sorted(set(raw_ids)) != sorted(set(sample_ids)):
        fail("event ids in raw differ from the sample's")
    print(json.dumps({"raw": len(raw), "latest": len(latest), "invalid": len(invalid),
                      "duplicates_in_raw": len(raw) - len(sample_ids),
                      "lag_ms_p50": pct(lags, 0.50), "lag_ms_p99": pct(lags, 0.99),
                      "lag_ms_max": max(lags) if lags else None}))


def check_unique(work, sample):
    expected = {}
    for line in open(sample, encoding="utf-8"):
        if not line.strip():
            continue
        e = json.loads(line)["event"]
        s = expected.setdefault(e["timestamp"][:10], set())
        if e.get("customer-id") is not None:
            s.add(e["customer-id"])
    expected = {d: len(s) for d, s in expected.items()}
    last = {}
    for r in load(f"{work}/unique.jsonl"):
        v = json.loads(r["value"])
        if r["key"] != v["date"]:
            fail(f"unique-users record keyed {r['key']!r} holds date {v['date']!r}")
        last[v["date"]] = v["unique_users"]
    if last != expected:
        diff = {d: (last.get(d), expected.get(d)) for d in sorted(set(last) | set(expected))
                if last.get(d) != expected.get(d)}
        fail(f"unique users per day (topic, expected) differ: {diff}")
    print(json.dumps({"days": len(last), "unique_users_total": sum(last.values()),
                      "records": len(load(f'{work}/unique.jsonl'))}))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "latest":
        check_latest(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "unique":
        check_unique(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
