#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/../..
# shellcheck disable=SC2016 # single-quoted snippets are expanded by the inner shell or jq
# Integration test of the local platform (issue 7): `up` (a quick no-op when already up), both scripts
# twice, topics (partitions, compaction), subjects, produce+consume a record, put+get an object in the
# bucket, registry restart keeps the schema id. Run by ctest (label integration) after `make up`.
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source scripts/lib/env.sh
# shellcheck source=platform/versions.env
source platform/versions.env
# shellcheck source=scripts/lib/kafka.sh
source scripts/lib/kafka.sh

TOPIC_PARTITIONS="${TOPIC_PARTITIONS:-6}"
passed=0
failed=0
TMP="$(mktemp -d)"
TEST_ID="platform-test-$$-$(date +%s)"
TEST_TOPIC="clickstream.$TEST_ID"
TEST_SUBJECT="clickstream.$TEST_ID-value"
TEST_KEY="platform-test/$TEST_ID.txt"

cleanup() {
  kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" \
    --delete --if-exists --topic "$TEST_TOPIC" >/dev/null 2>&1 || true
  curl -fsS -o /dev/null -X DELETE "$SCHEMA_REGISTRY_URL/subjects/$TEST_SUBJECT" 2>/dev/null || true
  curl -fsS -o /dev/null -X DELETE "$SCHEMA_REGISTRY_URL/subjects/$TEST_SUBJECT?permanent=true" 2>/dev/null || true
  s3_curl -o /dev/null -X DELETE "$S3_ENDPOINT/$S3_BUCKET/$TEST_KEY" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
  passed=$((passed + 1))
  printf 'ok   %s\n' "$*"
}
not_ok() {
  failed=$((failed + 1))
  printf 'FAIL %s\n' "$*"
}
check() { # check DESCRIPTION CMD...
  local d="$1"
  shift
  if "$@" >"$TMP/check.out" 2>&1; then ok "$d"; else
    not_ok "$d"
    sed 's/^/     | /' "$TMP/check.out" | tail -n 20
  fi
}

# --- platform up (already up: quick no-op) --------------------------------------------------------
check "platform up" scripts/platform.sh up
t0="$(date +%s%N)"
check "platform up again (no-op)" scripts/platform.sh up
ms=$((($(date +%s%N) - t0) / 1000000))
if ((ms < 5000)); then ok "second up took ${ms} ms (< 5 s)"; else not_ok "second up took ${ms} ms (>= 5 s)"; fi
check "env output evaluates" bash -c 'eval "$(scripts/platform.sh env)" && [[ -n $KAFKA_BOOTSTRAP_SERVERS && -n $S3_BUCKET ]]'
eval "$(scripts/platform.sh env)"
check "status lists five components up" bash -c '[[ $(scripts/platform.sh status | grep -cE "^(kafka|registry|connect|seaweedfs|prometheus) +up ") == 5 ]]'

# --- topics ------------------------------------------------------------------------------------------
check "create-topics.sh --help" scripts/create-topics.sh --help
check "create-topics.sh (1st run)" scripts/create-topics.sh
scripts/create-topics.sh >"$TMP/topics1" 2>/dev/null || true
scripts/create-topics.sh >"$TMP/topics2" 2>/dev/null || true
check "create-topics.sh twice gives the same topics" diff <(sed 's/TopicId: [^ ]* //' "$TMP/topics1") \
  <(sed 's/TopicId: [^ ]* //' "$TMP/topics2")
kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -J -m 10 >"$TMP/meta.json"
for t in acme.clickstream.raw.events acme.clickstream.invalid.events acme.clickstream.latest.events \
  acme.clickstream.unique.users; do
  n="$(jq --arg t "$t" '[.topics[] | select(.topic == $t) | .partitions[]] | length' "$TMP/meta.json")"
  if ((n >= TOPIC_PARTITIONS)); then ok "kcat -L: $t has $n partitions"; else not_ok "kcat -L: $t has $n partitions (want $TOPIC_PARTITIONS)"; fi
done
check "unique-users topic is compacted" bash -c "grep -E '^Topic: acme.clickstream.unique.users' '$TMP/topics1' | grep -q 'cleanup.policy=compact'"
check "raw topic is not compacted" bash -c "! grep -E '^Topic: acme.clickstream.raw.events' '$TMP/topics1' | grep -q 'cleanup.policy=compact'"

# --- produce + consume (own temporary topic) ---------------------------------------------------------
check "create test topic" kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server \
  "$KAFKA_BOOTSTRAP_SERVERS" --create --topic "$TEST_TOPIC" --partitions 1 --replication-factor 1
payload="{\"hello\":\"$TEST_ID\"}"
check "produce a record (kcat, acks=all)" bash -c "printf '%s\n' '$payload' | kcat -P -b '$KAFKA_BOOTSTRAP_SERVERS' -t '$TEST_TOPIC' -k k1 -X acks=all"
got="$(timeout 30 kcat -C -b "$KAFKA_BOOTSTRAP_SERVERS" -t "$TEST_TOPIC" -o beginning -c 1 -e -q -f '%k %s\n' 2>&1 || true)"
if [[ "$got" == "k1 $payload" ]]; then ok "consume the record back"; else not_ok "consume the record back: got '$got'"; fi

# --- schemas -----------------------------------------------------------------------------------------
check "register-schemas.sh --help" scripts/register-schemas.sh --help
# shellcheck disable=SC2015
scripts/register-schemas.sh >"$TMP/reg1" 2>"$TMP/reg1.err" && ok "register-schemas.sh (1st run)" ||
  not_ok "register-schemas.sh (1st run): $(cat "$TMP/reg1.err")"
