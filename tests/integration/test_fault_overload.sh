#!/usr/bin/env bash
# Fault injection (issue 10): overload. The service runs with small limits so that 2 cores can
# overload it (--http.threads=16, --limits.batches-in-flight=4, one validator). A well-behaved
# client posts a 5-event batch every 0.1 s throughout. For FAULT_OVERLOAD_S seconds a flood runs on
# top: clickstream-generator with 12 connections sending 100-200-event batches back to back with no
# retries, plus a probe client on 2 connections doing the same and logging every status. Checks: the
# flood gets 429/503 with Retry-After (and nothing else but 200), the service's RSS stays under its
# bound (limits.batches-in-flight x http.max-body-bytes for bodies, 200 MB in all), and the
# well-behaved client is back to 200 answers within its normal latency within 5 s of the flood's end;
# every acknowledged event is in Kafka. Does not stop any platform part.
set -euo pipefail
# shellcheck source=tests/integration/lib/faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/faults.sh"
require_service_platform

FLOOD_S="${FAULT_OVERLOAD_S:-15}"
RSS_LIMIT_MIB=200
IN_FLIGHT=4
synth "$TMP/events.jsonl" 20000 20220201
offsets_mark "$TMP/before.json"

service_start overload --http.threads=16 --limits.batches-in-flight="$IN_FLIGHT" --validator.count=1
service_wait_ready 150 || die "service not ready within 30 s"
rss_start="$(rss_mib "$SERVICE_PID")"
rss_watch_start "$SERVICE_PID"
ready_poll_start "$TMP/ready.log"
python3 "$PROBE" run "$SERVICE_URL" "$TMP/events.jsonl" "$TMP/good.log" --batch 5 --interval 0.1 \
  --answers "$TMP/good.answers" --stop-file "$TMP/stop" &
bg_track $!
good_pid=$!
sleep 5
t_flood=$(now_s)
"$GEN" "$SERVICE_URL" "$TMP/events.jsonl" --concurrency 12 --batch 100-200 --max-retries 0 \
  --duration "$FLOOD_S" --timeout 10 --progress 0 --answers "$TMP/gen.answers" >"$TMP/gen.out" 2>"$TMP/gen.err" &
gen_pid=$!
bg_track "$gen_pid"
python3 "$PROBE" run "$SERVICE_URL" "$TMP/events.jsonl" "$TMP/flood.log" --threads 2 --batch 150 \
  --interval 0 --answers "$TMP/flood.answers" --duration "$FLOOD_S" &
flood_pid=$!
bg_track "$flood_pid"
wait "$gen_pid" || true
wait "$flood_pid" || true
t_end=$(now_s)
sleep 10
touch "$TMP/stop"
wait "$good_pid" || true

line="$(cat "$TMP/gen.out")"
[[ "$line" == generator:* ]] || die "generator: $(cat "$TMP/gen.err")"
read -r sent _ _ gen_failed <<<"$(generator_counts "$line")"
figure "flood by the generator ($FLOOD_S s, 12 connections, no retries): $line"
figure "  refused (429/503, not retried): $gen_failed of $sent events ($((100 * gen_failed / (sent > 0 ? sent : 1)))%)"
flood="$(python3 "$PROBE" summary "$TMP/flood.log")"
figure "flood by the probe (2 connections, 150-event batches): $flood"
read -r _ f_st f_nora _ <<<"$flood"
if [[ "$f_st" =~ (^|[=,])(429|503): ]]; then ok "the flood gets 429/503 ($f_st)"; else not_ok "the flood gets 429/503 ($f_st)"; fi
other="$(tr ',' '\n' <<<"${f_st#statuses=}" | grep -vE '^(200|429|503):' || true)"
check "the flood gets nothing but 200/429/503" "" "$other"
check "every 429/503 carries Retry-After" no_retry_after=0 "$f_nora"
((gen_failed > 0)) || not_ok "the generator's flood was refused in part (failed=$gen_failed)"

base="$(python3 "$PROBE" summary "$TMP/good.log" --to "$t_flood")"
during="$(python3 "$PROBE" summary "$TMP/good.log" --from "$t_flood" --to "$t_end")"
after="$(python3 "$PROBE" summary "$TMP/good.log" --from "$t_end")"
figure "well-behaved client before the flood: $base"
figure "well-behaved client during the flood: $during"
figure "well-behaved client after the flood:  $after"
base_p99="$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$base")"
limit_ms="$(python3 -c 'import sys; print(max(100.0, 3 * float(sys.argv[1])))' "$base_p99")"
read -r rec good_after <<<"$(python3 "$PROBE" recovery "$TMP/good.log" --after "$t_end" --max-ms "$limit_ms")"
figure "well-behaved client: only 200s, median within ${limit_ms} ms (3 x its p99 before the flood, at least 100), from ${rec#recovery_s=} s after the flood ended on (${good_after#good_after=} answers)"
if python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 5)' "${rec#recovery_s=}" && [[ "${good_after#good_after=}" -ge 20 ]]; then
  ok "latency of a well-behaved client recovers within 5 s of the flood's end (${rec#recovery_s=} s)"
else
  not_ok "latency of a well-behaved client recovers within 5 s of the flood's end ($rec $good_after)"
fi

figure "readiness during the flood: $(ready_window "$TMP/ready.log" "$t_flood" "$t_end"); after it: $(ready_window "$TMP/ready.log" "$t_end" "$(now_s)")"
figure "service log: $(grep -c 'metadata request failed' "$SERVICE_LOG" || true) Kafka metadata probes failed (2 s timeout) during the flood, $(grep -c 'recreating the loop' "$SERVICE_LOG" || true) enricher loops recreated"
peak="$(rss_max_mib)"
figure "service RSS: ${rss_start} MiB before, peak ${peak} MiB (bodies bounded by $IN_FLIGHT x 1 MiB)"
if ((peak < RSS_LIMIT_MIB)); then ok "RSS bounded (${peak} < $RSS_LIMIT_MIB MiB)"; else not_ok "RSS ${peak} MiB >= $RSS_LIMIT_MIB MiB"; fi
figure "service counters: $(curl -fsS -m 5 "$METRICS_URL" 2>/dev/null | awk '/^clickstream_http_requests_total/ && /collect/ {printf "%s %s; ", $1, $2}' || true)"

if out="$(python3 "$ACCOUNTING" --before "$TMP/before.json" --answers "$TMP/good.answers" \
  --answers "$TMP/gen.answers" --answers "$TMP/flood.answers")"; then
  ok "every acknowledged event is in Kafka (raw or invalid by correlation id)"
else
  not_ok "accounting after the overload"
fi
figure "accounting: $out"
service_stop
check "SIGTERM after the overload: exit 0" 0 "$SERVICE_RC"
finish
