#!/usr/bin/env bash
# Integration test of the data-lake archive (issue 8) against the real platform (run after `make up`,
# scripts/create-topics.sh and scripts/create-connectors.sh; ctest label integration):
#  - the shipped connector clickstream-archive is RUNNING over the four clickstream topics;
#  - with the same configuration, over four test topics shaped like them (raw and latest: Confluent-framed
#    events; invalid: plain JSON, one pretty-printed over several lines, one value that is not JSON;
#    unique users: compacted, plain JSON keyed by day), every record produced is in the bucket within 30 s
#    as one JSON line, under <topic>/dt=YYYY-MM-DD/<topic>+<partition>+<20-digit offset>.jsonl.gz, with
#    exactly as many lines as records and each line parsing as the original value;
#  - a corrupt framed record goes to the dead-letter topic, not to the bucket.
# The real topics are not written to (other tests count them). Test topics, connector and objects are
# removed at the end (KEEP_TEST_DATA=1 keeps them).
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=tests/integration/lib/archive_common.sh
source "$ROOT/tests/integration/lib/archive_common.sh"

RUN_ID="$(date +%s)$$"
BASE="test.archive.$RUN_ID"
RAW="$BASE.raw.events"
INVALID="$BASE.invalid.events"
LATEST="$BASE.latest.events"
UNIQUE="$BASE.unique.users"
DLQ="$BASE.dlq"
PREFIX="test-archive/$RUN_ID"
CONNECTOR="test-archive-$RUN_ID"
DEADLINE_S="${ARCHIVE_DEADLINE_S:-30}"
TMP="$(mktemp -d)"

