#!/usr/bin/env bash
# make bench: the service against two ceilings measured in the same run on the same machine.
#   1. HTTP ceiling: wrk -> clickstream-generator --serve-null (a do-nothing endpoint), bodies of 1-10
#      real events (tests/load/wrk-collect.lua)
#   2. Kafka ceiling: Kafka's org.apache.kafka.tools.ProducerPerformance, acks=all, idempotent, lz4,
#      linger 5, batch 262144, the real events as payloads, into a bench topic of its own
#   3. the service (build/clickstream-pipeline, free ports, bench topics of its own, enricher and
#      unique-users counter running): client concurrency sweep with wrk, maximum throughput, CPU
#      (also by thread group), peak RSS, raw-to-latest lag p99 (enricher histogram), then /collect
#      latency at half the maximum rate (clickstream-generator --rate), and the do-nothing endpoint's
#      CPU under the same pacing (the floor of the service's HTTP threads)
#   4. scaling against the number of validator and producer actors (the service restarted per point)
#   5. ingest alone: the service with the enricher and unique-users off, max and half of its max rate
#   6. the HTTP + Kafka floor: clickstream-generator --serve-null --serve-kafka (the same HTTP pool,
#      producer settings and wait for delivery reports, no validation, actors or consumers) at max
#      load and at the service's half-load rate: what any service on these parts reaches here
# Writes BENCHMARKS.md at the repository root (BENCH_RESULTS; the hand-written part after the marker
# line "<!-- hand-written below -->" is kept), the plot docs/bench-concurrency.svg (BENCH_PLOT,
# gnuplot) and prints the table, then a last line
#   bench: events_per_s=X baseline_events_per_s=Y ratio=Z p99_ms=P rss_mb=M
# Knobs (env): BENCH_DURATION (s per measurement, 10), BENCH_WARMUP (s, 3), BENCH_SWEEP ("1 4 16 32 64 128"),
# BENCH_CEILING_CONCURRENCY (16), BENCH_HALF_CONCURRENCY (auto), BENCH_KAFKA_RECORDS (1000000),
# BENCH_DRAIN_MAX (s, 30), BENCH_ACTOR_SWEEP ("1:2 2:2 4:2 2:1 2:4", validators:producers),
# BENCH_SKIP_BUILD=1, BENCH_RESULTS, BENCH_PLOT, BUILD_DIR, PIPELINE_EXTRA_ARGS.
# Only localhost; every loop is bounded; the platform is brought up (idempotent) and left running.
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

BUILD_DIR="${BUILD_DIR:-build}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-3}"
SWEEP="${BENCH_SWEEP:-1 4 16 32 64 128}"
CEIL_C="${BENCH_CEILING_CONCURRENCY:-16}"
HALF_C="${BENCH_HALF_CONCURRENCY:-auto}" # auto: max(16, half the best sweep concurrency)
KAFKA_RECORDS="${BENCH_KAFKA_RECORDS:-1000000}"
DRAIN_MAX="${BENCH_DRAIN_MAX:-30}"
RESULTS="${BENCH_RESULTS:-BENCHMARKS.md}"
PLOT="${BENCH_PLOT:-docs/bench-concurrency.svg}"
ACTOR_SWEEP="${BENCH_ACTOR_SWEEP-1:2 2:2 4:2 2:1 2:4}"
KEEP_MARKER="<!-- hand-written below -->"
MEAN_BATCH=5.5 # tests/load/wrk-collect.lua cycles batch sizes 1..10

need_cmd wrk curl python3 awk
for v in DURATION WARMUP CEIL_C KAFKA_RECORDS DRAIN_MAX; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, got '${!v}'"
done

