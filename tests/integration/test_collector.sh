#!/usr/bin/env bash
# Integration test of the collector (issue 3) against the real local platform: starts
# clickstream-pipeline on free ports, posts valid / mixed / broken / hostile requests, checks the
# HTTP codes, consumes the raw and invalid topics with kcat and checks counts, keys, headers, the
# Confluent 5-byte header and that its schema id is the registry's id for the subject; checks that
# clickstream_ metrics move; stops the service with SIGTERM and expects exit 0.
# Needs the platform up with topics and schemas (scripts/test.sh does it before ctest).
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$ROOT/build}"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source scripts/lib/env.sh
need_cmd curl kcat python3

BIN="$BUILD/clickstream-pipeline"
DATA_DIR="${CLICKSTREAM_SHARED_DATA_DIR:-$ROOT/../shared/data}"
SAMPLE="$DATA_DIR/sample-events.jsonl"
SUBJECT="acme.clickstream.raw.events-value"
RAW_TOPIC="acme.clickstream.raw.events"
INVALID_TOPIC="acme.clickstream.invalid.events"
[[ -x "$BIN" ]] || die "$BIN not built (make build)"
[[ -f "$SAMPLE" ]] || die "real sample not found at $SAMPLE (set CLICKSTREAM_SHARED_DATA_DIR)"

TMP="$(mktemp -d)"
SERVICE_PID=""
cleanup() {
  if [[ -n "$SERVICE_PID" ]] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill -KILL "$SERVICE_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# shellcheck source=tests/integration/lib/checks.sh
source tests/integration/lib/checks.sh

# -- preconditions ---------------------------------------------------------------------------------
registry_answer="$(curl -fsS "$SCHEMA_REGISTRY_URL/subjects/$SUBJECT/versions/latest")" ||
  die "registry $SCHEMA_REGISTRY_URL has no $SUBJECT (run make up && make topics && make schemas)"
REGISTRY_ID="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$registry_answer")"
kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$RAW_TOPIC" 2>/dev/null | grep -q "topic \"$RAW_TOPIC\" with" ||
  die "Kafka $KAFKA_BOOTSTRAP_SERVERS has no topic $RAW_TOPIC (run make up && make topics)"

# -- start the service -----------------------------------------------------------------------------
HTTP_PORT="$(free_port)"
METRICS_PORT="$(free_port)"
URL="http://127.0.0.1:$HTTP_PORT"
START_MS=$(($(date +%s) * 1000 - 5000))
"$BIN" --http.bind=127.0.0.1 --http.port="$HTTP_PORT" --metrics.bind=127.0.0.1 \
  --metrics.port="$METRICS_PORT" --registry.poll-interval-ms=5000 >"$TMP/service.log" 2>&1 &
SERVICE_PID=$!
ready=""
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null "$URL/health/ready" 2>/dev/null; then
    ready=yes
    break
  fi
  kill -0 "$SERVICE_PID" 2>/dev/null || break
  sleep 0.2
done
if [[ -z "$ready" ]]; then
  cat "$TMP/service.log" >&2
  die "service not ready within 30 s"
fi
ok "service ready on $URL (metrics :$METRICS_PORT)"

# post BODY_FILE [CONTENT_TYPE] [extra curl args...] -> prints "<code> <body>" into $TMP/answer
post() {
  local file="$1" ctype="${2:-application/json}"
  shift 2 || shift $#
  curl -sS -o "$TMP/answer" -w '%{http_code}' -X POST -H "Content-Type: $ctype" \
    --data-binary @"$file" "$@" "$URL/collect" || echo "curl-failed"
}
json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$TMP/answer" "$1"; }

# -- valid batch: 10 real events -------------------------------------------------------------------
head -n 10 "$SAMPLE" >"$TMP/valid.jsonl"
{ printf '['; paste -sd, "$TMP/valid.jsonl" | tr -d '\n'; printf ']'; } >"$TMP/valid.json"
check "valid batch of 10 real events: 200" 200 "$(post "$TMP/valid.json")"
check "valid batch: accepted 10" 10 "$(json_field accepted)"
check "valid batch: rejected 0" 0 "$(json_field rejected)"
CID_VALID="$(json_field correlation_id)"

