#!/usr/bin/env bash
# Quick throughput run of the S3 sink (not part of ctest): N framed events (the real sample, cycled, ids
# made unique) are produced to a fresh test topic first; then a connector with the shipped configuration
# is created over it, and the time from its creation to the last object written (S3 LastModified) gives
# the sink's rate, task start-up included. The line count in the bucket is checked against N.
#   tests/integration/bench_archive.sh [RECORDS]     (default 300000; PARTITIONS=6, TASKS=2)
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=tests/integration/lib/archive_common.sh
source "$ROOT/tests/integration/lib/archive_common.sh"

RECORDS="${1:-300000}"
PARTITIONS="${PARTITIONS:-6}"
TASKS="${TASKS:-2}"
RUN_ID="$(date +%s)$$"
TOPIC="test.archive.$RUN_ID.bench"
PREFIX="test-archive-bench/$RUN_ID"
CONNECTOR="test-archive-bench-$RUN_ID"
TMP="$(mktemp -d)"
cleanup() {
  delete_connector "$CONNECTOR"
  if [[ "${KEEP_TEST_DATA:-0}" != 1 ]]; then
    delete_topic "$TOPIC"
    delete_topic "$TOPIC.dlq"
    python3 "$LAKE" delete "$PREFIX/" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
require_platform

SAMPLE="${CLICKSTREAM_SHARED_DATA_DIR:-$ROOT/../shared/data}/sample-events.jsonl"
python3 - "$TMP/records.bin" "$SAMPLE" "$RECORDS" <<'PY'
import json, os, struct, sys
out, sample, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if os.path.isfile(sample):
    events = [json.loads(l) for l in open(sample, encoding="utf-8") if l.strip()]
else:
    events = [{"id": i, "type": "page_view", "event": {"user-agent": "Mozilla/5.0", "ip": "10.0.0.1",
               "customer-id": None, "timestamp": "2022-04-28T07:38:46.290271", "page": "/product/1"}}
              for i in range(1000)]
with open(out, "wb") as f:
    for i in range(n):
        e = dict(events[i % len(events)])
        e["id"] = i
        if i:
            f.write(b"\x1e")
        f.write(f"visitor-{i % 997}".encode() + b"\x1f\x00" + struct.pack(">I", 1) + json.dumps(e).encode())
PY
bytes="$(stat -c %s "$TMP/records.bin")"
create_topic "$TOPIC" "$PARTITIONS"
t0=$SECONDS
produce "$TOPIC" "$TMP/records.bin" 2>"$TMP/kcat.log"
printf 'produced %d records (%d MB framed) to %s (%d partitions) in %d s\n' "$RECORDS" $((bytes / 1000000)) \
  "$TOPIC" "$PARTITIONS" $((SECONDS - t0))

write_connector_config "$TMP/$CONNECTOR.json" "topics=$TOPIC" "s3.prefix=$PREFIX" \
  "errors.deadletterqueue.topic.name=$TOPIC.dlq" "tasks.max=$TASKS"
cpu_ticks() { # utime+stime of the Connect worker, in clock ticks
  local pid
  pid="$(connect_pid)"
  awk '{print $14 + $15}' "/proc/$pid/stat"
}
cpu0="$(cpu_ticks)"
created="$(date +%s.%N)"
"$ROOT/scripts/create-connectors.sh" "$TMP/$CONNECTOR.json" 2>&1 | sed 's/^/  /'

# Wait until the committed offsets cover every record (objects are written before offsets are committed).
while true; do
  done_n="$(curl -fsS -m 10 "$CONNECT_URL/connectors/$CONNECTOR/offsets" |
    python3 -c 'import json,sys; print(sum(o["offset"]["kafka_offset"] for o in json.load(sys.stdin).get("offsets", [])))')"
  ((done_n >= RECORDS)) && break
  sleep 1
done
cpu_s="$(awk -v a="$cpu0" -v b="$(cpu_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", (b - a) / hz}')"
python3 - "$PREFIX/" "$created" "$RECORDS" "$LAKE" "$cpu_s" <<'PY'
import datetime, importlib.util, os, sys
prefix, created, n, cpu = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[5])
spec = importlib.util.spec_from_file_location("lake", sys.argv[4])
lake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lake)
import xml.etree.ElementTree as ET
# LastModified of every object (list again, keeping the timestamps)
last, objects, size, token = 0.0, 0, 0, None
while True:
    q = {"list-type": "2", "prefix": prefix}
    if token:
        q["continuation-token"] = token
    status, body = lake.request("GET", query=q)
    root = ET.fromstring(body)
    for c in root.findall(f"{lake.NS}Contents"):
        t = datetime.datetime.fromisoformat(c.find(f"{lake.NS}LastModified").text.replace("Z", "+00:00")).timestamp()
        last = max(last, t)
        objects += 1
        size += int(c.find(f"{lake.NS}Size").text)
    if root.findtext(f"{lake.NS}IsTruncated") != "true":
        break
    token = root.findtext(f"{lake.NS}NextContinuationToken")
lines = sum(len(lake.object_lines(k)) for k, _ in lake.list_objects(prefix))
secs = max(last - created, 0.001)
print(f"sink: {lines} lines in {objects} objects ({size / 1e6:.1f} MB gzip) written {secs:.1f} s after the"
      f" connector was created: {n / secs:,.0f} records/s (task start-up included; LastModified has 1 s resolution)")
print(f"Connect worker CPU during the run: {cpu:.1f} s for {n} records = {n / max(cpu, 0.1):,.0f} records per"
      f" CPU-second (the worker also ran its other connectors); load average now {os.getloadavg()[0]:.1f}"
      f" on {os.cpu_count()} cores")
sys.exit(0 if lines == n else 1)
PY
