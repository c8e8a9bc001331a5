#!/usr/bin/env bash
# Fault injection (issue 10): the Kafka broker goes away under load. clickstream-generator drives a
# paced load (retrying 429/503 as told by Retry-After) and a probe client posts a one-event batch every
# 0.1 s without retrying, logging every status; a poller logs /health/ready every 0.25 s. The broker
# is stopped (scripts/platform.sh stop kafka) for FAULT_BROKER_DOWN_S seconds, then brought back with
# scripts/platform.sh up. Checks: while it is down /collect never answers 200 (the probe's log, and the
# service's own count of 200 answers for every client) and every 503 has Retry-After, readiness turns non-200 and stays so; the service's RSS stays under 200 MB; after the
# broker is back the service recovers by itself within 30 s (readiness 200 and a POST answered 200);
# every acknowledged event is in Kafka and in latest exactly once.
# DISRUPTIVE: it stops the shared broker (and restores it, also when it fails). Run it alone.
set -euo pipefail
# shellcheck source=tests/integration/lib/faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/faults.sh"
require_service_platform

DOWN_S="${FAULT_BROKER_DOWN_S:-20}"
RSS_LIMIT_MIB=200
synth "$TMP/events.jsonl" 20000 20220202
one_event_body "$TMP/events.jsonl" "$TMP/one.json"
offsets_mark "$TMP/before.json"

service_start broker
service_wait_ready 150 || die "service not ready within 30 s"
rss_watch_start "$SERVICE_PID"
ready_poll_start "$TMP/ready.log"
"$GEN" "$SERVICE_URL" "$TMP/events.jsonl" --concurrency 4 --rate 1500 --duration 600 --max-retries 1000 \
  --max-retry-wait 2 --timeout 20 --progress 0 --answers "$TMP/gen.answers" >"$TMP/gen.out" 2>"$TMP/gen.err" &
gen_pid=$!
bg_track "$gen_pid"
python3 "$PROBE" run "$SERVICE_URL" "$TMP/events.jsonl" "$TMP/probe.log" --interval 0.1 \
  --answers "$TMP/probe.answers" --stop-file "$TMP/stop" &
probe_pid=$!
bg_track "$probe_pid"
sleep 4

t_stop=$(now_s)
platform_stop kafka
t_down=$(now_s)
ok200_down="$(metric 'clickstream_http_requests_total{code="200",route="/collect"}')"
figure "broker stopped in $(elapsed "$t_stop" "$t_down") s (scripts/platform.sh stop kafka)"
not_ready() { [[ "$(http_status "$SERVICE_URL/health/ready")" != 200 ]]; }
if wait_for 15 not_ready; then
  t_not_ready=$(now_s)
  ok "readiness non-200 $(elapsed "$t_down" "$t_not_ready") s after the broker was gone"
else
  t_not_ready=$(now_s)
  not_ok "readiness non-200 within 15 s of the broker stop"
fi
sleep "$(python3 -c "import sys; print(max(0.0, $DOWN_S - float(sys.argv[1])))" "$(elapsed "$t_down")")"
ok200_up="$(metric 'clickstream_http_requests_total{code="200",route="/collect"}')"
t_up=$(now_s)
platform_restore
t_back=$(now_s)
figure "broker down for $(elapsed "$t_down" "$t_up") s; scripts/platform.sh up took $(elapsed "$t_up" "$t_back") s"

recovered() { [[ "$(http_status "$SERVICE_URL/health/ready")" == 200 && "$(post_status "$TMP/one.json")" == 200 ]]; }
if wait_for 60 recovered; then
  t_rec=$(now_s)
  rec="$(elapsed "$t_back" "$t_rec")"
  if python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 30)' "$rec"; then
    ok "recovered by itself ${rec} s after the broker was back (readiness 200, POST 200)"
  else
    not_ok "recovered within 30 s of the broker being back (took ${rec} s)"
  fi
else
  t_rec=$(now_s)
  not_ok "recovered within 60 s of the broker being back"
fi
sleep 5
touch "$TMP/stop"
kill -TERM "$gen_pid" 2>/dev/null || true
wait "$gen_pid" || true
wait "$probe_pid" || true
line="$(cat "$TMP/gen.out")"
figure "generator (stopped by SIGTERM after the recovery): $line"
[[ "$line" == generator:* ]] || die "generator: $(cat "$TMP/gen.err")"

# While the broker was down: exchanges that started after it was gone and ended before it was back.
down="$(python3 "$PROBE" summary "$TMP/probe.log" --from "$t_down" --to "$t_up")"
figure "probe while the broker was down: $down"
read -r d_n d_st d_nora _ <<<"$down"
[[ "$d_n" != requests=0 ]] || not_ok "probe requests while the broker was down"
if [[ "$d_st" =~ (^|[:,=])200: ]]; then not_ok "no 200 while the broker is down ($d_st)"; else ok "no 200 while the broker is down ($d_st)"; fi
[[ "$d_st" == *503:* ]] || not_ok "503 answers while the broker is down ($d_st)"
check "every 429/503 while down carries Retry-After" no_retry_after=0 "$d_nora"
figure "service's count of 200 answers to /collect: $ok200_down when the broker was gone, $ok200_up just before it was back"
check "no 200 to any client (generator included) while the broker is down" "$ok200_down" "$ok200_up"
figure "probe over the whole run: $(python3 "$PROBE" summary "$TMP/probe.log")"
figure "probe after recovery: $(python3 "$PROBE" summary "$TMP/probe.log" --from "$t_rec")"
ready_down="$(ready_window "$TMP/ready.log" "$t_not_ready" "$t_up")"
figure "readiness from non-200 until the broker was back: $ready_down"
if [[ "$ready_down" =~ [=,]200: ]]; then not_ok "readiness stays non-200 while the broker is down"; else ok "readiness stays non-200 while the broker is down"; fi

peak="$(rss_max_mib)"
figure "service RSS peak ${peak} MiB"
if ((peak < RSS_LIMIT_MIB)); then ok "RSS bounded (${peak} < $RSS_LIMIT_MIB MiB)"; else not_ok "RSS ${peak} MiB >= $RSS_LIMIT_MIB MiB"; fi

if out="$(python3 "$ACCOUNTING" --before "$TMP/before.json" --answers "$TMP/gen.answers" --answers "$TMP/probe.answers" --latest --wait 120)"; then
  ok "no acknowledged event missing (raw/invalid by correlation id), latest exactly once"
else
  not_ok "accounting after the broker outage"
fi
figure "accounting: $out"

figure "service log: $(grep -c 'answered 503' "$SERVICE_LOG" || true) requests answered 503 after waiting for Kafka, $(grep -c 'recreating the loop' "$SERVICE_LOG" || true) enricher loops recreated, $(grep -c 'transaction aborted' "$SERVICE_LOG" || true) transactions aborted"
service_stop
check "SIGTERM after the outage: exit 0" 0 "$SERVICE_RC"
finish
