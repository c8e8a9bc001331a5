#!/usr/bin/env bash
# Fault injection (issue 10): the schema registry goes away.
# 1. Down at start: the registry is stopped (scripts/platform.sh stop registry), then the service is
#    started: it stays alive, /health/ready is non-200, POST /collect gets 503 with Retry-After, the log
#    says clearly why and when it retries, with a growing backoff; once the registry is back
#    (scripts/platform.sh up) the service turns ready by itself and a POST gets 200.
# 2. Down while running: with the schema cached (and polled every second), the registry is stopped
#    again for FAULT_REGISTRY_DOWN_S seconds while a probe client posts a batch every 0.1 s: every
#    answer is 200, readiness stays 200, the log says the cached schema is kept, and every acknowledged
#    event is in Kafka and in latest exactly once.
# DISRUPTIVE: it stops the shared registry twice (and restores it, also when it fails). Run it alone.
set -euo pipefail
# shellcheck source=tests/integration/lib/faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/faults.sh"
require_service_platform

DOWN_S="${FAULT_REGISTRY_DOWN_S:-10}"
synth "$TMP/events.jsonl" 5000 20220203
one_event_body "$TMP/events.jsonl" "$TMP/one.json"
offsets_mark "$TMP/before.json"

# -- 1. down at start ------------------------------------------------------------------------------
platform_stop registry
t_down=$(now_s)
service_start registry --registry.retry-initial-ms=500 --registry.retry-max-ms=4000 \
  --registry.poll-interval-ms=1000
t_start=$(now_s)
ready_poll_start "$TMP/ready.log"
sleep 8
if service_alive; then ok "service started with the registry down stays up"; else not_ok "service alive"; fi
ready_a="$(ready_window "$TMP/ready.log" "$t_start" "$(now_s)")"
figure "readiness with the registry down at start: $ready_a"
if [[ "$ready_a" =~ [=,]200: ]]; then not_ok "readiness non-200 without a schema"; else ok "readiness non-200 without a schema"; fi
headers="$(curl -sS -m 5 -o "$TMP/post-a.json" -D - -X POST -H 'Content-Type: application/json' \
  --data-binary "@$TMP/one.json" "$SERVICE_URL/collect" | tr -d '\r')"
status_a="$(head -n 1 <<<"$headers" | awk '{print $2}')"
figure "POST without a schema: $status_a $(grep -i '^retry-after' <<<"$headers" || true) $(cat "$TMP/post-a.json")"
check "POST without a schema: 503" 503 "$status_a"
if grep -qi '^retry-after: [0-9]' <<<"$headers"; then ok "503 carries Retry-After"; else not_ok "503 carries Retry-After"; fi
grep 'unavailable for subject' "$SERVICE_LOG" >"$TMP/retries.log" || true
figure "log: $(head -n 1 "$TMP/retries.log")"
mapfile -t waits < <(sed -nE 's/.*; retry [0-9]+ in ([0-9]+) ms.*/\1/p' "$TMP/retries.log")
figure "retries in 8 s: ${#waits[@]}, waits ${waits[*]} ms"
if ((${#waits[@]} >= 3)) && grep -q 'service not ready until a schema is loaded' "$TMP/retries.log"; then
  ok "a clear log line per retry, saying the service is not ready"
else
  not_ok "log lines of the registry retries (${#waits[@]})"
fi
if ((${#waits[@]} >= 3 && waits[0] < waits[${#waits[@]} - 1])); then
  ok "retries back off (${waits[*]} ms)"
else
  not_ok "retries back off (${waits[*]} ms)"
fi

t_up=$(now_s)
platform_restore
t_back=$(now_s)
figure "registry down for $(elapsed "$t_down" "$t_up") s after the service start; scripts/platform.sh up took $(elapsed "$t_up" "$t_back") s"
ready_and_posting() { [[ "$(http_status "$SERVICE_URL/health/ready")" == 200 && "$(post_status "$TMP/one.json")" == 200 ]]; }
if wait_for 30 ready_and_posting; then
  ok "ready by itself $(elapsed "$t_back") s after the registry was back, POST 200"
else
  not_ok "ready within 30 s after the registry was back"
  finish
fi

# -- 2. down while running -------------------------------------------------------------------------
python3 "$PROBE" run "$SERVICE_URL" "$TMP/events.jsonl" "$TMP/probe.log" --batch 5 --interval 0.1 \
  --answers "$TMP/probe.answers" --stop-file "$TMP/stop" &
probe_pid=$!
bg_track "$probe_pid"
sleep 2
log_lines="$(wc -l <"$SERVICE_LOG")"
t_stop=$(now_s)
platform_stop registry
t_down=$(now_s)
sleep "$DOWN_S"
t_up=$(now_s)
platform_restore
t_back=$(now_s)
sleep 2
touch "$TMP/stop"
wait "$probe_pid" || true
down="$(python3 "$PROBE" summary "$TMP/probe.log" --from "$t_stop" --to "$t_back")"
figure "registry unreachable for $(elapsed "$t_stop" "$t_back") s while running (stop to healthy again); probe meanwhile: $down"
read -r d_n d_st _ <<<"$down"
if [[ "$d_n" != requests=0 && "$d_st" =~ ^statuses=200:[0-9]+$ ]]; then
  ok "ingestion goes on with the cached schema: every POST 200 ($d_st)"
else
  not_ok "every POST 200 while the registry is down ($d_st)"
fi
ready_b="$(ready_window "$TMP/ready.log" "$t_down" "$t_up")"
figure "readiness while the registry was down: $ready_b"
if [[ "$ready_b" =~ ^polls=[1-9][0-9]*\ statuses=200:[0-9]+$ ]]; then ok "readiness stays 200"; else not_ok "readiness stays 200 ($ready_b)"; fi
kept="$(tail -n +"$log_lines" "$SERVICE_LOG" | grep -c 'keeping cached schema version' || true)"
figure "log: $(tail -n +"$log_lines" "$SERVICE_LOG" | grep -m 1 'keeping cached schema version' || true)"
if ((kept >= 1)); then ok "the log says the cached schema is kept ($kept lines)"; else not_ok "log line: keeping cached schema"; fi

if out="$(python3 "$ACCOUNTING" --before "$TMP/before.json" --answers "$TMP/probe.answers" --latest --wait 90)"; then
  ok "every acknowledged event is in Kafka, latest exactly once"
else
  not_ok "accounting after the registry outage"
fi
figure "accounting: $out"
service_stop
check "SIGTERM: exit 0" 0 "$SERVICE_RC"
finish
