#!/usr/bin/env bash
# Enricher throughput and raw-to-latest lag on the real platform (not a ctest: run it by hand).
#   tests/integration/bench_enricher.sh [COPIES]   (default 50 copies of the real sample)
# 1. backlog: COPIES x the sample written straight into a private raw topic (Confluent-framed, as
#    the collector writes them), then the service started with the enricher: events/s until the
#    latest topic holds them all (one enricher pool, default config).
# 2. live: the same number of records written into raw while the enricher runs, at full speed
#    (kcat), then the raw-to-latest lag percentiles from the record timestamps.
set -euo pipefail
# shellcheck source=tests/integration/enrich_lib.sh
source "$(dirname "$0")/enrich_lib.sh"

copies="${1:-50}"
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

log "live: writing $n more records while the enricher runs"
produce
until [[ "$(metric 'clickstream_enricher_events_total{outcome="enriched"}')" == "$((2 * n))" ]]; do
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
lags, first, last = [], None, None
for l in open(f"{work}/latest.jsonl"):
    r = json.loads(l)
    s = json.loads(r["value"])["metadata"]["source"]
    ts = raw[(s["partition"], s["offset"])]
    lags.append((ts, r["ts"] - ts))
lags.sort()
live = [lag for _, lag in lags[n:]]  # the second half: written while the enricher ran
span = (max(t for t, _ in lags[n:]) - min(t for t, _ in lags[n:])) / 1000
live.sort()
q = lambda p: live[min(len(live) - 1, int(p * len(live)))]
print(f"live: {len(live)} records written in {span:.2f} s ({len(live) / max(span, 1e-3):.0f}/s); "
      f"raw-to-latest lag ms p50 {q(0.5)} p90 {q(0.9)} p99 {q(0.99)} max {live[-1]}")
PY
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
  grep -E '^clickstream_enricher_(transactions_total|errors_total)|^process_resident' >&2 || true
stop_service