cleanup() {
  delete_connector "$CONNECTOR"
  if [[ "${KEEP_TEST_DATA:-0}" != 1 ]]; then
    for t in "$RAW" "$INVALID" "$LATEST" "$UNIQUE" "$DLQ"; do delete_topic "$t"; done
    python3 "$LAKE" delete "$PREFIX/" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

require_platform

# 1. The shipped connector archives the four real topics.
status="$(curl -fsS -m 10 "$CONNECT_URL/connectors/clickstream-archive/status" 2>/dev/null || true)"
config="$(curl -fsS -m 10 "$CONNECT_URL/connectors/clickstream-archive/config" 2>/dev/null || true)"
if python3 - "$status" "$config" <<'PY'; then
import json, sys
s, c = json.loads(sys.argv[1] or "{}"), json.loads(sys.argv[2] or "{}")
want = {"acme.clickstream.raw.events", "acme.clickstream.invalid.events",
        "acme.clickstream.latest.events", "acme.clickstream.unique.users"}
topics = {t.strip() for t in c.get("topics", "").split(",")}
tasks = s.get("tasks", [])
ok = (s.get("connector", {}).get("state") == "RUNNING" and tasks
      and all(t["state"] == "RUNNING" for t in tasks) and want <= topics)
sys.exit(0 if ok else 1)
PY
  ok "connector clickstream-archive RUNNING over the four clickstream topics"
else
  not_ok "connector clickstream-archive RUNNING over the four clickstream topics (run scripts/create-connectors.sh): $status"
fi

# 2. Test topics and a connector with the shipped configuration over them.
create_topic "$RAW" 3
create_topic "$INVALID" 3
create_topic "$LATEST" 3
create_topic "$UNIQUE" 3 compact
write_connector_config "$TMP/$CONNECTOR.json" "topics=$RAW,$INVALID,$LATEST,$UNIQUE" "s3.prefix=$PREFIX" \
  "errors.deadletterqueue.topic.name=$DLQ" "tasks.max=2"
if "$ROOT/scripts/create-connectors.sh" "$TMP/$CONNECTOR.json" >"$TMP/create.out" 2>&1; then
  ok "test connector created with the shipped configuration and RUNNING"
else
  not_ok "test connector created and RUNNING"
  sed 's/^/     | /' "$TMP/create.out"
  finish
fi

# 3. Records: files for kcat (0x1e between records, 0x1f between key and value) + the expected lines.
SAMPLE="${CLICKSTREAM_SHARED_DATA_DIR:-$ROOT/../shared/data}/sample-events.jsonl"
python3 - "$TMP" "$SAMPLE" <<'PY'
import json, os, random, struct, sys
tmp, sample = sys.argv[1], sys.argv[2]
random.seed(8)
if os.path.isfile(sample):
    events = [l.strip() for l in open(sample, encoding="utf-8") if l.strip()][:300]
else:  # synthesized events shaped like the real sample
    events = [json.dumps({"id": 1000 + i, "type": "page_view", "event": {
        "user-agent": "Mozilla/5.0", "ip": f"10.0.{i // 250}.{i % 250}", "customer-id": i if i % 3 else None,
        "timestamp": f"2022-04-28T07:{i // 60 % 60:02d}:{i % 60:02d}.000000", "page": f"/product/{i}"}})
        for i in range(300)]
def frame(schema_id, text):
    return b"\x00" + struct.pack(">I", schema_id) + text.encode("utf-8")
def write(name, records):
    with open(os.path.join(tmp, name + ".bin"), "wb") as f:
        f.write(b"\x1e".join(k.encode() + b"\x1f" + v for k, v in records))
expected = {}
# raw: 200 framed events, one framed and pretty-printed over several lines; plus one corrupt frame.
raw = [(f"visitor-{i % 17}", frame(1, e)) for i, e in enumerate(events[:199])]
pretty = json.dumps(json.loads(events[199]), indent=2)
assert "\n" in pretty
raw.append(("visitor-pretty", frame(1, pretty)))
expected["raw"] = [json.loads(e) for e in events[:200]]
write("raw", raw)
write("raw-corrupt", [("visitor-bad", b"\x00\x00")])
# invalid: plain JSON documents, one pretty-printed, and one value that is not JSON at all.
inv = []
for i in range(60):
    doc = {"payload": events[i][:80], "errors": [{"pointer": "/event/ip", "keyword": "pattern",
           "message": "does not match"}], "correlation_id": f"c-{i}", "received_at": "2026-11-25T10:00:00Z",
           "schema": {"subject": "acme.clickstream.raw.events-value", "version": 1}}
    inv.append(doc)
vals = [json.dumps(d).encode() for d in inv[:59]] + [json.dumps(inv[59], indent=4).encode()]
vals.append(b"this is not JSON\nbut a client sent it")
write("invalid", [(f"visitor-{i}", v) for i, v in enumerate(vals)])
expected["invalid"] = inv + [{"__non_json__": {"reason": "any", "text": "this is not JSON\nbut a client sent it"}}]
# latest: framed events with a metadata object.
lat = []
for i, e in enumerate(events[:150]):
    d = json.loads(e)
    d["metadata"] = {"correlation_id": f"c-{i}", "source": {"topic": "acme.clickstream.raw.events",
                     "partition": i % 6, "offset": i}, "event_date": "2022-04-28"}
    lat.append(d)
write("latest", [(f"visitor-{i % 17}", frame(2, json.dumps(d))) for i, d in enumerate(lat)])
expected["latest"] = lat
# unique users: plain JSON, keyed by day.
uu = [{"date": f"2022-04-{d:02d}", "unique_users": 10 * d, "updated_at": "2026-11-25T10:00:00Z"} for d in range(1, 31)]
write("unique", [(u["date"], json.dumps(u).encode()) for u in uu])
expected["unique"] = uu
json.dump(expected, open(os.path.join(tmp, "expected.json"), "w"))
PY

start_ns="$(date +%s%N)"
# kcat's own retry notices (e.g. the idempotent producer's PID while the broker warms up) go to a log.
exec 3>&2 2>"$TMP/kcat.log"
produce "$RAW" "$TMP/raw.bin" "correlation-id=test-$RUN_ID"
produce "$RAW" "$TMP/raw-corrupt.bin"
produce "$INVALID" "$TMP/invalid.bin"
produce "$LATEST" "$TMP/latest.bin"
produce "$UNIQUE" "$TMP/unique.bin"
exec 2>&3 3>&-
produced_ns="$(date +%s%N)"
printf '     | produced 200+1 raw, 61 invalid, 150 latest, 30 unique-users records in %d ms\n' \
  $(((produced_ns - start_ns) / 1000000))

# 4. Poll the bucket until every topic has all its lines (or the deadline passes), then check everything.
check_lake() { # prints a report; exit 0 when complete and correct
  python3 "$LAKE" lines "$PREFIX/" >"$TMP/lines.jsonl" || return 2
  python3 - "$TMP/expected.json" "$TMP/lines.jsonl" "$PREFIX" "$RAW" "$INVALID" "$LATEST" "$UNIQUE" "$1" <<'PY'
import collections, datetime, json, re, sys
expected = json.load(open(sys.argv[1]))
rows = [json.loads(l) for l in open(sys.argv[2])]
prefix, topics, final = sys.argv[3], dict(zip(["raw", "invalid", "latest", "unique"], sys.argv[4:8])), sys.argv[8] == "final"
today = datetime.datetime.now(datetime.timezone.utc).date()
days = {str(today), str(today - datetime.timedelta(days=1))}  # a run across midnight
def canon(v):
    if isinstance(v, dict) and "__non_json__" in v:  # the reason is free text: only its presence matters
        v = {"__non_json__": {"reason": None if v["__non_json__"].get("reason") else "missing",
                              "text": v["__non_json__"].get("text")}}
    return json.dumps(v, sort_keys=True)
problems, complete, report = [], True, []
for name, topic in topics.items():
    pat = re.compile(re.escape(f"{prefix}/{topic}/dt=") + r"(\d{4}-\d{2}-\d{2})/" + re.escape(topic)
                     + r"\+([0-2])\+(\d{20})\.jsonl\.gz$")
    mine = [r for r in rows if r["key"].startswith(f"{prefix}/{topic}/")]
    keys = sorted({r["key"] for r in mine})
    for k in keys:
        m = pat.match(k)
        if not m:
            problems.append(f"{name}: object name outside the layout: {k}")
        elif m.group(1) not in days:
            problems.append(f"{name}: object under dt={m.group(1)}, expected the record date {today}")
    got, bad = [], 0
    for r in mine:
        try:
            got.append(canon(json.loads(r["line"])))
        except ValueError:
            bad += 1
            problems.append(f"{name}: line is not JSON: {r['line'][:120]}")
    want = [canon(v) for v in expected[name]]
    report.append(f"{name}: {len(mine)} lines in {len(keys)} objects (want {len(want)})")
    if len(mine) < len(want):
        complete = False
        continue
    if len(mine) != len(want):
        problems.append(f"{name}: {len(mine)} lines for {len(want)} records")
    missing = collections.Counter(want) - collections.Counter(got)
    extra = collections.Counter(got) - collections.Counter(want)
    if missing or extra:
        problems.append(f"{name}: {sum(missing.values())} records missing, {sum(extra.values())} unexpected lines;"
                        f" e.g. missing {list(missing)[:1]} unexpected {list(extra)[:1]}")
print("; ".join(report))
for p in problems:
    print("PROBLEM " + p)
sys.exit(0 if complete and not problems else (1 if complete or final else 3))
PY
}

rc=3
while true; do
  now_ns="$(date +%s%N)"
  elapsed_ms=$(((now_ns - produced_ns) / 1000000))
  mode=poll
  ((elapsed_ms >= DEADLINE_S * 1000)) && mode=final
  set +e
  check_lake "$mode" >"$TMP/report.txt" 2>&1
  rc=$?
  set -e
  if ((rc != 3 && rc != 2)) || [[ "$mode" == final ]]; then break; fi
  sleep 1
done
sed 's/^/     | /' "$TMP/report.txt"
if ((rc == 0)); then
  ok "all records of the four test topics in the bucket, one line each, after $((elapsed_ms / 1000)).$(((elapsed_ms % 1000) / 100)) s (limit ${DEADLINE_S} s)"
else
  not_ok "all records of the four test topics in the bucket within ${DEADLINE_S} s, one line each"
fi

# 5. A framed raw record's line is the original event object (checked above for all; show one).
python3 - "$TMP/lines.jsonl" "$PREFIX/$RAW/" <<'PY'
import json, sys
for row in map(json.loads, open(sys.argv[1])):
    if row["key"].startswith(sys.argv[2]):
        print("     | " + row["key"] + "\n     |   " + row["line"][:160])
        break
PY

# 6. The corrupt frame is in the dead-letter topic with Connect's error headers, not in the bucket.
# Connect's dead-letter queue is at-least-once: a rebalance before the offset commit (e.g. while the
# second task joins) reports the same record again; all copies must be that one record.
kcat -C -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$DLQ" -o beginning -e -q -f '%S|%h\n' 2>/dev/null |
  grep -a '__connect.errors.topic=' >"$TMP/dlq.txt" || true
if python3 - "$TMP/dlq.txt" "$RAW" <<'PY'; then
import re, sys
rows = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
sources = {(re.search(r"__connect.errors.partition=(\d+)", r).group(1), re.search(r"__connect.errors.offset=(\d+)", r).group(1))
           for r in rows}
ok = (rows and all(r.startswith("2|") and f"__connect.errors.topic={sys.argv[2]}," in r
                   and "magic byte" in r for r in rows) and len(sources) == 1)
print(f"     | dead-letter topic: {len(rows)} record(s), all of source partition/offset {sorted(sources)}")
sys.exit(0 if ok else 1)
PY
  ok "the corrupt framed record (2 bytes 00 00) is in the dead-letter topic with the error in its headers, not in the bucket"
else
  not_ok "the corrupt framed record is in the dead-letter topic (and nothing else is)"
fi

finish
