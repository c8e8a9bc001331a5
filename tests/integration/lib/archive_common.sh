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

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  printf 'ok   %s\n' "$*"
}
not_ok() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$*"
}
finish() {
  printf '%s: %d passed, %d failed\n' "${0##*/}" "$passed" "$failed"
  ((failed == 0))
}

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

delete_connector() {
  curl -sS -m 30 -o /dev/null -X DELETE "$CONNECT_URL/connectors/$1" 2>/dev/null || true
}

connect_pid() {
  local f="$CLICKSTREAM_HOME/state/connect/connect.pid"
  [[ -f "$f" ]] && cat "$f"
}