T0=$SECONDS
step() { printf '==> [%3ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED_AT="$(date -u '+%Y-%m-%d %H:%M UTC')"
RUN_ID="$(date -u +%Y%m%d%H%M%S)-$$"
PREFIX="clickstream.bench.$RUN_ID"
T_RAW="$PREFIX.raw"
T_INVALID="$PREFIX.invalid"
T_LATEST="$PREFIX.latest"
T_UNIQUE="$PREFIX.unique"
T_PERF="$PREFIX.perf"
T_FLOOR="$PREFIX.floor"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-bench.XXXXXX")"
NULL_PID=""
SAMPLER_PID=""
PIPELINE_PID=""
TOPICS_CREATED=0
PROMSTAT=(python3 "$ROOT/bench/promstat.py")
export CLICKSTREAM_WRK_COLLECT="$ROOT/tests/load/wrk-collect.lua"

topics_tool() { kafka_run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" "$@"; }

cleanup() {
  local rc=$?
  if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if [[ -n "$NULL_PID" ]] && kill -0 "$NULL_PID" 2>/dev/null; then
    kill -TERM "$NULL_PID" 2>/dev/null || true
    wait "$NULL_PID" 2>/dev/null || true
  fi
  if [[ -n "$PIPELINE_PID" ]]; then stop_pipeline || true; fi
  if ((TOPICS_CREATED)); then
    step "deleting the bench topics ${PREFIX}.*"
    topics_tool --delete --topic "${PREFIX//./\\.}\\..*" >/dev/null 2>&1 ||
      warn "could not delete the bench topics ${PREFIX}.* (delete them by hand)"
  fi
  if ((rc != 0)); then
    echo "bench: failed (exit $rc); logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

SAMPLE="$(find_sample_dataset "$ROOT")"
if [[ -z "$SAMPLE" || ! -f "$SAMPLE" ]]; then
  SAMPLE="$WORK/synthetic.jsonl"
  SAMPLE_NOTE="synthesized (the real sample ../shared/data/sample-events.jsonl is absent)"
else
  SAMPLE_NOTE="the real sample ($SAMPLE)"
fi

# ---------------------------------------------------------------- build and platform
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  step "build (Release) in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target clickstream-pipeline clickstream-generator 2>&1 |
    grep -E '^\[ *[0-9]+%\] Linking|error|warning' >&2 || true
fi
GEN="$BUILD_DIR/clickstream-generator"
PIPE="$BUILD_DIR/clickstream-pipeline"
[[ -x "$GEN" && -x "$PIPE" ]] || die "build failed: $GEN or $PIPE missing"
grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null ||
  warn "$BUILD_DIR is not a Release build: figures will be low"
if [[ "$SAMPLE" == "$WORK/synthetic.jsonl" ]]; then
  "$GEN" --synthesize 20000 "$SAMPLE" --invalid-share 0 --seed 2022 >/dev/null
fi
MEAN_EVENT_BYTES="$(awk 'length($0) > 0 { n++; s += length($0) } END { printf "%.0f", s / n }' "$SAMPLE")"

step "platform up (scripts/platform.sh up, idempotent), topics, schemas"
scripts/platform.sh up >&2
eval "$(scripts/platform.sh env)"
scripts/create-topics.sh >&2
scripts/register-schemas.sh >&2

step "bench topics ${PREFIX}.{raw,invalid,latest,unique,perf,floor} (6 partitions, deleted at the end)"
TOPICS_CREATED=1
for t in "$T_RAW" "$T_INVALID" "$T_LATEST" "$T_PERF" "$T_FLOOR"; do
  topics_tool --create --topic "$t" --partitions 6 --replication-factor 1 >/dev/null
done
topics_tool --create --topic "$T_UNIQUE" --partitions 6 --replication-factor 1 \
  --config cleanup.policy=compact >/dev/null

# wrk_run PORT CONNECTIONS SECONDS: one wrk run with the bench body mix; prints its "wrk:" line.
wrk_run() {
  wrk -t1 -c"$2" -d"$3s" --timeout 5s -s "$ROOT/bench/wrk-bench.lua" "http://127.0.0.1:$1" -- "$SAMPLE" |
    grep '^wrk:' || die "wrk printed no summary (port $1, $2 connections)"
}
# machine_ticks: "BUSY ALL" clock ticks of all the machine's cores so far (/proc/stat);
# busy_share BUSY0 ALL0 BUSY1 ALL1: the share (0-1) of all the cores' time that was busy between.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
busy_share() { calc "($3 - $1) / ($4 - $2 > 0 ? $4 - $2 : 1)" 4; }
CLK_TCK="$(getconf CLK_TCK)"
NCPU="$(nproc)"
# field LINE KEY: the value of KEY=value in LINE.
field() { sed -n "s/.*[ :]$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

# ---------------------------------------------------------------- 1. HTTP ceiling
# start_null THREADS [ARGS...] / stop_null: the do-nothing endpoint on NULL_PORT (pid NULL_PID),
# ARGS passed on (--serve-kafka TOPIC: the HTTP + Kafka floor).
start_null() {
  NULL_PORT="$(free_port)"
  "$GEN" --serve-null "$NULL_PORT" --serve-threads "$@" >"$WORK/null.log" 2>&1 &
  NULL_PID=$!
  for _ in $(seq 40); do
    port_in_use "$NULL_PORT" && return 0
    kill -0 "$NULL_PID" 2>/dev/null || die "the null endpoint exited: $(tail -3 "$WORK/null.log")"
    sleep 0.25
  done
  die "the null endpoint does not listen on $NULL_PORT after 10 s"
}
stop_null() {
  kill -TERM "$NULL_PID" 2>/dev/null || true
  wait "$NULL_PID" 2>/dev/null || true
  NULL_PID=""
}
# null_wrk_run CONNECTIONS SECONDS: a warm-up, then wrk against the endpoint on NULL_PORT. Sets
# NW_LINE (wrk's summary), NW_EPS (requests x the mean batch a second: every answer is a 200 after
# the endpoint's work) and, over the run, what answering costs: NW_US_NULL and NW_US_MACHINE (us of
# CPU an event, the endpoint and the whole machine: wrk and the platform included), NW_BUSY (% of
# the machine's cores busy), NW_CORES (the endpoint's cores), NW_BROKER (the broker's cores; n/a
# when it does not run here).
null_wrk_run() {
  local mb0 ma0 mb1 ma1 n0 n1 k0 k1 kpid t0 dt events
  wrk_run "$NULL_PORT" "$1" "$WARMUP" >/dev/null
  read -r mb0 ma0 < <(machine_ticks)
  t0="$(date +%s.%N)" n0="$(proc_ticks "$NULL_PID")" kpid="$(kafka_pid)"
  k0="$(proc_ticks "${kpid:-0}")"
  NW_LINE="$(wrk_run "$NULL_PORT" "$1" "$2")"
  dt="$(calc "$(date +%s.%N) - $t0" 3)"
  read -r mb1 ma1 < <(machine_ticks)
  n1="$(proc_ticks "$NULL_PID")" k1="$(proc_ticks "${kpid:-0}")"
  echo "$NW_LINE" >&2
  NW_EPS="$(calc "$(field "$NW_LINE" requests) / $(field "$NW_LINE" duration_s) * $MEAN_BATCH")"
  events="$(calc "$(field "$NW_LINE" requests) * $MEAN_BATCH")"
  ((events > 0)) || die "wrk got no answer from the endpoint on $NULL_PORT: $NW_LINE"
  NW_US_NULL="$(calc "($n1 - $n0) / $CLK_TCK * 1000000 / $events" 1)"
  NW_US_MACHINE="$(calc "($mb1 - $mb0) / $CLK_TCK * 1000000 / $events" 1)"
  NW_BUSY="$(calc "100 * $(busy_share "$mb0" "$ma0" "$mb1" "$ma1")")"
  NW_CORES="$(calc "($n1 - $n0) / $CLK_TCK / $dt" 2)"
  NW_BROKER="n/a"
  if [[ -n "$kpid" ]]; then NW_BROKER="$(calc "($k1 - $k0) / $CLK_TCK / $dt" 2)"; fi
}
start_null "$CEIL_C"
step "HTTP ceiling: clickstream-generator --serve-null $NULL_PORT (--serve-threads $CEIL_C), wrk -c $CEIL_C, ${DURATION}s"
null_wrk_run "$CEIL_C" "$DURATION"
stop_null
HTTP_LINE="$NW_LINE" HTTP_EPS="$NW_EPS" HTTP_BUSY="$NW_BUSY"
HTTP_US_MACHINE="$NW_US_MACHINE" HTTP_US_NULL="$NW_US_NULL"
HTTP_P50="$(field "$HTTP_LINE" p50_ms)"
HTTP_P99="$(field "$HTTP_LINE" p99_ms)"

# ---------------------------------------------------------------- 2. Kafka ceiling
# The JVM runs with default JIT (kafka_run_class's C1-only flags would understate the ceiling).
step "Kafka ceiling: ProducerPerformance, $KAFKA_RECORDS records of the real events (mean $MEAN_EVENT_BYTES bytes), acks=all, idempotent, lz4"
KAFKA_PERF_ARGS=(--topic "$T_PERF" --num-records "$KAFKA_RECORDS" --throughput -1 --payload-file "$SAMPLE"
  --producer-props "bootstrap.servers=$KAFKA_BOOTSTRAP_SERVERS" acks=all enable.idempotence=true
  linger.ms=5 batch.size=262144 compression.type=lz4)
"$(kafka_java)" -Xmx512m -Djava.awt.headless=true -Djava.io.tmpdir="$(kafka_tools_tmpdir)" \
  -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG4J" \
  -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.ProducerPerformance "${KAFKA_PERF_ARGS[@]}" \
  >"$WORK/perf.log" 2>&1 || die "ProducerPerformance failed: $(tail -5 "$WORK/perf.log")"
KAFKA_LINE="$(grep 'records sent' "$WORK/perf.log" | tail -n1)"
[[ -n "$KAFKA_LINE" ]] || die "ProducerPerformance printed no summary: $(tail -5 "$WORK/perf.log")"
echo "$KAFKA_LINE" >&2
KAFKA_EPS="$(sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p' <<<"$KAFKA_LINE")"
KAFKA_EPS="$(calc "$KAFKA_EPS")"
KAFKA_P99="$(sed -n 's/.* \([0-9.]*\) ms 99th.*/\1/p' <<<"$KAFKA_LINE")"

if ((HTTP_EPS <= KAFKA_EPS)); then
  BASE="$HTTP_EPS" BASE_NAME="HTTP"
else
  BASE="$KAFKA_EPS" BASE_NAME="Kafka"
fi

# ---------------------------------------------------------------- 3. the service
HTTP_PORT="$(free_port)"
METRICS_PORT="$(free_port)"
step "start clickstream-pipeline on :$HTTP_PORT (metrics :$METRICS_PORT) with the bench topics"
PIPELINE_EXTRA_ARGS="--kafka.raw-topic=$T_RAW --kafka.invalid-topic=$T_INVALID \
--enricher.latest-topic=$T_LATEST --enricher.group-id=$PREFIX.enricher \
--enricher.transactional-id-prefix=$PREFIX.enricher --unique-users.group-id=$PREFIX.unique-users \
--unique-users.output-topic=$T_UNIQUE ${PIPELINE_EXTRA_ARGS:-}"
BASE_EXTRA_ARGS="$PIPELINE_EXTRA_ARGS"
export PIPELINE_EXTRA_ARGS
start_pipeline "$PIPE" "$WORK/pipeline.log" "$HTTP_PORT" "$METRICS_PORT"
HTTP_PORT="$PIPELINE_HTTP_PORT"
METRICS_PORT="$PIPELINE_METRICS_PORT"
METRICS_URL="http://127.0.0.1:$METRICS_PORT/metrics"
scrape() { curl -sf --max-time 5 -o "$1" "$METRICS_URL" || : >"$1"; }

# cpu_mark / cpu_since: CPU over an interval: CPU_SERVICE and CPU_BROKER (cores; the broker's
# only when it runs here), CPU_BUSY (% of all the machine's cores busy, from /proc/stat),
# CPU_MACHINE (the same as busy cores), CPU_THREADS (the service's cores by thread group,
# thread_ticks: "http 0.33, caf-workers 0.12, ..."), CPU_WAITS (sched_waits: how long the service's
# and the broker's threads waited for a core) and CPU_PSI (% of the time some thread waited).
cpu_mark() {
  CPU_T0="$(date +%s.%N)" CPU_S0="$(proc_ticks "$PIPELINE_PID")" CPU_KPID="$(kafka_pid)"
  CPU_K0="$(proc_ticks "${CPU_KPID:-0}")"
  read -r CPU_B0 CPU_A0 < <(machine_ticks)
  thread_ticks "$PIPELINE_PID" >"$WORK/threads.0"
  sched_snapshot "$WORK/sched.0"
  CPU_P0="$(psi_cpu_some_us)"
}
# sched_snapshot FILE: thread_sched of the service by group and of the broker as one group, sorted.
sched_snapshot() {
  {
    thread_sched "$PIPELINE_PID"
    if [[ -n "$CPU_KPID" ]]; then thread_sched "$CPU_KPID" all | sed 's/^all/broker/'; fi
  } | sort >"$1"
}
# sched_waits DT: from $WORK/sched.0 and .1 (thread_sched), "GROUP MS_A_SECOND US_A_TIME" per group
# (the service's groups in thread_ticks' order, then the broker): the time runnable threads waited
# for a core, per second of the interval, and on average each time one was put on a core.
sched_waits() {
  join "$WORK/sched.0" "$WORK/sched.1" | awk -v dt="$1" '
    { w[$1] = ($6 - $3) / 1e6 / dt; n = $7 - $4; per[$1] = n > 0 ? ($6 - $3) / 1e3 / n : 0 }
    END {
      split("http caf-workers librdkafka delivery enricher unique-users other broker", order, " ")
      for (i = 1; i <= 8; i++) if (order[i] in w) {
        printf "%s%s %.0f ms/s (%.0f us)", sep, order[i], w[order[i]], per[order[i]]; sep = ", "
      }
    }'
}
cpu_since() {
  local t1 s1 k1 b1 a1 p1 share
  t1="$(date +%s.%N)" s1="$(proc_ticks "$PIPELINE_PID")" k1="$(proc_ticks "${CPU_KPID:-0}")"
  read -r b1 a1 < <(machine_ticks)
  thread_ticks "$PIPELINE_PID" >"$WORK/threads.1"
  sched_snapshot "$WORK/sched.1"
  p1="$(psi_cpu_some_us)"
  CPU_THREADS="$(join -a 2 "$WORK/threads.0" "$WORK/threads.1" | awk -v hz="$CLK_TCK" -v dt="$(calc "$t1 - $CPU_T0" 3)" '
    { c[$1] = (NF == 3 ? $3 - $2 : $2) / hz / dt }
    END {
      split("http caf-workers librdkafka delivery enricher unique-users other", order, " ")
      for (i = 1; i <= 7; i++) if (order[i] in c) { printf "%s%s %.2f", sep, order[i], c[order[i]]; sep = ", " }
    }')"
  CPU_SERVICE="$(calc "($s1 - $CPU_S0) / $CLK_TCK / ($t1 - $CPU_T0)" 2)"
  CPU_BROKER="n/a"
  if [[ -n "$CPU_KPID" ]]; then CPU_BROKER="$(calc "($k1 - $CPU_K0) / $CLK_TCK / ($t1 - $CPU_T0)" 2)"; fi
  share="$(busy_share "$CPU_B0" "$CPU_A0" "$b1" "$a1")"
  CPU_BUSY="$(calc "100 * $share")"
  CPU_MACHINE="$(calc "$NCPU * $share" 2)"
  CPU_WAITS="$(sched_waits "$(calc "$t1 - $CPU_T0" 3)")"
  CPU_PSI="$(calc "($p1 - $CPU_P0) / 10000 / ($t1 - $CPU_T0)")"
}

# service_run CONNECTIONS SECONDS TAG: wrk against the service; sets RUN_EPS (accepted events/s from
# the service's own counters), RUN_LINE, RUN_CPU (cores; and cpu_since's figures), RUN_NOTE
# (" (broker restarted during the run)": kafka_pid changed, the machine is shared; or empty),
# files $WORK/TAG.{before,after}.prom.
service_run() {
  local c="$1" d="$2" tag="$3" t1 t2 k1 k2
  k1="$(kafka_pid)"
  scrape "$WORK/$tag.before.prom"
  cpu_mark
  t1="$(date +%s.%N)"
  RUN_LINE="$(wrk_run "$HTTP_PORT" "$c" "$d")"
  t2="$(date +%s.%N)"
  cpu_since
  scrape "$WORK/$tag.after.prom"
  local ev
  ev="$("${PROMSTAT[@]}" delta "$WORK/$tag.before.prom" "$WORK/$tag.after.prom" clickstream_events_valid_total)"
  RUN_EPS="$(calc "$ev / ($t2 - $t1)")"
  RUN_CPU="$CPU_SERVICE"
  k2="$(kafka_pid)"
  RUN_NOTE=""
  if [[ "$k1" != "$k2" ]]; then
    RUN_NOTE=" (broker restarted during the run)"
    warn "the Kafka broker was restarted during this run (pid '$k1' -> '$k2'): its figures are marked"
  fi
}

# drain: wait (bounded) until the enricher has committed every valid event the service took.
drain() {
  local start=$SECONDS f="$WORK/drain.prom" v e
  while ((SECONDS - start < DRAIN_MAX)); do
    scrape "$f"
    v="$("${PROMSTAT[@]}" sum "$f" clickstream_events_valid_total)"
    e="$("${PROMSTAT[@]}" sum "$f" clickstream_enricher_events_total)"
    ((e >= v)) && return 0
    sleep 1
  done
  warn "the enricher has not caught up after ${DRAIN_MAX}s ($e of $v events)"
}

step "warm-up: wrk -c $CEIL_C for ${WARMUP}s"
wrk_run "$HTTP_PORT" "$CEIL_C" "$WARMUP" >/dev/null

SWEEP_ROWS=""
BEST_C=""
BEST_EPS=0
for c in $SWEEP; do
  [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SWEEP: '$c' is not a positive integer"
  step "sweep: wrk -c $c for ${DURATION}s"
  service_run "$c" "$DURATION" "sweep$c"
  echo "$RUN_LINE events_per_s=$RUN_EPS cpu_cores=$RUN_CPU" >&2
  SWEEP_ROWS+="| $c | $RUN_EPS | $(calc "$RUN_EPS / $BASE" 2) | $(field "$RUN_LINE" p50_ms) | $(field "$RUN_LINE" p99_ms) | $(field "$RUN_LINE" non2xx)$RUN_NOTE | $RUN_CPU |"$'\n'
  echo "$c $RUN_EPS $(field "$RUN_LINE" p99_ms)" >>"$WORK/sweep.dat"
  if ((RUN_EPS > BEST_EPS)); then
    BEST_EPS="$RUN_EPS"
    BEST_C="$c"
  fi
done
[[ -n "$BEST_C" ]] || die "the sweep accepted no events (see $WORK/pipeline.log)"

step "waiting for the enricher to catch up (at most ${DRAIN_MAX}s)"
drain
step "maximum load: wrk -c $BEST_C for $((DURATION * 2))s (CPU, peak RSS, enricher lag)"
scrape "$WORK/lag.before.prom"
service_run "$BEST_C" "$((DURATION * 2))" max
echo "$RUN_LINE events_per_s=$RUN_EPS cpu_cores=$RUN_CPU" >&2
MAX_EPS="$RUN_EPS"
MAX_CPU="$RUN_CPU"
MAX_CPU_OTHERS="broker $CPU_BROKER cores; the machine's $NCPU cores $CPU_BUSY% busy"
MAX_CPU_THREADS="$CPU_THREADS"
MAX_CPU_WAITS="$CPU_WAITS" MAX_CPU_PSI="$CPU_PSI"
# The same CPU as microseconds an accepted event (cores / events/s), and what the throughput goal
# leaves for everything the machine runs (service, broker, client, the rest of the platform).
us_per_event() { calc "$1 * 1000000 / ($MAX_EPS > 0 ? $MAX_EPS : 1)" 1; }
MAX_US="service $(us_per_event "$MAX_CPU") ($(awk -v eps="$MAX_EPS" 'BEGIN { RS = ", "; ORS = "" }
  NF == 2 { printf "%s%s %.1f", sep, $1, $2 * 1000000 / (eps > 0 ? eps : 1); sep = ", " }' <<<"$CPU_THREADS"))"
if [[ "$CPU_BROKER" != n/a ]]; then MAX_US+=", broker $(us_per_event "$CPU_BROKER")"; fi
MAX_US+=", the whole machine $(us_per_event "$CPU_MACHINE")"
BUDGET_US="$(calc "$NCPU * 1000000 / (0.6 * $BASE)" 1)"
MAX_LINE="$RUN_LINE"
MAX_NOTE="$RUN_NOTE"
read -r KDEL_P50 _ < <("${PROMSTAT[@]}" quantile "$WORK/max.before.prom" "$WORK/max.after.prom" \
  clickstream_kafka_delivery_duration_seconds 0.50)
read -r KDEL_P99 _ < <("${PROMSTAT[@]}" quantile "$WORK/max.before.prom" "$WORK/max.after.prom" \
  clickstream_kafka_delivery_duration_seconds 0.99)
KDEL="$(calc "$KDEL_P50 * 1000" 1) / $(calc "$KDEL_P99 * 1000" 1) ms"
step "waiting for the enricher to catch up (at most ${DRAIN_MAX}s)"
drain
scrape "$WORK/lag.after.prom"
read -r LAG_P99 LAG_N < <("${PROMSTAT[@]}" quantile "$WORK/lag.before.prom" "$WORK/lag.after.prom" \
  clickstream_enricher_latency_seconds 0.99)
read -r LAG_P50 _ < <("${PROMSTAT[@]}" quantile "$WORK/lag.before.prom" "$WORK/lag.after.prom" \
  clickstream_enricher_latency_seconds 0.50)
ENRICHED="$("${PROMSTAT[@]}" delta "$WORK/lag.before.prom" "$WORK/lag.after.prom" clickstream_enricher_events_total)"
INGESTED="$("${PROMSTAT[@]}" delta "$WORK/lag.before.prom" "$WORK/lag.after.prom" clickstream_events_valid_total)"
if [[ "$LAG_N" == 0 ]]; then
  LAG_P99_MS="n/a" LAG_P50_MS="n/a"
  warn "no enricher commits observed (is the enricher enabled?): lag skipped"
else
  LAG_P99_MS="$(calc "$LAG_P99 * 1000")" LAG_P50_MS="$(calc "$LAG_P50 * 1000")"
fi

HALF_RATE="$(calc "$MAX_EPS / 2")"
if [[ "$HALF_C" == auto ]]; then HALF_C=$((BEST_C / 2 > 16 ? BEST_C / 2 : 16)); fi
[[ "$HALF_C" =~ ^[1-9][0-9]*$ ]] || die "BENCH_HALF_CONCURRENCY must be a positive integer or auto, got '$HALF_C'"
# paced_run RATE SECONDS TAG: the generator at RATE events/s on HALF_C connections against the service;
# sets PACED_LINE (its summary line).
paced_run() {
  local rc
  step "$3: clickstream-generator --rate $1 --concurrency $HALF_C for $2s"
  set +e
  cpu_mark
  PACED_LINE="$("$GEN" "http://127.0.0.1:$HTTP_PORT" "$SAMPLE" --rate "$1" --concurrency "$HALF_C" \
    --duration "$2" --quiet 2>"$WORK/$3.err")"
  rc=$?
  cpu_since
  set -e
  echo "$PACED_LINE" >&2
  [[ "$PACED_LINE" == generator:* ]] || die "the generator printed no summary (exit $rc): $(tail -3 "$WORK/$3.err")"
}
# kafka_latency_sampler FILE: while it runs, every 5 s (producer.statistics-interval-ms) one line
# "stage quantile seconds" per series of clickstream_kafka_producer_latency_seconds, a line
# "window" between scrapes.
kafka_latency_sampler() {
  while sleep 5; do
    echo window
    curl -sf --max-time 2 "$METRICS_URL" | sed -n \
      's/^clickstream_kafka_producer_latency_seconds{quantile="\([^"]*\)",stage="\([^"]*\)"} \(.*\)$/\2 \1 \3/p' || true
  done >>"$1"
}
# kafka_latency_median FILE STAGE QUANTILE: the median over the windows after the first (which
# overlaps the start), in ms; "n/a" without a value.
kafka_latency_median() {
  awk -v st="$2" -v q="$3" '$1 == "window" { w++ } w > 1 && $1 == st && $2 == q && $3 != "NaN" { print $3 * 1000 }' "$1" |
    sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "n/a"; exit }
      printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
scrape "$WORK/half.before.prom"
kafka_latency_sampler "$WORK/half.kafka-latency" &
SAMPLER_PID=$!
paced_run "$HALF_RATE" "$((DURATION * 2))" "half load"
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""
scrape "$WORK/half.after.prom"
HALF_LINE="$PACED_LINE"
read -r KDEL_HALF_P50 _ < <("${PROMSTAT[@]}" quantile "$WORK/half.before.prom" "$WORK/half.after.prom" \
  clickstream_kafka_delivery_duration_seconds 0.50)
read -r KDEL_HALF_P99 _ < <("${PROMSTAT[@]}" quantile "$WORK/half.before.prom" "$WORK/half.after.prom" \
  clickstream_kafka_delivery_duration_seconds 0.99)
KL="$WORK/half.kafka-latency"
KLAT_WINDOWS="$(awk '$1 == "window" { w++ } END { print (w > 1 ? w - 1 : 0) }' "$KL")"
KDEL_HALF="$(calc "$KDEL_HALF_P50 * 1000" 1) / $(calc "$KDEL_HALF_P99 * 1000" 1) ms per batch; per record\
 (median of $KLAT_WINDOWS windows): queued $(kafka_latency_median "$KL" queue 0.5) / $(kafka_latency_median "$KL" queue 0.99),\
 waiting to be sent $(kafka_latency_median "$KL" outbuf 0.5) / $(kafka_latency_median "$KL" outbuf 0.99),\
 round trip $(kafka_latency_median "$KL" rtt 0.5) / $(kafka_latency_median "$KL" rtt 0.99) ms"
HALF_EPS="$(calc "$(field "$HALF_LINE" events_per_s)")"
HALF_P50="$(field "$HALF_LINE" p50_ms)"
HALF_P99="$(field "$HALF_LINE" p99_ms)"
HALF_FAILED="$(field "$HALF_LINE" failed)"
HALF_CPU="service $CPU_SERVICE cores, broker $CPU_BROKER cores; the machine's $NCPU cores $CPU_BUSY% busy"
HALF_CPU_THREADS="$CPU_THREADS"
HALF_CPU_WAITS="$CPU_WAITS" HALF_CPU_PSI="$CPU_PSI"
RSS_PEAK_KB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$PIPELINE_PID/status")"
RSS_MB="$(calc "$RSS_PEAK_KB / 1024")"
# the service's HTTP pool size, from its start-up line ("... with 128 threads, ...")
NULL_HALF_THREADS="$(sed -n 's/.* with \([0-9]*\) threads.*/\1/p' "$WORK/pipeline.log" | head -n1)"
stop_pipeline

# The same paced load against the do-nothing endpoint with as many threads as the service's HTTP
# pool: what cpp-httplib's thread per connection costs at this rate before any work is done.
start_null "${NULL_HALF_THREADS:-128}"
step "the null endpoint under the half-load pacing: --serve-threads ${NULL_HALF_THREADS:-128}, generator --rate $HALF_RATE -c $HALF_C for ${DURATION}s"
"$GEN" "http://127.0.0.1:$NULL_PORT" "$SAMPLE" --rate "$HALF_RATE" --concurrency "$HALF_C" --duration 2 \
  --quiet >/dev/null 2>&1 || true
null_t0="$(date +%s.%N)" null_s0="$(proc_ticks "$NULL_PID")"
NULL_HALF_LINE="$("$GEN" "http://127.0.0.1:$NULL_PORT" "$SAMPLE" --rate "$HALF_RATE" --concurrency "$HALF_C" \
  --duration "$DURATION" --quiet 2>/dev/null || true)"
NULL_HALF_CPU="$(calc "($(proc_ticks "$NULL_PID") - $null_s0) / $CLK_TCK / ($(date +%s.%N) - $null_t0)" 2)"
stop_null
NULL_HALF_THREADS="${NULL_HALF_THREADS:-128}"
if [[ "$NULL_HALF_LINE" == generator:* ]]; then
  echo "$NULL_HALF_LINE cpu_cores=$NULL_HALF_CPU" >&2
  NULL_HALF_EPS="$(calc "$(field "$NULL_HALF_LINE" events_per_s)")"
  NULL_HALF_P99="$(field "$NULL_HALF_LINE" p99_ms)"
else # a comparison only: reported as missing, the run goes on
  warn "the generator printed no summary against the null endpoint: its half-load row is n/a"
  NULL_HALF_EPS="n/a" NULL_HALF_P99="n/a" NULL_HALF_CPU="n/a"
fi

# ---------------------------------------------------------------- 4. actor counts
# The service restarted with each validators:producers pair, wrk at the sweep's best concurrency.
# restarted_run "FLAGS" TAG: the service restarted with the base flags plus FLAGS, a warm-up, then
# service_run at the sweep's best concurrency for DURATION (sets what service_run sets).
restarted_run() {
  PIPELINE_EXTRA_ARGS="$BASE_EXTRA_ARGS $1" \
    start_pipeline "$PIPE" "$WORK/pipeline.$2.log" "$(free_port)" "$(free_port)"
  HTTP_PORT="$PIPELINE_HTTP_PORT"
  METRICS_URL="http://127.0.0.1:$PIPELINE_METRICS_PORT/metrics"
  wrk_run "$HTTP_PORT" "$BEST_C" "$WARMUP" >/dev/null
  service_run "$BEST_C" "$DURATION" "$2"
  echo "$RUN_LINE events_per_s=$RUN_EPS cpu_cores=$RUN_CPU" >&2
}
ACTOR_ROWS=""
for vp in $ACTOR_SWEEP; do
  [[ "$vp" =~ ^([1-9][0-9]*):([1-9][0-9]*)$ ]] || die "BENCH_ACTOR_SWEEP: '$vp' is not V:P"
  nv="${BASH_REMATCH[1]}" np="${BASH_REMATCH[2]}"
  step "actors: --validator.count=$nv --producer.count=$np, wrk -c $BEST_C for ${DURATION}s"
  restarted_run "--validator.count=$nv --producer.count=$np" "actors$nv.$np"
  ACTOR_ROWS+="| $nv | $np | $RUN_EPS | $(calc "$RUN_EPS / $BASE" 2) | $(field "$RUN_LINE" p50_ms) | $(field "$RUN_LINE" p99_ms) | $(field "$RUN_LINE" non2xx)$RUN_NOTE | $RUN_CPU |"$'\n'
  stop_pipeline
done

# ---------------------------------------------------------------- 5. ingest alone
# The same service with the enricher and the unique-users counter off: what the collector path
# reaches when the consumers run elsewhere.
step "ingest alone (enricher and unique-users off): wrk -c $BEST_C for ${DURATION}s, then half its rate"
restarted_run "--enricher.enabled=false --unique-users.enabled=false" ingest
INGEST_EPS="$RUN_EPS" INGEST_LINE="$RUN_LINE" INGEST_NOTE="$RUN_NOTE"
INGEST_CPU="$RUN_CPU (broker $CPU_BROKER; the machine $CPU_BUSY% busy)"
INGEST_HALF_RATE="$(calc "$INGEST_EPS / 2")"
paced_run "$INGEST_HALF_RATE" "$DURATION" "ingest half load"
INGEST_HALF_LINE="$PACED_LINE"
INGEST_HALF_CPU="$CPU_SERVICE (broker $CPU_BROKER; the machine $CPU_BUSY% busy)"
stop_pipeline

# ---------------------------------------------------------------- 6. the HTTP + Kafka floor
# The do-nothing endpoint with the service's HTTP pool that also produces each event to a bench
# topic with the service's producer defaults and answers after the batch's last delivery report.
step "HTTP + Kafka floor: --serve-null --serve-kafka $T_FLOOR (--serve-threads $NULL_HALF_THREADS), wrk -c $BEST_C for ${DURATION}s, then the generator at $HALF_RATE events/s"
start_null "$NULL_HALF_THREADS" --serve-kafka "$T_FLOOR"
# Every answer is a 200 after its records' acknowledgements (a non-2xx count above 0 is reported
# beside the figure).
null_wrk_run "$BEST_C" "$DURATION"
FLOOR_LINE="$NW_LINE" FLOOR_EPS="$NW_EPS" FLOOR_CORES="$NW_CORES" FLOOR_BROKER="$NW_BROKER"
FLOOR_BUSY="$NW_BUSY" FLOOR_US="$NW_US_NULL" FLOOR_US_MACHINE="$NW_US_MACHINE"
set +e
FLOOR_HALF_LINE="$("$GEN" "http://127.0.0.1:$NULL_PORT" "$SAMPLE" --rate "$HALF_RATE" --concurrency "$HALF_C" \
  --duration "$((DURATION * 2))" --quiet 2>"$WORK/floor-half.err")"
set -e
stop_null
if [[ "$FLOOR_HALF_LINE" == generator:* ]]; then
  echo "$FLOOR_HALF_LINE" >&2
  FLOOR_HALF="$(field "$FLOOR_HALF_LINE" p50_ms) / $(field "$FLOOR_HALF_LINE" p99_ms) ms ($(calc "$(field "$FLOOR_HALF_LINE" events_per_s)") events/s, failed $(field "$FLOOR_HALF_LINE" failed))"
else # a comparison only: reported as missing, the run goes on
  warn "the generator printed no summary against the HTTP + Kafka floor: $(tail -3 "$WORK/floor-half.err")"
  FLOOR_HALF="n/a"
fi

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- results
RATIO="$(calc "$MAX_EPS / $BASE" 2)"
met() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "not met"; fi; }
G_TP="$(met "$RATIO >= 0.6")"
G_TP_AIM="$(met "$RATIO >= 0.85")"
G_P99="$(met "$HALF_P99 <= 20")"
G_P99_AIM="$(met "$HALF_P99 <= 5")"
G_RSS="$(met "$RSS_MB <= 200")"
G_RSS_AIM="$(met "$RSS_MB <= 64")"
if [[ "$LAG_P99_MS" == n/a ]]; then G_LAG="skipped (no enricher commits)"; else G_LAG="$(met "$LAG_P99_MS < 1000")"; fi
CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
MEM_GB="$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)"

# (computed before the results file is rewritten: it is tracked and would count as a change)
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git diff --quiet HEAD -- . ":(exclude)$RESULTS" ":(exclude)$PLOT" 2>/dev/null; then COMMIT+=" (+ local changes)"; fi
mkdir -p "$(dirname "$RESULTS")"
# The hand-written part (tuning log, profiles) after the marker survives the rewrite.
KEPT=""
if [[ -f "$RESULTS" ]] && grep -qF "$KEEP_MARKER" "$RESULTS"; then
  KEPT="$(sed -n "/^$KEEP_MARKER\$/,\$p" "$RESULTS")"
fi
PLOT_NOTE="(gnuplot missing: no plot written)"
if command -v gnuplot >/dev/null && [[ -s "$WORK/sweep.dat" ]]; then
  mkdir -p "$(dirname "$PLOT")"
  gnuplot <<EOF || warn "gnuplot failed: no plot written"
set terminal svg size 800,450 dynamic font "sans,12"
set output "$PLOT"
set title "clickstream-pipeline: /collect against client concurrency ($STARTED_AT)"
set xlabel "client connections (wrk)"
set logscale x 2
set ylabel "accepted events/s"
set y2label "p99 latency (ms)"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key top left
set grid
plot "$WORK/sweep.dat" using 1:2 with linespoints lw 2 pt 7 title "events/s", \\
     "$WORK/sweep.dat" using 1:3 axes x1y2 with linespoints lw 2 pt 5 title "p99 ms"
EOF
  [[ -s "$PLOT" ]] && PLOT_NOTE="![throughput and p99 against concurrency]($PLOT)"
fi
{
  cat <<EOF
# Benchmark results (\`make bench\`)

Written by \`scripts/bench.sh\` (see \`docs/bench.md\`); every figure below comes from ONE run.

| | |
|---|---|
| date | $STARTED_AT ($((SECONDS - T0)) s run) |
| machine | $NCPU cores ($CPU_MODEL), ${MEM_GB} GB, $(uname -sr) |
| load average before / after | $LOAD_BEFORE / $LOAD_AFTER (1, 5, 15 min; the machine is shared) |
| commit | $COMMIT |
| data | $SAMPLE_NOTE, mean event $MEAN_EVENT_BYTES bytes; HTTP bodies of 1-10 events (mean 5.5) |
| durations | ${DURATION} s per sweep point and ceiling, $((DURATION * 2)) s at max and half load, ${WARMUP} s warm-ups |

## Ceilings (same run)

| ceiling | command | figure | events/s |
|---|---|---|---|
| HTTP | \`clickstream-generator --serve-null P --serve-threads $CEIL_C\` + \`wrk -t1 -c$CEIL_C -d${DURATION}s -s bench/wrk-bench.lua\` | p50 $HTTP_P50 ms, p99 $HTTP_P99 ms | $HTTP_EPS |
| Kafka | \`ProducerPerformance --num-records $KAFKA_RECORDS --payload-file <sample> acks=all enable.idempotence=true linger.ms=5 batch.size=262144 compression.type=lz4\` (6 partitions) | p99 $KAFKA_P99 ms | $KAFKA_EPS |
| **lower ceiling** | $BASE_NAME | | **$BASE** |

At the HTTP ceiling the machine's $NCPU cores were $HTTP_BUSY% busy: $HTTP_US_MACHINE us of CPU an event
(the do-nothing endpoint $HTTP_US_NULL us, the rest wrk and the idle platform).

## The service (\`build/clickstream-pipeline\`, defaults + bench topics, enricher and unique-users on)

| figure | value | ratio | goal (aim) | |
|---|---|---|---|---|
| max throughput, accepted events/s (wrk -c $BEST_C, $((DURATION * 2)) s) | $MAX_EPS | $RATIO of the $BASE_NAME ceiling | 0.6 (0.85) | $G_TP ($G_TP_AIM) |
| /collect latency at max load p50 / p99 / p99.9 (wrk) | $(field "$MAX_LINE" p50_ms) / $(field "$MAX_LINE" p99_ms) / $(field "$MAX_LINE" p999_ms) ms | | | non-2xx: $(field "$MAX_LINE" non2xx)$MAX_NOTE |
| of which waiting for Kafka: produce to last delivery report per batch, p50 / p99 (service histogram) | $KDEL | | | |
| service CPU at max load | $MAX_CPU cores ($MAX_CPU_OTHERS) | | | |
| of which, by thread (cores) | $MAX_CPU_THREADS | | | |
| waiting for a core at max load: run-queue time by thread group per second of the run (mean a time a thread was put on a core), /proc/PID/task/*/schedstat | $MAX_CPU_WAITS | some thread waited for a core ${MAX_CPU_PSI}% of the time (/proc/pressure/cpu) | | |
| CPU an accepted event at max load (us) | $MAX_US | 0.6 of the ceiling leaves $BUDGET_US us an event for all of it | | |
| /collect latency at half load p50 / p99 (generator --rate $HALF_RATE -c $HALF_C: $HALF_EPS events/s, failed $HALF_FAILED) | $HALF_P50 / $HALF_P99 ms | p99 = $(calc "$HALF_P99 / 20" 2) x goal; null endpoint p99 $HTTP_P99 ms | 20 ms (5 ms) | $G_P99 ($G_P99_AIM) |
| of which waiting for Kafka, p50 / p99: produce to last delivery report (service histogram); librdkafka's statistics (5 s windows): produce() to a produce request (the linger included), the request waiting to be sent, its round trip | $KDEL_HALF | a batch waits for the slowest of its records (one request per partition) | | |
| CPU at half load | $HALF_CPU | | | |
| of which, by thread (cores) | $HALF_CPU_THREADS | | | |
| waiting for a core at half load (as above) | $HALF_CPU_WAITS | some thread waited for a core ${HALF_CPU_PSI}% of the time | | |
| the null endpoint under the same paced load (--serve-threads $NULL_HALF_THREADS, generator --rate $HALF_RATE -c $HALF_C: $NULL_HALF_EPS events/s, p99 $NULL_HALF_P99 ms) | $NULL_HALF_CPU cores | HTTP threads' floor at this rate | | |
| service peak RSS (VmHWM, whole run) | $RSS_MB MB | $(calc "$RSS_MB / 200" 2) x goal | 200 MB (64 MB) | $G_RSS ($G_RSS_AIM) |
| raw-to-latest lag p50 / p99 at max load (enricher histogram, bucket-interpolated) | $LAG_P50_MS / $LAG_P99_MS ms ($ENRICHED of $INGESTED events enriched by the end of the drain) | | < 1000 ms | $G_LAG |

## Throughput and latency against client concurrency (wrk, ${DURATION} s each)

| connections | accepted events/s | ratio to $BASE_NAME ceiling | p50 ms | p99 ms | non-2xx | service CPU (cores) |
|---|---|---|---|---|---|---|
${SWEEP_ROWS}
${PLOT_NOTE}

## Throughput and latency against the number of validator and producer actors (wrk -c $BEST_C, ${DURATION} s each, the service restarted per row)

| validators | producers | accepted events/s | ratio to $BASE_NAME ceiling | p50 ms | p99 ms | non-2xx | service CPU (cores) |
|---|---|---|---|---|---|---|---|
${ACTOR_ROWS}
## Ingest alone: the same service with the enricher and the unique-users counter off (${DURATION} s each)

What the collector path (HTTP, validation, Kafka acknowledgements) reaches when the consumers run on
other cores; the \`bench:\` line and the goals above are for the whole service.

| figure | value | ratio to $BASE_NAME ceiling | service CPU (cores) |
|---|---|---|---|
| max throughput, accepted events/s (wrk -c $BEST_C), p50 / p99 | $INGEST_EPS, $(field "$INGEST_LINE" p50_ms) / $(field "$INGEST_LINE" p99_ms) ms, non-2xx $(field "$INGEST_LINE" non2xx)$INGEST_NOTE | $(calc "$INGEST_EPS / $BASE" 2) | $INGEST_CPU |
| /collect latency at half that rate p50 / p99 (generator --rate $INGEST_HALF_RATE -c $HALF_C: $(calc "$(field "$INGEST_HALF_LINE" events_per_s)") events/s, failed $(field "$INGEST_HALF_LINE" failed)) | $(field "$INGEST_HALF_LINE" p50_ms) / $(field "$INGEST_HALF_LINE" p99_ms) ms | | $INGEST_HALF_CPU |

## What these parts allow together: the HTTP + Kafka floor (${DURATION} s at max load, $((DURATION * 2)) s paced)

\`clickstream-generator --serve-null P --serve-threads $NULL_HALF_THREADS --serve-kafka <topic>\`: the same
cpp-httplib pool as the service, one parse per body, each event produced as it came with the service's
producer defaults (acks=all, idempotent, lz4, linger 5 ms), the answer after the batch's last delivery
report; no validation, no actors, no enricher or counter. Any service built on these parts with this
contract stays below it on this machine; the gap to the rows above is the service's own work.

| figure | value | ratio to $BASE_NAME ceiling | CPU |
|---|---|---|---|
| max throughput, events/s written (wrk -c $BEST_C), p50 / p99 | $FLOOR_EPS, $(field "$FLOOR_LINE" p50_ms) / $(field "$FLOOR_LINE" p99_ms) ms, non-2xx $(field "$FLOOR_LINE" non2xx) | $(calc "$FLOOR_EPS / $BASE" 2) | endpoint $FLOOR_CORES cores, broker $FLOOR_BROKER; the machine $FLOOR_BUSY% busy; an event: endpoint $FLOOR_US us, the whole machine $FLOOR_US_MACHINE us |
| /collect latency at the service's half-load rate p50 / p99 (generator --rate $HALF_RATE -c $HALF_C) | $FLOOR_HALF | | |

Command: \`make bench\` (\`scripts/bench.sh\`). Accepted events/s come from the service's own
\`clickstream_events_valid_total\` over the wall time of each wrk run; latencies are wrk's (max load)
and the generator's (half load). The client runs on the same 2 cores as the service, Kafka and the
rest of the platform.
EOF
  if [[ -n "$KEPT" ]]; then
    echo
    echo "$KEPT"
  fi
} >"$RESULTS"

cat "$RESULTS"
echo "bench: events_per_s=$MAX_EPS baseline_events_per_s=$BASE ratio=$RATIO p99_ms=$HALF_P99 rss_mb=$RSS_MB"
