#!/usr/bin/env bash
# Helpers for integration tests that start their own clickstream-pipeline on free ports and report
# ok/FAIL lines. Source it after scripts/lib/env.sh, with BIN and TMP set:
#   source tests/integration/lib/service.sh
#   service_start NAME [extra flags...]     # sets SERVICE_PID, SERVICE_URL, METRICS_URL, SERVICE_LOG
#   service_wait_ready || die ...
#   service_stop                            # SIGTERM, exit code in SERVICE_RC
#   service_restart                         # the same binary, ports and flags again (after a kill)
# A cleanup trap should call service_kill (SIGKILL if still running).
# ok/not_ok/check/free_port come from lib/checks.sh.

# shellcheck source=tests/integration/lib/checks.sh
source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

SERVICE_PID=""
SERVICE_URL=""
METRICS_URL=""
SERVICE_LOG=""
HTTP_PORT=""
METRICS_PORT=""
SERVICE_ARGS=()

# service_start NAME [flags...]: starts $BIN on free HTTP and metrics ports (bound to 127.0.0.1),
# log in $TMP/NAME.log.
service_start() {
  local name="$1"
  shift
  HTTP_PORT="$(free_port)"
  METRICS_PORT="$(free_port)"
  SERVICE_URL="http://127.0.0.1:$HTTP_PORT"
  METRICS_URL="http://127.0.0.1:$METRICS_PORT/metrics"
  SERVICE_LOG="$TMP/$name.log"
  SERVICE_ARGS=("$@")
  service_spawn
}

service_spawn() {
  "$BIN" --http.bind=127.0.0.1 --http.port="$HTTP_PORT" --metrics.bind=127.0.0.1 \
    --metrics.port="$METRICS_PORT" "${SERVICE_ARGS[@]}" >>"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
}

# service_restart: starts the service again on the same ports with the same flags (its log is
# appended to), e.g. after service_kill; clients keep their URL.
service_restart() {
  service_kill
  if [[ -n "$SERVICE_PID" ]]; then wait "$SERVICE_PID" 2>/dev/null || true; fi
  service_spawn
}

# service_wait_ready [TRIES]: waits (0.2 s per try, default 150) for /health/ready to answer 200.
service_wait_ready() {
  local tries="${1:-150}"
  for _ in $(seq 1 "$tries"); do
    if curl -fsS -o /dev/null "$SERVICE_URL/health/ready" 2>/dev/null; then return 0; fi
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 30 "$SERVICE_LOG" >&2
  return 1
}

service_alive() { [[ -n "$SERVICE_PID" ]] && kill -0 "$SERVICE_PID" 2>/dev/null; }

# service_stop: SIGTERM, waits; the exit code is left in SERVICE_RC (not printed: a command
# substitution would run it in a subshell, which cannot wait for the service).
# shellcheck disable=SC2034 # read by the scripts that source this file
SERVICE_RC=""
service_stop() {
  SERVICE_RC=0
  kill -TERM "$SERVICE_PID" 2>/dev/null || true
  # shellcheck disable=SC2034
  wait "$SERVICE_PID" || SERVICE_RC=$?
  SERVICE_PID=""
}

service_kill() {
  if service_alive; then kill -KILL "$SERVICE_PID" 2>/dev/null || true; fi
}

# metric NAME: the value of one sample of the service's /metrics (exact name with labels).
metric() {
  curl -fsS "$METRICS_URL" 2>/dev/null | awk -v m="$1" '$1 == m {print $2}'
}
