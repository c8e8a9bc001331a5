#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/..
# Creates the four clickstream topics with Kafka's own admin tool (org.apache.kafka.tools.TopicCommand).
# Idempotent: existing topics are kept; a topic with fewer partitions than asked is grown; the unique-users
# topic is (re)set to cleanup.policy=compact.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=platform/versions.env
source "$ROOT/platform/versions.env"
# shellcheck source=scripts/lib/kafka.sh
source "$ROOT/scripts/lib/kafka.sh"

TOPIC_PARTITIONS="${TOPIC_PARTITIONS:-6}"
TOPIC_REPLICATION_FACTOR="${TOPIC_REPLICATION_FACTOR:-1}"
COMPACTED_TOPIC=acme.clickstream.unique.users
TOPICS=(acme.clickstream.raw.events acme.clickstream.invalid.events acme.clickstream.latest.events
  "$COMPACTED_TOPIC")

usage() {
  cat <<EOF
usage: scripts/create-topics.sh [--help]

Creates (if missing) the topics
$(printf '  %s\n' "${TOPICS[@]}")
with TOPIC_PARTITIONS partitions and TOPIC_REPLICATION_FACTOR replicas; $COMPACTED_TOPIC is compacted.
Idempotent: run it again and nothing changes (a topic with fewer partitions is grown to TOPIC_PARTITIONS).

Environment:
  KAFKA_BOOTSTRAP_SERVERS    (now: $KAFKA_BOOTSTRAP_SERVERS)
  TOPIC_PARTITIONS           (now: $TOPIC_PARTITIONS)
  TOPIC_REPLICATION_FACTOR   (now: $TOPIC_REPLICATION_FACTOR)
  KAFKA_COMMAND_CONFIG       optional client properties file (security settings) for the Kafka tools
Uses Kafka $KAFKA_VERSION's TopicCommand from $KAFKA_LIBS (installed by 'make up').
EOF
}

case "${1:-}" in
  -h | --help)
    usage
    exit 0
    ;;
  "") ;;
  *)
    usage >&2
    exit 2
    ;;
esac

[[ "$TOPIC_PARTITIONS" =~ ^[1-9][0-9]*$ ]] || die "TOPIC_PARTITIONS must be a positive integer, got '$TOPIC_PARTITIONS'"
[[ "$TOPIC_REPLICATION_FACTOR" =~ ^[1-9][0-9]*$ ]] ||
  die "TOPIC_REPLICATION_FACTOR must be a positive integer, got '$TOPIC_REPLICATION_FACTOR'"

CLIENT_ARGS=(--bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS")
if [[ -n "${KAFKA_COMMAND_CONFIG:-}" ]]; then CLIENT_ARGS+=(--command-config "$KAFKA_COMMAND_CONFIG"); fi

topics_tool() { kafka_run_class org.apache.kafka.tools.TopicCommand "${CLIENT_ARGS[@]}" "$@"; }

# Fail fast and clearly when Kafka is down (the admin client would otherwise retry for a minute).
if [[ -z "${KAFKA_COMMAND_CONFIG:-}" ]] && command -v kcat >/dev/null 2>&1; then
  if ! err="$(kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -m 10 2>&1 >/dev/null)"; then
    die "Kafka at $KAFKA_BOOTSTRAP_SERVERS is not reachable (is the platform up? 'make up'): ${err//$'\n'/ }"
  fi
fi
# One describe of every clickstream topic (one JVM); topics are created or altered only when needed.
# --if-exists: no error when none exists yet (a fresh cluster); a failing tool still fails.
describe_all() {
  local out
  out="$(topics_tool --describe --if-exists --topic 'acme\.clickstream\..*')" || return 1
  { grep -E '^Topic:' <<<"$out" || true; } | sed 's/\t/ /g; s/  */ /g'
}
existing="$(describe_all)" || die "describing topics on $KAFKA_BOOTSTRAP_SERVERS failed (is Kafka up? 'make up')"
changed=0

for t in "${TOPICS[@]}"; do
  configs=()
  if [[ "$t" == "$COMPACTED_TOPIC" ]]; then configs=(--config cleanup.policy=compact); fi
  desc="$(grep -F "Topic: $t " <<<"$existing" || true)"
  if [[ -z "$desc" ]]; then
    topics_tool --create --if-not-exists --topic "$t" --partitions "$TOPIC_PARTITIONS" \
      --replication-factor "$TOPIC_REPLICATION_FACTOR" "${configs[@]}" >/dev/null
    log "created $t (partitions $TOPIC_PARTITIONS, replication $TOPIC_REPLICATION_FACTOR${configs:+, cleanup.policy=compact})"
    changed=1
    continue
  fi
  parts="$(sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' <<<"$desc")"
  if ((parts < TOPIC_PARTITIONS)); then
    topics_tool --alter --topic "$t" --partitions "$TOPIC_PARTITIONS" >/dev/null
    log "$t: partitions grown from $parts to $TOPIC_PARTITIONS"
    changed=1
  elif ((parts > TOPIC_PARTITIONS)); then
    warn "$t has $parts partitions, more than TOPIC_PARTITIONS=$TOPIC_PARTITIONS (partitions cannot shrink): kept"
  fi
  if [[ "$t" == "$COMPACTED_TOPIC" ]] && ! grep -q 'cleanup.policy=compact' <<<"$desc"; then
    kafka_run_class org.apache.kafka.tools.ConfigCommand "${CLIENT_ARGS[@]}" --alter --entity-type topics \
      --entity-name "$t" --add-config cleanup.policy=compact >/dev/null
    log "$t: cleanup.policy set to compact"
    changed=1
  fi
  log "exists $t (partitions $((parts > TOPIC_PARTITIONS ? parts : TOPIC_PARTITIONS)))"
done

# Summary: one line per topic as Kafka describes it.
if ((changed)); then describe_all; else printf '%s\n' "$existing"; fi