# -- mixed batch: 3 valid + 2 invalid --------------------------------------------------------------
sed -n '11,13p' "$SAMPLE" >"$TMP/mixed.jsonl"
echo '{"id": 1, "type": "no_such_type", "event": {"user-agent": "x", "ip": "1.2.3.4", "customer-id": 5, "timestamp": "2022-04-28T07:38:46"}}' >>"$TMP/mixed.jsonl"
echo '{"id": "not-a-number", "type": "search"}' >>"$TMP/mixed.jsonl"
{ printf '['; paste -sd, "$TMP/mixed.jsonl" | tr -d '\n'; printf ']'; } >"$TMP/mixed.json"
check "mixed batch: 200" 200 "$(post "$TMP/mixed.json")"
check "mixed batch: accepted 3" 3 "$(json_field accepted)"
check "mixed batch: rejected 2" 2 "$(json_field rejected)"
CID_MIXED="$(json_field correlation_id)"

# -- requests failing as a whole -------------------------------------------------------------------
printf '[{"id": 1, "type":' >"$TMP/malformed.json"
check "malformed JSON: 400" 400 "$(post "$TMP/malformed.json")"
check "malformed JSON: reason not_json" not_json "$(json_field error)"
check "malformed JSON: body stored in the invalid topic" True "$(json_field stored)"
CID_MALFORMED="$(json_field correlation_id)"
printf '{"id": 1}' >"$TMP/object.json"
check "non-array body: 400" 400 "$(post "$TMP/object.json")"
check "non-array body: reason not_array" not_array "$(json_field error)"
CID_OBJECT="$(json_field correlation_id)"
check "text/plain: 415" 415 "$(post "$TMP/valid.json" text/plain)"
check "charset=utf-8 accepted: 200" 200 "$(post "$TMP/valid.json" 'application/json; charset=utf-8')"
CID_CHARSET="$(json_field correlation_id)"
head -c 20000000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
check "20 MB body: 413" 413 "$(post "$TMP/big.json" application/json)"
check "20 MB body without Expect: 413" 413 "$(post "$TMP/big.json" application/json -H 'Expect:')"
python3 -c 'import sys; sys.stdout.write("[" * 200000 + "]" * 200000)' >"$TMP/deep.json"
code="$(post "$TMP/deep.json")"
if [[ "$code" =~ ^4[0-9][0-9]$ ]]; then ok "200000-deep nesting: $code"; else not_ok "200000-deep nesting: got $code"; fi
printf '[{"id": 2, "type": "search", "event": {"query": "\xff\xfe\xc3"}}]' >"$TMP/utf8.json"
code="$(post "$TMP/utf8.json")"
if [[ "$code" =~ ^[1-4][0-9][0-9]$ ]]; then ok "invalid UTF-8: $code (no 5xx)"; else not_ok "invalid UTF-8: got $code"; fi
check "GET /collect: 405" 405 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/collect")"
check "unknown path: 404" 404 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/nope")"
check "still alive: GET /ping" '{"status":"OK"}' "$(curl -fsS "$URL/ping")"

# -- the topics ------------------------------------------------------------------------------------
# kcat prints "<key>\t<headers>\t<value length>\t<value bytes>\n"; values are binary (framed), so
# the checker reads them by length.
consume() {
  timeout 60 kcat -C -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$1" -o "s@$START_MS" -e -q \
    -f '%k\t%h\t%S\t%s\n' >"$2"
}
consume "$RAW_TOPIC" "$TMP/raw.bin"
consume "$INVALID_TOPIC" "$TMP/invalid.bin"

python3 - "$TMP" "$REGISTRY_ID" "$CID_VALID" "$CID_MIXED" "$CID_MALFORMED" "$CID_OBJECT" \
  "$CID_CHARSET" <<'PY' >"$TMP/topic-checks"
import json, struct, sys
tmp, registry_id, cid_valid, cid_mixed, cid_malformed, cid_object, cid_charset = sys.argv[1:]
registry_id = int(registry_id)

def records(path):
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        parts = []
        for _ in range(3):
            tab = data.index(b"\t", pos)
            parts.append(data[pos:tab].decode())
            pos = tab + 1
        key, headers, length = parts
        length = int(length) if length not in ("", "-1") else 0
        value = data[pos:pos + length]
        pos += length + 1  # value + "\n"
        hdrs = dict(h.split("=", 1) for h in headers.split(",") if "=" in h)
        out.append((key, hdrs, value))
    return out

def say(ok, msg):
    print(("ok   " if ok else "FAIL ") + msg)

raw = records(f"{tmp}/raw.bin")
invalid = records(f"{tmp}/invalid.bin")
valid_lines = [l.rstrip("\n").encode() for l in open(f"{tmp}/valid.jsonl")]
mixed_lines = [l.rstrip("\n").encode() for l in open(f"{tmp}/mixed.jsonl")]

