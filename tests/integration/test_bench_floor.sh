#!/usr/bin/env bash
# The HTTP + Kafka floor of `make bench` (clickstream-generator --serve-null --serve-kafka TOPIC)
# against the real broker, on a topic of its own: every event of every 200 answer is in the topic
# once, byte for byte as sent, keyed like the service's records (customer-id, else anon-<hash>);
# a body that is not a JSON array gets a 400 with a JSON reason; a topic that does not exist is
# refused at start with a clear message. No timing assertion.
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$ROOT/build}"
# shellcheck source=tests/integration/lib/archive_common.sh
source "$ROOT/tests/integration/lib/archive_common.sh"
GEN="$BUILD/clickstream-generator"
[[ -x "$GEN" ]] || die "$GEN not built"
need_cmd kcat curl python3
eval "$("$ROOT/scripts/platform.sh" env)"

TOPIC="clickstream.test.floor.$$"
tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  delete_topic "$TOPIC"
  rm -rf "$tmp"
}
trap cleanup EXIT

# A topic that does not exist: refused at start (auto-create is off on the platform).
set +e
"$GEN" --serve-null "$(free_port)" --serve-kafka "$TOPIC.missing" >"$tmp/missing.out" 2>&1
rc=$?
set -e
check "a missing topic is refused with exit status 2" 2 "$rc"
if grep -q "serve-kafka" "$tmp/missing.out"; then ok "the refusal names --serve-kafka"; else
  not_ok "refusal message: $(cat "$tmp/missing.out")"
fi

create_topic "$TOPIC" 3
"$GEN" --synthesize 600 "$tmp/events.jsonl" --seed 11 --invalid-share 0 >/dev/null
port="$(free_port)"
"$GEN" --serve-null "$port" --serve-threads 4 --serve-kafka "$TOPIC" 2>"$tmp/floor.err" &
pid=$!
for i in $(seq 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && break
  kill -0 "$pid" 2>/dev/null || die "the floor endpoint exited: $(cat "$tmp/floor.err")"
  ((i < 100)) || die "the floor endpoint does not answer on port $port after 10 s"
  sleep 0.1
done

out="$("$GEN" "http://127.0.0.1:$port" "$tmp/events.jsonl" --concurrency 3 --quiet)"
check "generator summary against the floor" \
  "sent=600 accepted=600 rejected=0 failed=0" "$(sed -n 's/^generator: \(sent=[0-9]* accepted=[0-9]* rejected=[0-9]* failed=[0-9]*\).*/\1/p' <<<"$out")"

code="$(curl -s -o "$tmp/bad.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data '{"not":"an array"}' "http://127.0.0.1:$port/collect")"
check "a body that is not an array: status" 400 "$code"
if python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); assert d["error"] and d["reason"] == "not_array"' "$tmp/bad.json"; then
  ok "a body that is not an array: JSON error body"
else
  not_ok "error body: $(cat "$tmp/bad.json")"
fi

# Every 200 answer came after the acknowledgements: the topic holds each event once, as sent,
# keyed as the service keys its records.
kcat -C -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$TOPIC" -e -q -f '%k\x1f%s\n' >"$tmp/topic.txt"
cat >"$tmp/compare.py" <<'EOF'
import collections, json, sys
sent = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
got = [l.rstrip("\n").split("\x1f", 1) for l in open(sys.argv[2]) if l.strip()]
assert len(got) == len(sent), f"{len(got)} records for {len(sent)} events"
assert collections.Counter(v for _, v in got) == collections.Counter(sent), "values differ from the events sent"
for k, v in got:
    cid = json.loads(v)["event"].get("customer-id")
    if isinstance(cid, int) and cid >= 0:
        assert k == str(cid), f"key {k!r} for customer-id {cid!r}"
    else:  # anonymous visitors: "anon-" and a 64-bit hash of ip and user agent, as the service keys them
        assert k.startswith("anon-") and len(k) == 21, f"key {k!r} for an anonymous visitor"
EOF
if python3 "$tmp/compare.py" "$tmp/events.jsonl" "$tmp/topic.txt" >"$tmp/compare.out" 2>&1; then
  ok "the topic holds the 600 events once each, as sent, keyed like the service's records"
else
  not_ok "topic content: $(cat "$tmp/compare.out")"
fi

kill -TERM "$pid"
wait "$pid" || true
pid=""
if grep -q "serve-null stopped after" "$tmp/floor.err"; then ok "the floor endpoint stops on SIGTERM"; else
  not_ok "stop: $(tail -3 "$tmp/floor.err")"
fi
finish
