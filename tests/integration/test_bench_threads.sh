#!/usr/bin/env bash
# The per-thread accounting of make bench and bench/ab.sh (scripts/lib/pipeline.sh; no platform, no
# timing): the thread groups by name, CPU ticks and the scheduler's run / wait / slice sums by group,
# and the CPU pressure counter.
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=scripts/lib/env.sh
source "$SRC/scripts/lib/env.sh"
# shellcheck source=scripts/lib/pipeline.sh
source "$SRC/scripts/lib/pipeline.sh"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# The service's thread names (docs/service.md) and what each group gathers.
groups="$(printf '%s\n' cs-http-7 cs-http-accept caf.multiplexer rdk:broker1 rdk:main cs-kafka-dr \
  cs-enricher-0 cs-unique-users java | awk "$THREAD_GROUP_AWK"' { printf "%s ", group($0) }')"
[[ "$groups" == "http http caf-workers librdkafka librdkafka delivery enricher unique-users other " ]] ||
  fail "thread groups: $groups"

# A child with two threads that spin 0.3 s each, then stay (a thread that has exited is no longer
# in /proc/PID/task): its accounting has one group, "other".
coproc BUSY {
  exec python3 -c 'import threading, time
done = [threading.Event(), threading.Event()]
def spin(ev):
    t = time.time() + 0.3
    while time.time() < t: pass
    ev.set(); time.sleep(30)
for ev in done: threading.Thread(target=spin, args=(ev,), daemon=True).start()
for ev in done: ev.wait()
print("up", flush=True); time.sleep(30)'
}
pid="$BUSY_PID"
trap 'kill "$pid" 2>/dev/null || true' EXIT
read -r up <&"${BUSY[0]}"
[[ "$up" == up ]] || fail "the busy child did not start"

line="$(thread_sched "$pid")"
read -r g run wait slices <<<"$line"
[[ "$g" == other ]] || fail "thread_sched group: $line"
((run > 200000000)) || fail "thread_sched run time below 0.2 s (two threads spun 0.3 s, one at a time under the GIL): $line"
if ! [[ "$wait" =~ ^[0-9]+$ ]] || ((slices < 3)); then fail "thread_sched wait / slices: $line"; fi
read -r g2 run2 _ _ <<<"$(thread_sched "$pid" all)"
[[ "$g2" == all && "$run2" -ge "$run" ]] || fail "thread_sched all: $g2 $run2"
read -r g3 ticks <<<"$(thread_ticks "$pid")"
if [[ "$g3" != other ]] || ((ticks < 20)); then fail "thread_ticks: $g3 $ticks (clock ticks, 100 a second)"; fi
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

[[ -z "$(thread_sched 999999999)" ]] || fail "thread_sched of a missing process prints nothing"
psi="$(psi_cpu_some_us)"
[[ "$psi" =~ ^[0-9]+$ ]] || fail "psi_cpu_some_us: '$psi'"
echo "test_bench_threads: ok"
