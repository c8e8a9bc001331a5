#!/usr/bin/env bash
# Helpers shared by scripts/demo.sh, the benchmarks and the end-to-end tests: find the dataset,
# start and stop a clickstream-pipeline instance, wait for HTTP endpoints, the local broker's pid and
# a process's CPU time. Source after scripts/lib/env.sh.

# free_port: a TCP port nobody listens on right now (outside Linux's ephemeral range when possible).
free_port() {
  python3 - <<'EOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()
EOF
}

# kafka_pid: the pid listening on the local broker's port (KAFKA_BOOTSTRAP_SERVERS; empty if none,
# or if the broker is not on this machine).
kafka_pid() {
  local port="${KAFKA_BOOTSTRAP_SERVERS##*:}"
  ss -ltnpH "sport = :${port%%,*}" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n1
}

# proc_ticks PID: the CPU time (user + system, clock ticks) of PID so far; 0 if it is gone.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# THREAD_GROUP_AWK: awk function group(NAME): the service's thread group of a thread name
# (docs/service.md): http (cs-http*), caf-workers (CAF's scheduler threads, named caf.multiplexer by
# CAF 0.17: validators and producers), librdkafka (rdk:*), delivery (cs-kafka-*), enricher
# (cs-enricher-*), unique-users and other.
THREAD_GROUP_AWK='function group(name) {
  if (name ~ /^cs-http/) return "http"
  if (name == "caf.multiplexer") return "caf-workers"
  if (name ~ /^rdk:/) return "librdkafka"
  if (name ~ /^cs-kafka-/) return "delivery"
  if (name ~ /^cs-enricher/) return "enricher"
  if (name == "cs-unique-users") return "unique-users"
  return "other"
}'

# thread_ticks PID: the CPU time (user + system, clock ticks) of PID's threads so far, summed by
# thread group (THREAD_GROUP_AWK): one "GROUP TICKS" line per group.
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk "$THREAD_GROUP_AWK"'
  {
    lp = index($0, "("); rp = 0
    for (i = length($0); i > lp; i--) if (substr($0, i, 1) == ")") { rp = i; break }
    name = substr($0, lp + 1, rp - lp - 1)
    n = split(substr($0, rp + 2), f, " ")
    if (n < 13) next
    t[group(name)] += f[12] + f[13]
  } END { for (g in t) print g, t[g] }' | sort
}

# thread_sched PID [all]: the scheduler's account of PID's threads so far (/proc/PID/task/*/schedstat),
# summed by thread group (THREAD_GROUP_AWK; with "all", one group "all"): one line per group,
# "GROUP RUN_NS WAIT_NS SLICES": time on a core, time runnable but waiting for a core, and how
# many times a thread was put on a core.
thread_sched() {
  local t
  for t in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(cat "$t/schedstat" 2>/dev/null)"
  done | awk -F '\t' -v all="${2:-}" "$THREAD_GROUP_AWK"'
  {
    if (split($2, f, " ") < 3) next
    g = all != "" ? "all" : group($1)
    run[g] += f[1]; wait[g] += f[2]; n[g] += f[3]
  } END { for (g in run) printf "%s %.0f %.0f %.0f\n", g, run[g], wait[g], n[g] }' | sort
}

# psi_cpu_some_us: the machine's time so far (us) during which at least one runnable thread waited
# for a core (pressure stall information, /proc/pressure/cpu); 0 where the kernel has none.
psi_cpu_some_us() { sed -n 's/^some .*total=\([0-9]*\).*/\1/p' /proc/pressure/cpu 2>/dev/null | grep . || echo 0; }

