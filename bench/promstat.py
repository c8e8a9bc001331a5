#!/usr/bin/env python3
"""Small reader of Prometheus text exposition files for scripts/bench.sh.

  promstat.py sum FILE NAME [label=value ...]        sum of the samples of NAME matching the labels
  promstat.py delta BEFORE AFTER NAME [label=value ...]  the same, AFTER minus BEFORE
  promstat.py quantile BEFORE AFTER NAME Q           quantile Q (0-1) of histogram NAME over the
                                                     observations made between the two scrapes
                                                     (linear interpolation inside the bucket, like
                                                     PromQL's histogram_quantile); prints
                                                     "<value> <count>" or "nan 0" without observations
A missing file or metric counts as 0.
"""
import math
import re
import sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(path):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                m = LINE.match(line)
                if not m:
                    continue
                labels = dict(LABEL.findall(m.group(3) or ""))
                try:
                    value = float(m.group(4))
                except ValueError:
                    continue
                yield m.group(1), labels, value
    except FileNotFoundError:
        return


def matching(path, name, want):
    for n, labels, value in samples(path):
        if n == name and all(labels.get(k) == v for k, v in want.items()):
            yield labels, value


def parse_filters(args):
    out = {}
    for a in args:
        k, _, v = a.partition("=")
        out[k] = v
    return out


def total(path, name, want):
    return sum(v for _, v in matching(path, name, want))


def buckets(path, name):
    acc = {}
    for labels, value in matching(path, name + "_bucket", {}):
        le = labels.get("le")
        if le is None:
            continue
        bound = math.inf if le in ("+Inf", "Inf") else float(le)
        acc[bound] = acc.get(bound, 0.0) + value
    return acc


def quantile(before, after, name, q):
    b0 = buckets(before, name)
    b1 = buckets(after, name)
    bounds = sorted(b1)
    cum = [(le, b1[le] - b0.get(le, 0.0)) for le in bounds]
    if not cum or cum[-1][1] <= 0:
        return math.nan, 0
    count = cum[-1][1]
    rank = q * count
    prev_le, prev_c = 0.0, 0.0
    for le, c in cum:
        if c >= rank:
            if math.isinf(le):
                return prev_le, count  # above the last finite bound: report that bound
            if c == prev_c:
                return le, count
            return prev_le + (le - prev_le) * (rank - prev_c) / (c - prev_c), count
        prev_le, prev_c = le, c
    return cum[-1][0], count


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd = argv[1]
    if cmd == "sum" and len(argv) >= 4:
        print(f"{total(argv[2], argv[3], parse_filters(argv[4:])):.0f}")
    elif cmd == "delta" and len(argv) >= 5:
        d = total(argv[3], argv[4], parse_filters(argv[5:])) - total(argv[2], argv[4], parse_filters(argv[5:]))
        print(f"{d:.0f}")
    elif cmd == "quantile" and len(argv) == 6:
        v, n = quantile(argv[2], argv[3], argv[4], float(argv[5]))
        print(f"{v:.6f} {n:.0f}")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