def expected_key(line):
    cid = json.loads(line)["event"]["customer-id"]
    return str(cid) if cid is not None else None

def check_raw(cid, lines, what):
    recs = [r for r in raw if r[1].get("correlation_id") == cid]
    say(len(recs) == len(lines), f"{what}: {len(recs)} raw records with correlation_id {cid} (expected {len(lines)})")
    bodies = sorted(r[2][5:] for r in recs)
    say(bodies == sorted(lines), f"{what}: raw values are the events' bytes exactly as sent")
    say(all(r[2][0] == 0 and struct.unpack(">i", r[2][1:5])[0] == registry_id for r in recs),
        f"{what}: every value starts with 0x00 + schema id {registry_id} (the registry's id)")
    say(all(r[1].get("received_at", "").endswith("Z") for r in recs), f"{what}: received_at header (RFC 3339 UTC)")
    by_body = {r[2][5:]: r[0] for r in recs}
    keys_ok = True
    for line in lines:
        want, got = expected_key(line), by_body.get(line)
        if want is not None and got != want: keys_ok = False
        if want is None and not (got or "").startswith("anon-"): keys_ok = False
    say(keys_ok, f"{what}: keys are customer-id, else anon-<hash of ip + user-agent>")

check_raw(cid_valid, valid_lines, "valid batch")
check_raw(cid_mixed, mixed_lines[:3], "mixed batch")
check_raw(cid_charset, valid_lines, "charset batch")

inv = [r for r in invalid if r[1].get("correlation_id") == cid_mixed]
say(len(inv) == 2, f"mixed batch: {len(inv)} invalid records (expected 2)")
docs = [json.loads(r[2]) for r in inv]
say(all(d["correlation_id"] == cid_mixed and d["errors"] and all({"pointer", "keyword", "message"} <= set(e) for e in d["errors"]) for d in docs),
    "invalid records carry errors (pointer, keyword, message) and the correlation id")
say(sorted(d["original"].encode() for d in docs) == sorted(mixed_lines[3:]), "invalid records keep the original text")
say(all(d["schema"]["subject"] == "acme.clickstream.raw.events-value" and d["schema"]["id"] == registry_id for d in docs),
    "invalid records name the schema subject and id checked")
say(any(e["keyword"] == "enum" and e["pointer"] == "/type" for d in docs for e in d["errors"]), "unknown type: enum error at /type")
say(any(r[0] == "5" for r in inv), "invalid record keyed by customer-id where derivable")
for cid, reason in ((cid_malformed, "not_json"), (cid_object, "not_array")):
    recs = [json.loads(r[2]) for r in invalid if r[1].get("correlation_id") == cid]
    say(len(recs) == 1 and recs[0]["reason"] == reason, f"{reason} request stored once in the invalid topic with its reason")
PY
while IFS= read -r line; do
  case "$line" in
    ok*) ok "${line#ok   }" ;;
    *) not_ok "${line#FAIL }" ;;
  esac
done <"$TMP/topic-checks"

# -- metrics ---------------------------------------------------------------------------------------
metrics="$(curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics")"
metric() { awk -v m="$1" '$1 == m {print $2}' <<<"$metrics"; }
received="$(metric clickstream_events_received_total)"
if python3 -c "import sys; sys.exit(0 if float('${received:-0}') >= 25 else 1)"; then
  ok "clickstream_events_received_total moved ($received)"
else
  not_ok "clickstream_events_received_total is '$received', expected >= 25"
fi
check "clickstream_http_requests_total counts the 200s" 3 "$(metric 'clickstream_http_requests_total{code="200",route="/collect"}')"
check "clickstream_schema_id is the registry's" "$REGISTRY_ID" "$(metric clickstream_schema_id)"
for m in clickstream_events_valid_total clickstream_kafka_delivery_duration_seconds_count \
  clickstream_batches_in_flight process_resident_memory_bytes process_cpu_seconds_total; do
  if [[ -n "$(metric "$m")" ]]; then ok "metric $m served"; else not_ok "metric $m missing"; fi
done

# -- graceful shutdown -----------------------------------------------------------------------------
kill -TERM "$SERVICE_PID"
rc=0
wait "$SERVICE_PID" || rc=$?
SERVICE_PID=""
check "SIGTERM: exit 0" 0 "$rc"
if grep -q "Kafka flushed" "$TMP/service.log"; then
  ok "shutdown flushed Kafka"
else
  not_ok "no 'Kafka flushed' in the log"
fi