# port_in_use PORT: true when something listens on 127.0.0.1:PORT.
port_in_use() {
  python3 -c 'import socket,sys; s=socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

# find_sample_dataset ROOT: the real sample, ../shared/data/sample-events.jsonl relative to the repo
# (or to any parent directory: worktrees live one level deeper); empty when absent.
find_sample_dataset() {
  local dir
  dir="$(cd "$1" && pwd)"
  if [[ -n "${CLICKSTREAM_DATASET:-}" ]]; then
    echo "$CLICKSTREAM_DATASET"
    return
  fi
  while :; do
    if [[ -f "$dir/shared/data/sample-events.jsonl" ]]; then
      echo "$dir/shared/data/sample-events.jsonl"
      return
    fi
    [[ "$dir" == / ]] && return
    dir="$(dirname "$dir")"
  done
}

# wait_http URL TIMEOUT_S WHAT [PID]: poll until URL answers 2xx; dies on timeout or when PID exits.
wait_http() {
  try_wait_http "$@" || die "$WAIT_HTTP_ERROR"
}

# try_wait_http URL TIMEOUT_S WHAT [PID]: as wait_http, but returns 1 (reason in WAIT_HTTP_ERROR).
try_wait_http() {
  local url="$1" timeout="$2" what="$3" pid="${4:-}" start=$SECONDS
  WAIT_HTTP_ERROR=""
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      WAIT_HTTP_ERROR="$what exited before $url answered"
      return 1
    fi
    if ((SECONDS - start >= timeout)); then
      WAIT_HTTP_ERROR="$what did not answer $url within ${timeout}s"
      return 1
    fi
    sleep 0.5
  done
}

# start_pipeline BIN LOG HTTP_PORT METRICS_PORT: starts clickstream-pipeline in the background with
# the environment's endpoints, waits for /health/ready; sets PIPELINE_PID. Extra flags:
# PIPELINE_EXTRA_ARGS (a string, split on spaces). When it cannot listen (port 60000 lies in Linux's
# ephemeral range: an outgoing connection may hold it), it tries again once on free ports and sets
# PIPELINE_HTTP_PORT / PIPELINE_METRICS_PORT to the ports in use. Dies on failure.
start_pipeline() {
  local bin="$1" logf="$2" attempt
  PIPELINE_HTTP_PORT="$3"
  PIPELINE_METRICS_PORT="$4"
  [[ -x "$bin" ]] || die "$bin not built"
  local extra=()
  if [[ -n "${PIPELINE_EXTRA_ARGS:-}" ]]; then read -r -a extra <<<"$PIPELINE_EXTRA_ARGS"; fi
  for attempt in 1 2; do
    "$bin" "--http.port=$PIPELINE_HTTP_PORT" "--metrics.port=$PIPELINE_METRICS_PORT" "${extra[@]}" \
      >"$logf" 2>&1 &
    PIPELINE_PID=$!
    if try_wait_http "http://127.0.0.1:$PIPELINE_HTTP_PORT/health/ready" \
      "${PIPELINE_READY_TIMEOUT:-90}" "clickstream-pipeline (log: $logf)" "$PIPELINE_PID"; then
      return 0
    fi
    if ((attempt == 1)) && ! kill -0 "$PIPELINE_PID" 2>/dev/null && grep -q 'cannot listen' "$logf"; then
      warn "$(grep -m1 'cannot listen' "$logf" | sed 's/.*ERROR *//'): retrying on free ports"
      wait "$PIPELINE_PID" 2>/dev/null || true
      PIPELINE_HTTP_PORT="$(free_port)"
      PIPELINE_METRICS_PORT="$(free_port)"
      continue
    fi
    stop_pipeline
    die "$WAIT_HTTP_ERROR"
  done
}

# stop_pipeline: SIGTERM the instance started by start_pipeline, wait for it (graceful drain).
stop_pipeline() {
  [[ -n "${PIPELINE_PID:-}" ]] || return 0
  if kill -0 "$PIPELINE_PID" 2>/dev/null; then
    kill -TERM "$PIPELINE_PID" 2>/dev/null || true
    for _ in $(seq 60); do
      kill -0 "$PIPELINE_PID" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$PIPELINE_PID" 2>/dev/null; then
      warn "clickstream-pipeline (pid $PIPELINE_PID) still running 30 s after SIGTERM: SIGKILL"
      kill -KILL "$PIPELINE_PID" 2>/dev/null || true
    fi
  fi
  wait "$PIPELINE_PID" 2>/dev/null || true
  PIPELINE_PID=""
}
