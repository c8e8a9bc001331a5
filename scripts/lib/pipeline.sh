#!/usr/bin/env bash
# Helpers shared by scripts/demo.sh and the end-to-end tests: find the dataset, start and stop a
# clickstream-pipeline instance, wait for HTTP endpoints. Source after scripts/lib/env.sh.

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
  local url="$1" timeout="$2" what="$3" pid="${4:-}" start=$SECONDS
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      die "$what exited before $url answered"
    fi
    if ((SECONDS - start >= timeout)); then
      die "$what did not answer $url within ${timeout}s"
    fi
    sleep 0.5
  done
}

# start_pipeline BIN LOG HTTP_PORT METRICS_PORT: starts clickstream-pipeline in the background with
# the environment's endpoints, waits for /health/ready; sets PIPELINE_PID. Extra flags:
# PIPELINE_EXTRA_ARGS (a string, split on spaces).
start_pipeline() {
  local bin="$1" logf="$2" http_port="$3" metrics_port="$4"
  [[ -x "$bin" ]] || die "$bin not built"
  local extra=()
  if [[ -n "${PIPELINE_EXTRA_ARGS:-}" ]]; then read -r -a extra <<<"$PIPELINE_EXTRA_ARGS"; fi
  "$bin" "--http.port=$http_port" "--metrics.port=$metrics_port" "${extra[@]}" >"$logf" 2>&1 &
  PIPELINE_PID=$!
  wait_http "http://127.0.0.1:$http_port/health/ready" "${PIPELINE_READY_TIMEOUT:-90}" \
    "clickstream-pipeline (log: $logf)" "$PIPELINE_PID"
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
