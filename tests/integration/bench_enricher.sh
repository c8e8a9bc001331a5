#!/usr/bin/env bash
# Enricher throughput and raw-to-latest lag on the real platform (not a ctest: run it by hand).
#   tests/integration/bench_enricher.sh [COPIES]   (default 50 copies of the real sample)
# 1. backlog: COPIES x the sample written straight into a private raw topic (Confluent-framed, as
#    the collector writes them), then the service started with the enricher: events/s until the
#    latest topic holds them all (one enricher pool, default config).
# 2. burst: the same number of records written into raw while the enricher runs, at full speed
#    (kcat): the drain rate and the raw-to-latest lag of a burst.
# 3. paced: the same number again at RATE records/s (default 20000, in 100 ms slices): the
#    raw-to-latest lag percentiles at that steady rate.
set -euo pipefail
# shellcheck source=tests/integration/enrich_lib.sh
source "$(dirname "$0")/enrich_lib.sh"

copies="${1:-50}"
rate="${RATE:-20000}"
schema_id="$(curl -sf "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.raw.events-value/versions/latest" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
python3 - "$SAMPLE" "$copies" "$schema_id" >"$WORK/framed.bin" <<'PY'
import sys
lines = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
head = b"\x00" + int(sys.argv[3]).to_bytes(4, "big")
out = sys.stdout.buffer
for _ in range(int(sys.argv[2])):
    for l in lines:
        out.write(head + l.encode() + b"\n")
PY
n="$(wc -l <"$WORK/framed.bin")"
create_topics
metric() {
  curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v m="$1" '$1 == m { print $2 }' | head -n1
}
produce() { kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -P -t "$RUN.raw" -X linger.ms=20 <"$WORK/framed.bin"; }

log "backlog: writing $n framed records into $RUN.raw"
produce
start_service --unique-users.emit-interval-ms=1000
t0="$(date +%s.%N)"
until [[ "$(metric 'clickstream_enricher_events_total{outcome="enriched"}')" == "$n" ]]; do
  sleep 0.2
done
t1="$(date +%s.%N)"
backlog_rate="$(python3 -c "print(round($n / ($t1 - $t0)))")"
log "backlog: $n records enriched in $(python3 -c "print(round($t1 - $t0, 2))") s (from service start): $backlog_rate events/s"

log "burst: writing $n more records at full speed while the enricher runs"
produce
until [[ "$(metric 'clickstream_enricher_events_total{outcome="enriched"}')" == "$((2 * n))" ]]; do
  sleep 0.2
done
log "paced: writing $n more records at $rate/s"
python3 - "$WORK/framed.bin" "$rate" <<'PY' |
import sys, time
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
step = max(1, int(sys.argv[2]) // 10)
t = time.time()
for i in range(0, len(lines), step):
    sys.stdout.buffer.write(b"".join(lines[i:i + step]))
    sys.stdout.buffer.flush()
    t += 0.1
    time.sleep(max(0, t - time.time()))
PY
  kcat -b "$KAFKA_BOOTSTRAP_SERVERS" -P -t "$RUN.raw" -X linger.ms=5
until [[ "$(metric 'clickstream_enricher_events_total{outcome="enriched"}')" == "$((3 * n))" ]]; do
  sleep 0.2
done
dump "$RUN.raw" raw >/dev/null
dump "$RUN.latest" latest >/dev/null
python3 - "$WORK" "$n" <<'PY'
import json, sys
work, n = sys.argv[1], int(sys.argv[2])
raw = {}
for l in open(f"{work}/raw.jsonl"):
    r = json.loads(l)
    raw[(r["p"], r["o"])] = r["ts"]
rows = []
for l in open(f"{work}/latest.jsonl"):
    r = json.loads(l)
    s = json.loads(r["value"])["metadata"]["source"]
    ts = raw[(s["partition"], s["offset"])]
    rows.append((ts, r["ts"], r["ts"] - ts))
rows.sort()
for name, part in (("burst", rows[n:2 * n]), ("paced", rows[2 * n:])):
    lags = sorted(x[2] for x in part)
    written = (part[-1][0] - part[0][0]) / 1000
    drained = (max(x[1] for x in part) - part[0][0]) / 1000
    q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    print(f"{name}: {len(part)} records written in {written:.2f} s ({len(part) / max(written, 1e-3):.0f}/s), "
          f"all enriched {drained:.2f} s after the first was written ({len(part) / max(drained, 1e-3):.0f}/s); "
          f"raw-to-latest lag ms p50 {q(0.5)} p90 {q(0.9)} p99 {q(0.99)} max {lags[-1]}")
PY
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
  grep -E '^clickstream_enricher_(transactions_total|errors_total)|^process_resident' >&2 || true
stop_service
