#!/usr/bin/env python3
"""Accounting of a fault-injection run against Kafka, by correlation id (python3 stdlib + kcat).

  fault_accounting.py --before before.json --answers FILE [--answers FILE ...] [--latest] [--wait S]

Every answer file line is `<correlation_id> <accepted> <rejected>` for one request answered 200
(the generator's --answers format). From the `before` offsets on (scripts/report.py offsets), every
such request must have exactly `accepted` records in the raw topic carrying its correlation id header
and exactly `rejected` records in the invalid topic with its correlation_id: an acknowledged event
that is not in Kafka is missing. With --latest, every one of those raw records must also be in the
latest topic (read_committed) exactly once, by its source partition/offset: no duplicates, none
missing (waits up to --wait seconds for the enricher to catch up).

Prints one line of figures (`key=value ...`); exit 1 on any mismatch. Endpoints as scripts/report.py.
"""
import argparse
import collections
import importlib.util
import json
import os
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("report", os.path.join(here, "../../../scripts/report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--answers", action="append", default=[])
    ap.add_argument("--latest", action="store_true")
    ap.add_argument("--wait", type=float, default=90)
    args = ap.parse_args()

    before = {t: {int(p): o for p, o in v.items()} for t, v in json.load(open(args.before)).items()}
    want = {}  # correlation id -> (accepted, rejected)
    for path in args.answers:
        for line in open(path):
            parts = line.split()
            if len(parts) == 3 and parts[0] != "-":
                want[parts[0]] = (int(parts[1]), int(parts[2]))
    accepted = sum(a for a, _ in want.values())
    rejected = sum(r for _, r in want.values())

    end = {t: report.watermarks(t, -1) for t in (report.RAW, report.INVALID)}
    raw = collections.Counter()
    raw_pos = set()  # (partition, offset) of the answered requests' raw records
    for part, off, headers, _ in report.consume(report.RAW, before.get(report.RAW, {}), end[report.RAW]):
        hit = report.header_values(headers) & want.keys()
        for cid in hit:
            raw[cid] += 1
            raw_pos.add((part, off))
    invalid = collections.Counter()
    for _, _, _, payload in report.consume(report.INVALID, before.get(report.INVALID, {}), end[report.INVALID]):
        cid = report.correlation_of_invalid(report.loads(report.unframe(payload)))
        if cid in want:
            invalid[cid] += 1
    missing_raw = sum(max(0, a - raw[c]) for c, (a, _) in want.items())
    extra_raw = sum(max(0, raw[c] - a) for c, (a, _) in want.items())
    missing_invalid = sum(max(0, r - invalid[c]) for c, (_, r) in want.items())
    extra_invalid = sum(max(0, invalid[c] - r) for c, (_, r) in want.items())
    short = sum(1 for c, (a, r) in want.items() if raw[c] < a or invalid[c] < r)
    figures = [f"requests_200={len(want)}", f"accepted={accepted}", f"rejected={rejected}",
               f"raw_found={sum(raw.values())}", f"invalid_found={sum(invalid.values())}",
               f"missing={missing_raw + missing_invalid}", f"requests_short={short}",
               f"unexpected={extra_raw + extra_invalid}"]
    bad = missing_raw + missing_invalid + extra_raw + extra_invalid > 0

    if args.latest:
        deadline = time.time() + args.wait
        while True:
            seen = collections.Counter()
            for _, _, _, payload in report.consume(report.LATEST, before.get(report.LATEST, {}),
                                                   report.watermarks(report.LATEST, -1)):
                obj = report.loads(report.unframe(payload))
                if report.correlation_of_latest(obj) not in want:
                    continue
                src = obj["metadata"].get("source", {})
                if src.get("topic") == report.RAW:
                    seen[(src.get("partition"), src.get("offset"))] += 1
            missing = len(raw_pos - seen.keys())
            if missing == 0 or time.time() >= deadline:
                break
            time.sleep(3)
        dups = sum(n - 1 for n in seen.values() if n > 1)
        figures += [f"latest_expected={len(raw_pos)}", f"latest_found={len(seen)}",
                    f"latest_missing={missing}", f"latest_duplicates={dups}"]
        bad = bad or missing > 0 or dups > 0
    print(" ".join(figures))
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except report.Error as e:
        print(f"fault_accounting: {e}", file=sys.stderr)
        sys.exit(2)
