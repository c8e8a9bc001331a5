#!/usr/bin/env bash
# Shared helpers of the fault-injection tests (tests/integration/test_fault_*.sh). Source it first:
#   source "$(dirname "$0")/lib/faults.sh"
# It sources scripts/lib/env.sh and lib/service.sh (ok/not_ok/check/finish, service_start/restart...),
# sets ROOT, BUILD, BIN, GEN, TMP (kept when a check failed), PROBE, ACCOUNTING, and installs an EXIT
# trap that kills what the test started (bg_track) and brings back a platform component it stopped
# (platform_stop), so a failing test never leaves the shared platform broken; a test may define
# fault_cleanup_hook for its own cleanup (called first).
#
#   synth FILE N SEED            N synthesized events (2% invalid) dated 2022-02-01..03 (outside the
#                                real sample's 2022-04-20..05-25 and the other tests' days)
#   offsets_mark FILE            the four topics' end offsets (scripts/report.py offsets)
#   bg_track PID                 killed (TERM) by the EXIT trap if still running
#   rss_watch_start PID          samples the process's RSS every 0.2 s; rss_max_mib prints the peak
#   platform_stop COMPONENT      scripts/platform.sh stop COMPONENT; the EXIT trap restores it
#   platform_restore             scripts/platform.sh up (prints nothing; dies when it fails)
#   now_s                        epoch seconds with milliseconds
#   http_status URL [curl args]  the HTTP status (000 when no answer), 5 s timeout
#   post_status FILE             status of one POST /collect of FILE to $SERVICE_URL
#   wait_for SECONDS CMD...      runs CMD every 0.2 s until it succeeds; status 1 on timeout
#   figure TEXT                  an indented figure line (also collected in $TMP/figures)
#   ready_poll_start FILE        logs '<epoch s> <status of /health/ready>' every 0.25 s to FILE
#   ready_window FILE FROM TO    'polls=N statuses=S:N,...' of the polls in [FROM, TO)
#   generator_counts LINE        'sent accepted rejected failed' of the generator's summary line

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$ROOT/build}"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=tests/integration/lib/service.sh
source "$ROOT/tests/integration/lib/service.sh"
need_cmd curl kcat python3

BIN="$BUILD/clickstream-pipeline"
GEN="$BUILD/clickstream-generator"
# shellcheck disable=SC2034 # used by the tests that source this file
PROBE="$ROOT/tests/integration/lib/probe.py"
# shellcheck disable=SC2034
ACCOUNTING="$ROOT/tests/integration/lib/fault_accounting.py"
PLATFORM="$ROOT/scripts/platform.sh"
[[ -x "$BIN" && -x "$GEN" ]] || die "$BIN or $GEN not built (make build)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-fault.XXXXXX")"
BG_PIDS=()
STOPPED_COMPONENT=""
RSS_FILE="$TMP/rss.max"

# shellcheck disable=SC2317 # called by the EXIT trap
fault_cleanup() {
  local rc=$? p
  for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  service_kill
  if declare -F fault_cleanup_hook >/dev/null; then fault_cleanup_hook || true; fi
  if [[ -n "$STOPPED_COMPONENT" ]]; then
    echo "restoring $STOPPED_COMPONENT (scripts/platform.sh up)"
    "$PLATFORM" up >"$TMP/restore.out" 2>&1 || tail -n 20 "$TMP/restore.out"
  fi
  if ((rc != 0 || failed > 0)); then
    echo "files kept in $TMP"
    if [[ -n "$SERVICE_LOG" && -f "$SERVICE_LOG" ]]; then tail -n 20 "$SERVICE_LOG"; fi
  else
    rm -rf "$TMP"
  fi
}
trap fault_cleanup EXIT

# Preconditions: the topics exist and the schema is registered.
require_service_platform() {
  curl -fsS -m 5 -o /dev/null "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.raw.events-value/versions/latest" ||
    die "registry $SCHEMA_REGISTRY_URL has no acme.clickstream.raw.events-value (make up topics schemas)"
  kcat -L -b "$KAFKA_BOOTSTRAP_SERVERS" -t acme.clickstream.raw.events -m 10 2>/dev/null |
    grep -q 'topic "acme.clickstream.raw.events" with' ||
    die "Kafka $KAFKA_BOOTSTRAP_SERVERS has no topic acme.clickstream.raw.events (make up topics)"
}

synth() {
  "$GEN" --synthesize "$2" "$1" --seed "$3" --invalid-share 0.02 --synth-end-date 2022-02-03 \
    --synth-days 3 >/dev/null
}

offsets_mark() { python3 "$ROOT/scripts/report.py" offsets >"$1"; }

bg_track() { BG_PIDS+=("$1"); }

now_s() { date +%s.%3N; }

# elapsed FROM [TO]: seconds between two now_s values, one decimal.
elapsed() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.1f}")' "$1" "${2:-$(now_s)}"; }

rss_mib() { awk '/^VmRSS:/ {printf "%d\n", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

rss_watch_start() {
  local pid="$1"
  echo 0 >"$RSS_FILE"
  (
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
      kib="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
      if ((${kib:-0} > peak)); then
        peak="$kib"
        echo "$peak" >"$RSS_FILE"
      fi
      sleep 0.2
    done
  ) &
  bg_track $!
}
rss_max_mib() { echo $(($(cat "$RSS_FILE") / 1024)); }

platform_stop() {
  STOPPED_COMPONENT="$1"
  "$PLATFORM" stop "$1" >"$TMP/stop-$1.out" 2>&1 || {
    cat "$TMP/stop-$1.out"
    die "scripts/platform.sh stop $1 failed"
  }
}
platform_restore() {
  "$PLATFORM" up >"$TMP/up.out" 2>&1 || {
    tail -n 20 "$TMP/up.out"
    die "scripts/platform.sh up failed"
  }
  STOPPED_COMPONENT=""
}

http_status() {
  local url="$1"
  shift
  curl -sS -o /dev/null -w '%{http_code}' -m 5 "$@" "$url" 2>/dev/null || true
}
post_status() {
  http_status "$SERVICE_URL/collect" -X POST -H 'Content-Type: application/json' --data-binary "@$1"
}

wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

figure() {
  printf '     | %s\n' "$*"
  printf '%s\n' "$*" >>"$TMP/figures"
}

# A one-event batch of FILE's first valid line (synth output), for single POSTs.
one_event_body() { # one_event_body DATASET OUT
  python3 - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if isinstance(ev.get("id"), int) and ev.get("type") == "page_view" and "page" in ev.get("event", {}):
        open(sys.argv[2], "w").write("[" + line.strip() + "]")
        break
PY
}

ready_poll_start() {
  local file="$1"
  : >"$file"
  (
    while service_alive; do
      printf '%s %s\n' "$(now_s)" "$(http_status "$SERVICE_URL/health/ready")" >>"$file"
      sleep 0.25
    done
  ) &
  bg_track $!
}
ready_window() {
  awk -v a="$2" -v b="$3" '$1 >= a && $1 < b {n++; c[$2]++}
    END {s = ""; for (k in c) s = s (s == "" ? "" : ",") k ":" c[k]; printf "polls=%d statuses=%s\n", n, (s == "" ? "none" : s)}' "$1"
}

generator_counts() {
  sed -E 's/.*sent=([0-9]+) accepted=([0-9]+) rejected=([0-9]+) failed=([0-9]+).*/\1 \2 \3 \4/' <<<"$1"
}
