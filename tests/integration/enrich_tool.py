#!/usr/bin/env python3
"""Helpers of the enricher integration tests (standard library + kcat only).

  dump TOPIC            every committed record of TOPIC as JSON lines (ISOLATION=read_uncommitted:
                        aborted records too)
                        {"p","o","ts","key","schema_id","value"} (value: the JSON text without the
                        Confluent header when framed)
  replay URL FILE       POSTs the events of FILE (JSON lines) to URL in random batches of 1-10,
                        retrying a batch (same body) until it is answered 200; prints a summary
  expected-days FILE    {"YYYY-MM-DD": distinct non-null customer ids} computed from FILE
"""
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request


def dump(topic, bootstrap):
    fmt = "%p %o %T %K %S\n%k%s"
    out = subprocess.run(
        ["kcat", "-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
         "-X", "isolation.level=" + os.environ.get("ISOLATION", "read_committed"), "-f", fmt],
        check=True, stdout=subprocess.PIPE).stdout
    i = 0
    records = []
    while i < len(out):
        nl = out.index(b"\n", i)
        p, o, ts, klen, vlen = out[i:nl].split(b" ")
        i = nl + 1
        klen, vlen = max(int(klen), 0), max(int(vlen), 0)
        key = out[i:i + klen]
        i += klen
        value = out[i:i + vlen]
        i += vlen
        rec = {"p": int(p), "o": int(o), "ts": int(ts), "key": key.decode("utf-8", "replace")}
        if len(value) >= 5 and value[0] == 0:
            rec["schema_id"] = int.from_bytes(value[1:5], "big")
            rec["value"] = value[5:].decode("utf-8", "replace")
        else:
            rec["schema_id"] = None
            rec["value"] = value.decode("utf-8", "replace")
        records.append(rec)
    return records


def replay(url, path, seed, delay_ms, deadline_s):
    events = [line for line in open(path, encoding="utf-8") if line.strip()]
    rnd = random.Random(seed)
    batches, i = [], 0
    while i < len(events):
        n = rnd.randint(1, 10)
        batches.append(events[i:i + n])
        i += n
    accepted = rejected = retries = 0
    cids = []
    end = time.time() + deadline_s
    for b in batches:
        body = ("[" + ",".join(e.strip() for e in b) + "]").encode()
        while True:
            try:
                req = urllib.request.Request(url, data=body,
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=20) as r:
                    ans = json.loads(r.read())
                accepted += ans.get("accepted", 0)
                rejected += ans.get("rejected", 0)
                cids.append(ans.get("correlation_id"))
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
                retries += 1
                if time.time() > end:
                    sys.exit(f"replay: {url} still failing after {deadline_s} s: {e}")
                time.sleep(0.2)
        if delay_ms:
            time.sleep(delay_ms / 1000.0)
    print(json.dumps({"events": len(events), "batches": len(batches), "accepted": accepted,
                      "rejected": rejected, "retries": retries}))


def expected_days(path):
    days = {}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        e = json.loads(line)["event"]
        ids = days.setdefault(e["timestamp"][:10], set())
        if e.get("customer-id") is not None:
            ids.add(e["customer-id"])
    return {d: len(ids) for d, ids in sorted(days.items())}


def main():
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "dump" and len(sys.argv) == 3:
        for r in dump(sys.argv[2], bootstrap):
            print(json.dumps(r))
    elif cmd == "replay" and len(sys.argv) >= 4:
        seed = int(os.environ.get("REPLAY_SEED", "42"))
        delay = int(os.environ.get("REPLAY_DELAY_MS", "0"))
        replay(sys.argv[2], sys.argv[3], seed, delay, float(os.environ.get("REPLAY_DEADLINE_S", "120")))
    elif cmd == "expected-days" and len(sys.argv) == 3:
        print(json.dumps(expected_days(sys.argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
