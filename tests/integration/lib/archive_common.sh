#!/usr/bin/env bash
# Shared helpers of the archive integration tests (sourced). Needs ROOT set to the repository root.
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=platform/versions.env
source "$ROOT/platform/versions.env"
# shellcheck source=scripts/lib/kafka.sh
source "$ROOT/scripts/lib/kafka.sh"

LAKE="$ROOT/tests/integration/lib/lake.py"
ARCHIVE_CONFIG="$ROOT/config/connectors/clickstream-archive.json"
SINK_CLASS=io.clickstream.connect.s3.S3SinkConnector

# shellcheck source=tests/integration/lib/checks.sh
source "$ROOT/tests/integration/lib/checks.sh"

# require_platform: Connect and the object store answer, and the sink plugin is installed.
require_platform() {
  need_cmd kcat curl python3
  curl -fsS -m 5 -o /dev/null "$CONNECT_URL/" ||
    die "Kafka Connect not reachable at $CONNECT_URL: run 'make up' (after scripts/build-connect-plugin.sh)"
  curl -fsS -m 5 "$CONNECT_URL/connector-plugins" | grep -qF "$SINK_CLASS" ||
    die "$SINK_CLASS is not installed on Connect: run scripts/build-connect-plugin.sh, then make up"
  python3 "$LAKE" list "no-such-prefix/" >/dev/null ||
    die "the object store at $S3_ENDPOINT (bucket $S3_BUCKET) does not answer"
}

# create_topic NAME PARTITIONS [compact]
create_topic() {
  local args=(--bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --create --if-not-exists --topic "$1"
    --partitions "$2" --replication-factor 1)
  if [[ "${3:-}" == compact ]]; then args+=(--config cleanup.policy=compact); fi
  kafka_run_class org.apache.kafka.tools.TopicCommand "${args[@]}" >/dev/null
}

delete_topic() {
  kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" \
    --delete --if-exists --topic "$1" >/dev/null 2>&1 || true
}

# produce TOPIC FILE [HEADER]: records of FILE, separated by 0x1e, key and value separated by 0x1f.
produce() {
  local args=(-P -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$1" -K $'\x1f' -D $'\x1e' -l "$2"
    -X acks=all -X enable.idempotence=true)
  if [[ -n "${3:-}" ]]; then args+=(-H "$3"); fi
  kcat "${args[@]}"
}

# write_connector_config OUT KEY=VALUE...: the shipped archive config, placeholders filled, keys overridden.
write_connector_config() {
  local out="$1"
  shift
  ARCHIVE_TASKS_MAX="${ARCHIVE_TASKS_MAX:-2}" ARCHIVE_ROTATE_INTERVAL_MS="${ARCHIVE_ROTATE_INTERVAL_MS:-5000}" \
    ARCHIVE_S3_PREFIX="" ARCHIVE_DLQ_REPLICATION_FACTOR=1 python3 - "$ARCHIVE_CONFIG" "$out" "$@" <<'PY'
import json, os, re, sys
src, out, overrides = sys.argv[1], sys.argv[2], sys.argv[3:]
text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: os.environ[m.group(1)], open(src).read())
config = json.loads(text)
for kv in overrides:
    k, v = kv.split("=", 1)
    config[k] = v
json.dump(config, open(out, "w"), indent=2)
PY
}

# start_test_connector DESCRIPTION: creates $TOPIC (3 partitions) and the test connector $CONNECTOR
# archiving it under $PREFIX (DLQ $DLQ, 2 tasks, files rotated every 700 records or 1 s), and checks
# it is RUNNING (ok/not_ok/finish from lib/checks.sh; the config is written into $TMP).
start_test_connector() {
  create_topic "$TOPIC" 3
  write_connector_config "$TMP/$CONNECTOR.json" "topics=$TOPIC" "s3.prefix=$PREFIX" \
    "errors.deadletterqueue.topic.name=$DLQ" "tasks.max=2" "rotate.interval.ms=1000" "rotate.max.records=700"
  if "$ROOT/scripts/create-connectors.sh" "$TMP/$CONNECTOR.json" >"$TMP/create.out" 2>&1; then
    ok "test connector RUNNING ($1)"
  else
    not_ok "test connector RUNNING"
    sed 's/^/     | /' "$TMP/create.out"
    finish
  fi
}

delete_connector() {
  curl -sS -m 30 -o /dev/null -X DELETE "$CONNECT_URL/connectors/$1" 2>/dev/null || true
}

connect_pid() {
  local f="$CLICKSTREAM_HOME/state/connect/connect.pid"
  [[ -f "$f" ]] && cat "$f"
}

# write_chunks DIR RECORDS CHUNKS RUN_ID: RECORDS framed page_view events with ids 0..RECORDS-1, key and
# value separated by 0x1f, records by 0x1e (the format of produce), in DIR/chunk-NNN.bin.
write_chunks() {
  python3 - "$@" <<'PY'
import json, os, struct, sys
tmp, n, chunks, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
per = (n + chunks - 1) // chunks
for c in range(chunks):
    recs = []
    for i in range(c * per, min(n, (c + 1) * per)):
        ev = {"id": i, "run": run, "type": "page_view", "event": {"user-agent": "Mozilla/5.0",
              "ip": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", "customer-id": i % 997,
              "timestamp": "2022-04-28T07:38:46.290271", "page": f"/product/{i % 5000}"}}
        recs.append(f"visitor-{i % 101}".encode() + b"\x1f" + b"\x00" + struct.pack(">I", 1) + json.dumps(ev).encode())
    with open(os.path.join(tmp, f"chunk-{c:03d}.bin"), "wb") as f:
        f.write(b"\x1e".join(recs))
PY
}

# lake_count_ids PREFIX RECORDS: 'lines distinct missing duplicates unparsable' of the ids 0..RECORDS-1
# in the objects under PREFIX.
lake_count_ids() {
  python3 "$LAKE" lines "$1/" | python3 -c '
import collections, json, sys
ids = collections.Counter()
bad = 0
for row in sys.stdin:
    try:
        ids[json.loads(json.loads(row)["line"])["id"]] += 1
    except (ValueError, KeyError, TypeError):
        bad += 1
n = int(sys.argv[1])
missing = sum(1 for i in range(n) if ids[i] == 0)
dups = sum(c - 1 for c in ids.values() if c > 1)
print(sum(ids.values()) + bad, len(ids), missing, dups, bad)' "$2"
}

# wait_lake_complete PREFIX RECORDS DEADLINE_S: waits until no id is missing and the line count is
# stable over 4 polls (2 s apart); leaves the last counts in LAKE_LINES LAKE_DISTINCT LAKE_MISSING
# LAKE_DUPS LAKE_BAD.
# shellcheck disable=SC2034 # read by the tests
LAKE_LINES=0 LAKE_DISTINCT=0 LAKE_MISSING=0 LAKE_DUPS=0 LAKE_BAD=0
# shellcheck disable=SC2034
wait_lake_complete() {
  local deadline=$((SECONDS + $3)) stable=0 last=""
  while ((SECONDS < deadline)); do
    read -r LAKE_LINES LAKE_DISTINCT LAKE_MISSING LAKE_DUPS LAKE_BAD <<<"$(lake_count_ids "$1" "$2")"
    if ((LAKE_MISSING == 0)); then
      if [[ "$LAKE_LINES" == "$last" ]]; then stable=$((stable + 1)); else stable=0; fi
      ((stable >= 4)) && return 0
    fi
    last="$LAKE_LINES"
    sleep 2
  done
  return 1
}