# shellcheck disable=SC2015
scripts/register-schemas.sh >"$TMP/reg2" 2>"$TMP/reg2.err" && ok "register-schemas.sh (2nd run)" ||
  not_ok "register-schemas.sh (2nd run): $(cat "$TMP/reg2.err")"
check "same schema twice gives the same ids and versions" diff "$TMP/reg1" "$TMP/reg2"
curl -fsS "$SCHEMA_REGISTRY_URL/subjects" >"$TMP/subjects.json"
for f in schemas/*.json; do
  s="$(basename "$f" .json)-value"
  check "subject $s listed" jq -e --arg s "$s" 'index($s) != null' "$TMP/subjects.json"
  check "subject $s compatibility BACKWARD" bash -c \
    "curl -fsS '$SCHEMA_REGISTRY_URL/config/$s' | jq -e '(.compatibilityLevel // .compatibility) == \"BACKWARD\"'"
done
raw_id="$(awk '$2 == "acme.clickstream.raw.events-value" { print $4 }' "$TMP/reg1")"
if [[ "$raw_id" =~ ^[0-9]+$ ]]; then ok "raw events schema id $raw_id"; else not_ok "raw events schema id missing"; fi

# An incompatible change is refused with the registry's message (own temporary subject).
mkdir -p "$TMP/schemas"
f="$TMP/schemas/clickstream.$TEST_ID.json"
echo '{"type":"object","properties":{"ts":{"type":"string"}},"required":["ts"]}' >"$f"
check "register a test schema" scripts/register-schemas.sh "$f"
echo '{"type":"object","properties":{"ts":{"type":"integer"}},"required":["ts"]}' >"$f"
if scripts/register-schemas.sh "$f" >"$TMP/incompat.out" 2>&1; then
  not_ok "incompatible change accepted"
else
  if grep -qi 'ts\|incompatib\|compatib' "$TMP/incompat.out"; then
    ok "incompatible change refused: $(head -c 200 "$TMP/incompat.out")"
  else
    not_ok "incompatible change refused without the registry's message: $(cat "$TMP/incompat.out")"
  fi
fi

# --- registry restart keeps ids ----------------------------------------------------------------------
check "restart the registry" scripts/platform.sh restart registry
id_after="$(curl -fsS "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.raw.events-value/versions/latest" | jq -r .id)"
if [[ -n "$raw_id" && "$id_after" == "$raw_id" ]]; then ok "same schema id $id_after after registry restart"; else
  not_ok "schema id after restart: '$id_after', before: '$raw_id'"
fi
scripts/register-schemas.sh >"$TMP/reg3" 2>&1 || true
check "register-schemas.sh after restart gives the same ids" diff "$TMP/reg1" "$TMP/reg3"

# --- object store ------------------------------------------------------------------------------------
check "ListBuckets shows $S3_BUCKET" bash -c "source scripts/lib/env.sh; s3_curl -f '$S3_ENDPOINT/' | grep -qF '<Name>$S3_BUCKET</Name>'"
echo "object $TEST_ID $(date -u +%FT%TZ)" >"$TMP/object.txt"
check "put an object" s3_curl -f -X PUT --data-binary "@$TMP/object.txt" "$S3_ENDPOINT/$S3_BUCKET/$TEST_KEY"
check "get the object back, same bytes" bash -c "source scripts/lib/env.sh; s3_curl -f '$S3_ENDPOINT/$S3_BUCKET/$TEST_KEY' | cmp - '$TMP/object.txt'"
check "wrong credentials are refused" bash -c "! curl -fsS --aws-sigv4 'aws:amz:$S3_REGION:s3' --user 'nobody:wrong' '$S3_ENDPOINT/$S3_BUCKET/$TEST_KEY' -o /dev/null"

# --- Connect and Prometheus --------------------------------------------------------------------------
check "Connect REST lists connectors" bash -c "curl -fsS '$CONNECT_URL/connectors' | jq -e 'type == \"array\"'"
check "Connect REST lists plugins" bash -c "curl -fsS '$CONNECT_URL/connector-plugins?connectorsOnly=false' | jq -e 'length > 0'"
# A target's health is that of its last scrape (every 5 s): the registry was just restarted above,
# so each target gets up to 60 s to be seen up.
for job in prometheus schema-registry seaweedfs kafka kafka-connect; do
  check "Prometheus scrapes $job" bash -c \
    "for _ in \$(seq 60); do curl -fsS '$PROMETHEUS_URL/api/v1/targets?state=active' | jq -e --arg j $job '[.data.activeTargets[] | select(.labels.job == \$j and .health == \"up\")] | length == 1' && exit 0; sleep 1; done; exit 1"
done

# --- clear errors when a service is down -------------------------------------------------------------
check "create-topics.sh: clear error when Kafka is down" bash -c \
  "out=\$(KAFKA_BOOTSTRAP_SERVERS=localhost:1 scripts/create-topics.sh 2>&1); rc=\$?; echo \"\$out\"; [[ \$rc != 0 ]] && grep -q 'not reachable' <<<\"\$out\""
check "register-schemas.sh: clear error when the registry is down" bash -c \
  "out=\$(SCHEMA_REGISTRY_URL=http://localhost:1/apis/ccompat/v7 scripts/register-schemas.sh 2>&1); rc=\$?; echo \"\$out\"; [[ \$rc != 0 ]] && grep -q 'not reachable' <<<\"\$out\""

echo "$passed passed, $failed failed"
((failed == 0))
