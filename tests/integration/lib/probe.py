#!/usr/bin/env python3
"""A client of POST /collect that records every answer, for the fault-injection tests (stdlib only).

  probe.py run URL DATASET LOG [--threads N] [--batch N] [--interval S] [--timeout S]
               [--answers FILE] [--stop-file F] [--duration S]
      N threads (default 1), each on its own keep-alive connection, POST batches of --batch lines of
      DATASET (cycled) to URL/collect, waiting --interval seconds between requests (default 0.1).
      No retries: every exchange is one LOG line
        <start epoch s> <end epoch s> <status> <retry-after or -> <correlation id or -> <accepted> <rejected>
      (status 0: connection error or timeout). 200 answers also go to --answers in the generator's
      format (`<correlation_id> <accepted> <rejected>`). Runs until --stop-file exists, --duration
      seconds have passed, or SIGTERM.

  probe.py summary LOG [--from T] [--to T]
      One line for the exchanges that started at or after --from and ended before --to: count,
      statuses (status:count), how many 429/503 lacked Retry-After, latency p50/p99/max in ms.

  probe.py recovery LOG --after T --max-ms X
      Seconds from T (in whole seconds) to the first 1-s window from which on every answer is 200 and
      the median latency is within X ms (that window's and all later ones'), and how many answers came
      from there on: `recovery_s=S good_after=N` (S=inf when never).
"""
import argparse
import http.client
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

stop = threading.Event()


def worker(args, lines, index, out, answers, lock):
    url = urllib.parse.urlsplit(args.url)
    conn = None
    pos = index * args.batch
    deadline = time.time() + args.duration if args.duration else None
    while not stop.is_set():
        if args.stop_file and os.path.exists(args.stop_file):
            break
        if deadline and time.time() >= deadline:
            break
        body = "[" + ",".join(lines[(pos + i) % len(lines)] for i in range(args.batch)) + "]"
        pos += args.batch
        t0 = time.time()
        status, retry_after, cid, acc, rej = 0, "-", "-", 0, 0
        try:
            if conn is None:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=args.timeout)
            conn.request("POST", "/collect", body=body.encode(), headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            retry_after = resp.getheader("Retry-After") or "-"
            try:
                answer = json.loads(data)
                cid = answer.get("correlation_id") or "-"
                acc, rej = int(answer.get("accepted", 0)), int(answer.get("rejected", 0))
            except (ValueError, AttributeError, TypeError):
                pass
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
        t1 = time.time()
        with lock:
            out.write(f"{t0:.3f} {t1:.3f} {status} {retry_after} {cid} {acc} {rej}\n")
            out.flush()
            if status == 200 and cid != "-" and answers:
                answers.write(f"{cid} {acc} {rej}\n")
                answers.flush()
        if status == 0:
            time.sleep(min(args.interval, 0.2) or 0.05)
        elif args.interval:
            time.sleep(args.interval)


def run(args):
    lines = [l.strip() for l in open(args.dataset) if l.strip()]
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    lock = threading.Lock()
    with open(args.log, "a") as out, (open(args.answers, "a") if args.answers else open(os.devnull, "w")) as ans:
        threads = [threading.Thread(target=worker, args=(args, lines, i, out, ans, lock), daemon=True)
                   for i in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.2)


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q * len(values) + 0.5)) - 1))]


def summary(args):
    statuses, lat, missing_ra = {}, [], 0
    for line in open(args.log):
        f = line.split()
        if len(f) != 7:
            continue
        t0, t1, status = float(f[0]), float(f[1]), int(f[2])
        if (args.from_ is not None and t0 < args.from_) or (args.to is not None and t1 >= args.to):
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status in (429, 503) and f[3] == "-":
            missing_ra += 1
        if status:
            lat.append((t1 - t0) * 1000)
    st = ",".join(f"{s}:{n}" for s, n in sorted(statuses.items())) or "none"
    print(f"requests={sum(statuses.values())} statuses={st} no_retry_after={missing_ra} "
          f"p50_ms={pct(lat, 0.5):.1f} p99_ms={pct(lat, 0.99):.1f} max_ms={max(lat, default=0):.1f}")


def recovery(args):
    rows = []
    for line in open(args.log):
        f = line.split()
        if len(f) == 7 and float(f[0]) >= args.after:
            rows.append((float(f[0]), (float(f[1]) - float(f[0])) * 1000, int(f[2])))
    rows.sort()
    # The first 1-s window from which on every answer is 200 and the median latency (of that window
    # and of everything after it) is within max-ms: single slow answers (a busy machine) do not count,
    # a client that is still refused or slow for seconds does.
    t = args.after
    while rows and t <= rows[-1][0]:
        rest = [r for r in rows if r[0] >= t]
        window = [r for r in rest if r[0] < t + 1]
        if window and all(r[2] == 200 for r in rest) and pct([r[1] for r in window], 0.5) <= args.max_ms \
                and pct([r[1] for r in rest], 0.5) <= args.max_ms:
            print(f"recovery_s={t - args.after:.1f} good_after={len(rest)}")
            return
        t += 1
    print(f"recovery_s=inf good_after=0")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("url")
    r.add_argument("dataset")
    r.add_argument("log")
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--batch", type=int, default=1)
    r.add_argument("--interval", type=float, default=0.1)
    r.add_argument("--timeout", type=float, default=20)
    r.add_argument("--answers")
    r.add_argument("--stop-file")
    r.add_argument("--duration", type=float, default=0)
    s = sub.add_parser("summary")
    s.add_argument("log")
    s.add_argument("--from", dest="from_", type=float)
    s.add_argument("--to", type=float)
    c = sub.add_parser("recovery")
    c.add_argument("log")
    c.add_argument("--after", type=float, required=True)
    c.add_argument("--max-ms", type=float, required=True)
    args = ap.parse_args()
    {"run": run, "summary": summary, "recovery": recovery}[args.cmd](args)


if __name__ == "__main__":
    main()