# -- back-pressure: one batch in flight at most -> 429 + Retry-After for the others ------------------
HTTP_PORT3="$(free_port)"
METRICS_PORT3="$(free_port)"
URL3="http://127.0.0.1:$HTTP_PORT3"
"$BIN" --http.bind=127.0.0.1 --http.port="$HTTP_PORT3" --metrics.bind=127.0.0.1 \
  --metrics.port="$METRICS_PORT3" --limits.batches-in-flight=1 >"$TMP/service-429.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$URL3/health/ready" 2>/dev/null && break
  sleep 0.2
done
seq 1 60 | xargs -P 30 -I{} curl -sS -o /dev/null -D "$TMP/h429.{}" -w '%{http_code}\n' -X POST \
  -H 'Content-Type: application/json' --data-binary @"$TMP/valid.json" "$URL3/collect" >"$TMP/codes429"
n200="$(grep -c '^200$' "$TMP/codes429" || true)"
n429="$(grep -c '^429$' "$TMP/codes429" || true)"
if ((n200 >= 1 && n429 >= 1 && n200 + n429 == 60)); then
  ok "batches-in-flight=1 under 30 concurrent clients: $n200 x 200, $n429 x 429, nothing else"
else
  not_ok "batches-in-flight=1: codes $(sort "$TMP/codes429" | uniq -c | tr '\n' ' ')"
fi
if grep -l '^HTTP/1.1 429' "$TMP"/h429.* 2>/dev/null | head -n 1 | xargs -r grep -qi '^Retry-After:'; then
  ok "429 carries Retry-After"
else
  not_ok "no 429 with Retry-After"
fi
kill -TERM "$SERVICE_PID"
rc=0
wait "$SERVICE_PID" || rc=$?
SERVICE_PID=""
check "SIGTERM after the burst: exit 0" 0 "$rc"

# -- Kafka unreachable: never a 200 ---------------------------------------------------------------
HTTP_PORT2="$(free_port)"
METRICS_PORT2="$(free_port)"
URL2="http://127.0.0.1:$HTTP_PORT2"
"$BIN" --http.bind=127.0.0.1 --http.port="$HTTP_PORT2" --metrics.bind=127.0.0.1 \
  --metrics.port="$METRICS_PORT2" --kafka.bootstrap-servers=127.0.0.1:1 \
  --producer.message-timeout-ms=2000 >"$TMP/service-nokafka.log" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "$URL2/health/live" 2>/dev/null && break
  sleep 0.2
done
sleep 1
check "Kafka unreachable: /health/ready 503" 503 "$(curl -sS -o /dev/null -w '%{http_code}' "$URL2/health/ready")"
code="$(curl -sS -D "$TMP/headers" -o "$TMP/answer" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' --data-binary @"$TMP/valid.json" "$URL2/collect")"
check "Kafka unreachable: POST /collect 503" 503 "$code"
if grep -qi '^Retry-After:' "$TMP/headers"; then ok "503 carries Retry-After"; else not_ok "503 without Retry-After"; fi
kill -TERM "$SERVICE_PID"
rc=0
wait "$SERVICE_PID" || rc=$?
SERVICE_PID=""
check "SIGTERM without Kafka: exit 0" 0 "$rc"

# -- port taken: clear message, non-zero exit ------------------------------------------------------
TAKEN_PORT="$(free_port)"
python3 -c 'import socket,sys,time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
open(sys.argv[2], "w").close(); time.sleep(60)' "$TAKEN_PORT" "$TMP/holder.ready" &
holder=$!
for _ in $(seq 1 100); do
  [[ -f "$TMP/holder.ready" ]] && break
  sleep 0.1
done
rc=0
timeout 20 "$BIN" --http.bind=127.0.0.1 --http.port="$TAKEN_PORT" --metrics.bind=127.0.0.1 \
  --metrics.port="$METRICS_PORT2" >"$TMP/service-port.log" 2>&1 || rc=$?
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
if ((rc != 0)) && grep -q "cannot listen on 127.0.0.1:$TAKEN_PORT" "$TMP/service-port.log"; then
  ok "port taken: exit $rc with 'cannot listen on 127.0.0.1:$TAKEN_PORT'"
else
  not_ok "port taken: exit $rc, log: $(tail -n 3 "$TMP/service-port.log")"
fi

printf '\n%d passed, %d failed\n' "$passed" "$failed"
if ((failed > 0)); then
  echo "--- service log ---" >&2
  tail -n 50 "$TMP/service.log" >&2
  exit 1
fi
