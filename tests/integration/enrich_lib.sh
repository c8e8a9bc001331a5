#!/usr/bin/env bash
# Shared by test_enricher.sh and test_enricher_kill.sh (sourced, not a test itself): private topics
# per run (so other tests writing to the shared topics cannot disturb the counts), a service
# instance on free ports, cleanup.
# shellcheck disable=SC2034 # variables used by the sourcing tests

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$SRC/build}"
SAMPLE="${CLICKSTREAM_SHARED_DATA_DIR:-$SRC/../shared/data}/sample-events.jsonl"
TOOL="$SRC/tests/integration/enrich_tool.py"

# shellcheck source=scripts/lib/env.sh
source "$SRC/scripts/lib/env.sh"
# shellcheck source=platform/versions.env
source "$SRC/platform/versions.env"
# shellcheck source=scripts/lib/kafka.sh
source "$SRC/scripts/lib/kafka.sh"

need_cmd kcat python3 curl
[[ -x "$BUILD/clickstream-pipeline" ]] || die "$BUILD/clickstream-pipeline not built (make build)"
[[ -f "$SAMPLE" ]] || die "sample not found: $SAMPLE (set CLICKSTREAM_SHARED_DATA_DIR)"
kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -m 10 >/dev/null 2>&1 ||
  die "Kafka at $KAFKA_BOOTSTRAP_SERVERS is not reachable (make up)"
curl -sf -m 5 "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.latest.events-value/versions/latest" \
  >/dev/null || die "subject acme.clickstream.latest.events-value not registered (scripts/register-schemas.sh)"

RUN="clickstream.test.enrich.$$.$(date +%s)"
WORK="$(mktemp -d)"
SVC_PID=""

topics_tool() {
  kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" "$@"
}

create_topics() {
  local t
  for t in raw invalid latest; do
    topics_tool --create --topic "$RUN.$t" --partitions 3 --replication-factor 1 >/dev/null
  done
  topics_tool --create --topic "$RUN.unique" --partitions 1 --replication-factor 1 \
    --config cleanup.policy=compact >/dev/null
  log "created topics $RUN.{raw,invalid,latest,unique}"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HTTP_PORT="$(free_port)"
METRICS_PORT="$(free_port)"

# start_service [EXTRA FLAGS...]: starts the service on the private topics, waits until ready.
start_service() {
  "$BUILD/clickstream-pipeline" --config-file="$SRC/config/clickstream.conf" \
    --http.port="$HTTP_PORT" --metrics.port="$METRICS_PORT" \
    --kafka.raw-topic="$RUN.raw" --kafka.invalid-topic="$RUN.invalid" \
    --enricher.latest-topic="$RUN.latest" --enricher.group-id="$RUN.enricher" \
    --enricher.transactional-id-prefix="$RUN" \
    --unique-users.group-id="$RUN.unique-users" --unique-users.output-topic="$RUN.unique" \
    "$@" >>"$WORK/service.log" 2>&1 &
  SVC_PID=$!
  for _ in $(seq 1 100); do
    if curl -sf -m 1 "http://127.0.0.1:$HTTP_PORT/health/ready" >/dev/null 2>&1; then
      log "service pid $SVC_PID ready on :$HTTP_PORT (metrics :$METRICS_PORT)"
      return 0
    fi
    kill -0 "$SVC_PID" 2>/dev/null || { tail -20 "$WORK/service.log" >&2; die "service exited at start"; }
    sleep 0.2
  done
  tail -20 "$WORK/service.log" >&2
  die "service not ready after 20 s"
}

stop_service() {
  [[ -n "$SVC_PID" ]] || return 0
  kill -TERM "$SVC_PID" 2>/dev/null || true
  local rc=0
  wait "$SVC_PID" || rc=$?
  SVC_PID=""
  [[ $rc -eq 0 ]] || die "service exited with $rc after SIGTERM (log: $WORK/service.log)"
}

cleanup() {
  if [[ -n "$SVC_PID" ]]; then kill -KILL "$SVC_PID" 2>/dev/null || true; fi
  topics_tool --delete --topic "$RUN\..*" >/dev/null 2>&1 || true
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

dump() { python3 "$TOOL" dump "$1" >"$WORK/$2.jsonl"; wc -l <"$WORK/$2.jsonl"; }

# wait_for_count TOPIC NAME N TIMEOUT_S: until the topic holds N committed records.
wait_for_count() {
  local n=0
  for _ in $(seq 1 "$4"); do
    n="$(dump "$1" "$2")"
    [[ "$n" -ge "$3" ]] && return 0
    sleep 1
  done
  die "$1 holds $n records, expected $3 after $4 s (log: $WORK/service.log)"
}
