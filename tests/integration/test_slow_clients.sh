#!/usr/bin/env bash
# Slow clients (issue 10, section 2): a service with a small HTTP pool (http.threads=4) is held by
# many more idle connections than threads plus slowloris connections (request heads sent one byte
# every 2 s), reopened as soon as the server drops them; meanwhile a normal client must still get
# answers: GET /ping and a valid POST /collect, each within a generous 10 s, five times over ~30 s.
# The connection guards (runtime/guarded_server, http.first-byte-timeout-ms, http.head-timeout-ms,
# http.max-connections; RELIABILITY.md section 3) make this pass; their counters must show it.
# Needs the platform up with topics and schemas (scripts/test.sh does it).
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$ROOT/build}"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source scripts/lib/env.sh
# shellcheck source=tests/integration/lib/service.sh
source tests/integration/lib/service.sh
need_cmd curl python3

BIN="$BUILD/clickstream-pipeline"
[[ -x "$BIN" ]] || die "$BIN not built (make build)"
THREADS=4
IDLE="${SLOW_TEST_IDLE:-64}"
SLOW="${SLOW_TEST_SLOW:-8}"
DEADLINE_S=10

TMP="$(mktemp -d)"
ATTACK_PID=""
cleanup() {
  if [[ -n "$ATTACK_PID" ]]; then kill "$ATTACK_PID" 2>/dev/null || true; fi
  service_kill
  rm -rf "$TMP"
}
trap cleanup EXIT

service_start slow --http.threads="$THREADS"
service_wait_ready 150 || die "service not ready within 30 s"
ok "service ready on $SERVICE_URL with http.threads=$THREADS"

python3 tests/integration/lib/slow_clients.py 127.0.0.1 "$HTTP_PORT" "$IDLE" "$SLOW" "$TMP/attack" &
ATTACK_PID=$!
sleep 3
ok "attack running: $IDLE idle + $SLOW slowloris connections ($(cat "$TMP/attack" 2>/dev/null || echo starting))"

valid='[{"id":1,"type":"search","event":{"user-agent":"Mozilla/5.0","ip":"1.2.3.4","customer-id":7,"timestamp":"2022-03-28T07:38:46.290271","query":"slow clients"}}]'
times=()
for round in 1 2 3 4 5; do
  ping="$(curl -sS -m "$DEADLINE_S" -o /dev/null -w '%{http_code} %{time_total}' "$SERVICE_URL/ping" 2>/dev/null || echo "000 timeout")"
  post="$(curl -sS -m "$DEADLINE_S" -o /dev/null -w '%{http_code} %{time_total}' -X POST \
    -H 'Content-Type: application/json' --data-binary "$valid" "$SERVICE_URL/collect" 2>/dev/null ||
    echo "000 timeout")"
  check "round $round: GET /ping answered within ${DEADLINE_S}s (took ${ping#* } s)" 200 "${ping%% *}"
  check "round $round: POST /collect answered within ${DEADLINE_S}s (took ${post#* } s)" 200 "${post%% *}"
  times+=("${ping#* }" "${post#* }")
  sleep 4
done
echo "attack: $(cat "$TMP/attack" 2>/dev/null)"
printf 'normal client: %s answers, seconds min/median/max: %s\n' "${#times[@]}" \
  "$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%s / %s / %s", a[1], a[int((NR+1)/2)], a[NR]}')"
timed_out="$(metric clickstream_http_connections_timed_out_total || true)"
rejected="$(metric clickstream_http_connections_rejected_total || true)"
open_now="$(metric clickstream_http_connections || true)"
echo "guards: clickstream_http_connections=$open_now timed_out_total=$timed_out rejected_total=$rejected"
if [[ -n "$timed_out" ]] && awk -v v="$timed_out" 'BEGIN {exit !(v > 0)}'; then
  ok "clickstream_http_connections_timed_out_total counted the slow connections ($timed_out)"
else
  not_ok "clickstream_http_connections_timed_out_total is '$timed_out', expected > 0"
fi
kill "$ATTACK_PID" 2>/dev/null || true
wait "$ATTACK_PID" 2>/dev/null || true
ATTACK_PID=""
if service_alive; then ok "service still running after the attack"; else not_ok "service died"; fi
service_stop
check "SIGTERM after the attack: exit 0" 0 "$SERVICE_RC"

printf '\n%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
