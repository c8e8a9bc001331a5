#!/usr/bin/env bash
# Fault injection (issue 10): SIGKILL under load. clickstream-generator drives a paced load of
# synthesized events (4 connections, retrying on connection errors and 503 as a client would); the
# service is killed with SIGKILL twice mid-stream and restarted on the same port. Then every request
# the generator saw answered 200 has exactly its accepted events in the raw topic and its rejected ones
# in the invalid topic (by correlation id, from the run's start offsets), and every one of those raw
# records is in acme.clickstream.latest.events exactly once (read_committed, by source
# partition/offset). Needs the platform up with topics and schemas; does not stop any platform part.
set -euo pipefail
# shellcheck source=tests/integration/lib/faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/faults.sh"
require_service_platform

EVENTS="${FAULT_SIGKILL_EVENTS:-24000}"
RATE="${FAULT_SIGKILL_RATE:-2000}"
KILLS="${FAULT_SIGKILL_KILLS:-2}"
synth "$TMP/events.jsonl" "$EVENTS" 20220201
offsets_mark "$TMP/before.json"

# Small enricher transactions, so that a kill lands inside one.
service_start sigkill --enricher.batch-max-events=50
service_wait_ready 150 || die "service not ready within 30 s"
t_run=$(now_s)
"$GEN" "$SERVICE_URL" "$TMP/events.jsonl" --concurrency 4 --rate "$RATE" --max-retries 1000 \
  --max-retry-wait 2 --timeout 10 --progress 0 --answers "$TMP/answers.txt" >"$TMP/gen.out" 2>"$TMP/gen.err" &
gen_pid=$!
bg_track "$gen_pid"

restarts=()
for round in $(seq 1 "$KILLS"); do
  sleep 2.5
  service_alive || die "service died before kill $round"
  kill -KILL "$SERVICE_PID"
  wait "$SERVICE_PID" 2>/dev/null || true
  t_kill=$(now_s)
  service_restart
  if service_wait_ready 150; then
    restarts+=("$(elapsed "$t_kill")")
  else
    not_ok "restart $round: ready again"
    finish
  fi
done
ok "SIGKILL under load $KILLS times, restarted on the same port, ready again after ${restarts[*]} s"

rc=0
wait "$gen_pid" || rc=$?
line="$(cat "$TMP/gen.out")"
figure "generator (exit $rc, $(elapsed "$t_run") s): $line"
read -r sent accepted rejected gen_failed <<<"$(generator_counts "$line")"
check "generator: every event answered (failed=0)" 0 "$gen_failed"
check "generator: sent = accepted + rejected" "$sent" "$((accepted + rejected))"

if out="$(python3 "$ACCOUNTING" --before "$TMP/before.json" --answers "$TMP/answers.txt" --latest --wait 120)"; then
  ok "every acknowledged event is in Kafka (raw or invalid by correlation id), latest exactly once"
else
  not_ok "accounting after SIGKILL (see figures)"
fi
figure "accounting: $out"
[[ "$out" == *"accepted=$accepted rejected=$rejected"* ]] ||
  not_ok "the answers file holds the generator's accepted/rejected ($accepted/$rejected)"

service_stop
check "SIGTERM after the restarts: exit 0" 0 "$SERVICE_RC"
finish
