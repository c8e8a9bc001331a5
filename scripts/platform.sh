#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/..
# The local clickstream platform, as plain background processes (no Docker):
#   kafka       Apache Kafka (KRaft, broker+controller)   9092 (controller 9093)
#   registry    Apicurio Registry (Confluent-compatible)  8085 (management 8086)
#   connect     Kafka Connect, distributed mode           8083
#   seaweedfs   SeaweedFS S3 API (the data lake)          9000 (master 9333, volume 9340, filer 8888)
#   prometheus  Prometheus (Debian package)               9090
#
# usage: scripts/platform.sh up|down|status|env|clean-state|stop-kafka|stop <component>|restart <component>|logs <component>
#
# Versions and ports: platform/versions.env. Downloads and builds are cached in
# ${CLICKSTREAM_HOME:-$HOME/.cache/clickstream}; data, logs and pid files live in
# $CLICKSTREAM_HOME/state/<component>/ (log: <component>.log, pid: <component>.pid).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=platform/versions.env
source "$ROOT/platform/versions.env"
# shellcheck source=scripts/lib/kafka.sh
source "$ROOT/scripts/lib/kafka.sh"

CACHE="$CLICKSTREAM_HOME"
STATE="$CLICKSTREAM_HOME/state"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION" # jars in $KAFKA_HOME/libs (= $KAFKA_LIBS)
APICURIO_HOME="$CACHE/apicurio-registry-$APICURIO_VERSION"
WEED_BIN="$CACHE/bin/weed-$SEAWEEDFS_VERSION"
JMX_AGENT="$CACHE/jmx-exporter/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar"
DOWNLOADS="$CACHE/downloads"
PLUGIN_PATH="$STATE/connect/plugins"
CONNECT_PLUGIN_SRC="${CONNECT_PLUGIN_SRC:-$ROOT/build/connect-plugin}"
PROMETHEUS_CONFIG="${PROMETHEUS_CONFIG:-$ROOT/monitoring/prometheus.yml}"
S3_LOCAL_ENDPOINT="http://127.0.0.1:$S3_PORT"
# Optional: a separate Maven local repository (e.g. to time a cold install); default ~/.m2.
MAVEN_OPTS_REPO=()
if [[ -n "${CLICKSTREAM_MAVEN_REPO:-}" ]]; then MAVEN_OPTS_REPO=("-Dmaven.repo.local=$CLICKSTREAM_MAVEN_REPO"); fi

COMPONENTS=(kafka registry connect seaweedfs prometheus)
# Health-wait timeouts (seconds): generous, the machine may be busy compiling.
WAIT_TIMEOUT="${PLATFORM_WAIT_TIMEOUT:-180}"
STOP_TIMEOUT="${PLATFORM_STOP_TIMEOUT:-40}"

usage() {
  cat <<EOF
usage: scripts/platform.sh COMMAND

  up                 install what is missing (cached in \$CLICKSTREAM_HOME), start every component,
                     wait until each is healthy; a quick no-op when already up
  down               stop every component we started (by pid), keep the data
  status             one line per component: up/down, port, pid, version, RSS
  env                print 'export VAR=value' lines: eval "\$(scripts/platform.sh env)"
  clean-state        stop everything and wipe the data (\$CLICKSTREAM_HOME/state); caches are kept
  stop-kafka         stop only the Kafka broker ('up' brings it back)
  stop COMPONENT     stop one component (${COMPONENTS[*]}); 'up' brings it back
  restart COMPONENT  stop and start one component (${COMPONENTS[*]})
  logs COMPONENT     print the log path of a component

CLICKSTREAM_HOME=$CLICKSTREAM_HOME
Versions and ports: platform/versions.env
EOF
}

# ---------------------------------------------------------------------------------------------------
# small helpers

now() { date +%s; }

port_of() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    registry) echo "$REGISTRY_PORT" ;;
    connect) echo "$CONNECT_PORT" ;;
    seaweedfs) echo "$S3_PORT" ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
    *) die "unknown component '$1' (one of: ${COMPONENTS[*]})" ;;
  esac
}

# Every port a component listens on (checked free before start, and after stop).
ports_of() {
  case "$1" in
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT $KAFKA_METRICS_PORT" ;;
    registry) echo "$REGISTRY_PORT $REGISTRY_MANAGEMENT_PORT" ;;
    connect) echo "$CONNECT_PORT $CONNECT_METRICS_PORT" ;;
    seaweedfs)
      echo "$S3_PORT $SEAWEEDFS_MASTER_PORT $SEAWEEDFS_VOLUME_PORT $SEAWEEDFS_FILER_PORT $SEAWEEDFS_METRICS_PORT" \
        "$((S3_PORT + 10000)) $((SEAWEEDFS_MASTER_PORT + 10000)) $((SEAWEEDFS_VOLUME_PORT + 10000)) $((SEAWEEDFS_FILER_PORT + 10000))"
      ;;
    prometheus) echo "$PROMETHEUS_PORT" ;;
  esac
}

version_of() {
  case "$1" in
    kafka | connect) echo "$KAFKA_VERSION" ;;
    registry) echo "$APICURIO_VERSION" ;;
    seaweedfs) echo "${SEAWEEDFS_VERSION##*-}" ;;
    prometheus)
      if command -v prometheus >/dev/null 2>&1; then
        prometheus --version 2>&1 | awk 'NR == 1 { print $3; exit }'
      else
        echo "?"
      fi
      ;;
  esac
}

log_of() { echo "$STATE/$1/$1.log"; }
pidfile_of() { echo "$STATE/$1/$1.pid"; }

# pid_of C: the pid of component C if it is running and really ours (its command line names its state
# dir, which guards against a recycled pid); prints nothing otherwise.
pid_of() {
  local f pid
  f="$(pidfile_of "$1")"
  [[ -f "$f" ]] || return 0
  pid="$(<"$f")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE/$1"; then
    echo "$pid"
  fi
}

rss_mib() {
  awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# port_holder PORT: "pid/name" of whatever listens on PORT (empty if free).
port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
port_holder() {
  local out
  out="$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n1 || true)"
  if [[ -n "$out" ]]; then echo "$out"; elif port_listening "$1"; then echo "unknown process"; fi
}

# Health checks: quick, one attempt each.
healthy() {
  case "$1" in
    kafka) kcat -L -b "localhost:$KAFKA_PORT" -m 3 >/dev/null 2>&1 ;;
    registry) curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" 2>/dev/null ;;
    connect) curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$CONNECT_PORT/connectors" 2>/dev/null ;;
    seaweedfs)
      S3_REGION="$S3_REGION" s3_curl -f -m 3 -o /dev/null "$S3_LOCAL_ENDPOINT/" 2>/dev/null
      ;;
    prometheus) curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 2>/dev/null ;;
  esac
}

fail_component() {
  local c="$1"
  shift
  local logf
  logf="$(log_of "$c")"
  printf '%s: error: %s failed: %s\n' "${0##*/}" "$c" "$*" >&2
  if [[ -f "$logf" ]]; then
    printf -- '--- last lines of %s ---\n' "$logf" >&2
    tail -n 15 "$logf" >&2 || true
    printf -- '---\n' >&2
  fi
  printf '%s: error: %s failed; log: %s\n' "${0##*/}" "$c" "$logf" >&2
  exit 1
}

# wait_healthy C: wait until C answers; fail (with its log path) if its process exits or on timeout.
wait_healthy() {
  local c="$1" start pid
  start="$(now)"
  while ! healthy "$c"; do
    pid="$(pid_of "$c")"
    [[ -n "$pid" ]] || fail_component "$c" "process exited during start-up"
    if (($(now) - start > WAIT_TIMEOUT)); then
      fail_component "$c" "not healthy after ${WAIT_TIMEOUT}s (pid $pid)"
    fi
    sleep 0.5
  done
}

# check_ports_free C: every port of C must be free before we start it.
check_ports_free() {
  local c="$1" p holder
  for p in $(ports_of "$c"); do
    holder="$(port_holder "$p")"
    if [[ -n "$holder" ]]; then
      fail_component "$c" "port $p is already taken by $holder (not started by this script:" \
        "stop it, or if it is ours, its pid file $(pidfile_of "$c") is gone)"
    fi
  done
}

# spawn C CMD...: start CMD detached (own session, stdin closed), stdout+stderr appended to C's log,
# pid written to C's pid file. setsid without -f execs in place: $! is the process itself.
# Every other inherited descriptor is closed first: a daemon must not keep a caller's lock (e.g.
# `flock LOCK scripts/platform.sh up` would otherwise leave LOCK held for the broker's whole life).
spawn() {
  local c="$1"
  shift
  local logf
  logf="$(log_of "$c")"
  mkdir -p "$STATE/$c"
  printf '\n===== %s: starting %s =====\n' "$(date -u +%FT%TZ)" "$c" >>"$logf"
  (
    for fd in /proc/self/fd/*; do
      fd="${fd##*/}"
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec nohup setsid "$@" </dev/null >>"$logf" 2>&1
  ) &
  echo "$!" >"$(pidfile_of "$c")"
  log "$c: started (pid $!, log $logf)"
}

# run_with_progress LABEL LOGFILE CMD...: run a long step, print elapsed time (and log line count, e.g.
# packages compiled) every 15 s; on failure print the log's tail and exit.
run_with_progress() {
  local label="$1" logf="$2"
  shift 2
  local start pid rc
  start="$(now)"
  mkdir -p "$(dirname "$logf")"
  "$@" >"$logf" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((($(now) - start) % 15 == 0)) && kill -0 "$pid" 2>/dev/null; then
      log "$label: $(($(now) - start))s elapsed, $(wc -l <"$logf") log lines (log: $logf)"
    fi
  done
  rc=0
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    tail -n 20 "$logf" >&2 || true
    die "$label failed (exit $rc); log: $logf"
  fi
  log "$label: done in $(($(now) - start))s"
}

# ---------------------------------------------------------------------------------------------------
# Java

# Apicurio Registry 3.x: Java 21 or newer; REGISTRY_JAVA overrides; otherwise the newest in /usr/lib/jvm.
registry_java() {
  if [[ -n "${REGISTRY_JAVA:-}" ]]; then
    [[ "$(java_major "$REGISTRY_JAVA")" -ge 21 ]] 2>/dev/null ||
      die "REGISTRY_JAVA=$REGISTRY_JAVA is not a Java 21 or newer: Apicurio Registry $APICURIO_VERSION needs one"
    echo "$REGISTRY_JAVA"
    return
  fi
  local j m best="" best_m=0
  for j in /usr/lib/jvm/*/bin/java "$(command -v java || true)"; do
    [[ -x "$j" ]] || continue
    m="$(java_major "$j")"
    [[ "$m" =~ ^[0-9]+$ ]] || continue
    if ((m >= 21 && m > best_m)); then
      best="$j"
      best_m="$m"
    fi
  done
  [[ -n "$best" ]] || die "Apicurio Registry $APICURIO_VERSION needs Java 21 or newer, and none was found in" \
    "/usr/lib/jvm/*/bin/java or on PATH. Install a JDK 21+ (e.g. Temurin 25) or set REGISTRY_JAVA=/path/to/java." \
    "(Apicurio 2.6.13.Final runs on Java 17 but speaks ccompat v7 with other defaults: not wired here.)"
  echo "$best"
}

# G1 with a periodic collection when idle and tight free-heap ratios: heaps grown under load are given
# back to the OS once the load is gone (idle RSS stays low).
JVM_COMMON=(-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:G1PeriodicGCInterval=30000 -XX:MinHeapFreeRatio=10
  -XX:MaxHeapFreeRatio=30 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)

# ---------------------------------------------------------------------------------------------------
# install (idempotent, cached)

ensure_commands() {
  local missing=() c
  for c in java mvn kcat prometheus promtool curl jq ss setsid flock; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  if ((${#missing[@]})); then
    log "missing commands: ${missing[*]}: running scripts/install-deps.sh"
    "$ROOT/scripts/install-deps.sh"
  fi
}

mvn_run() { mvn -B -ntp "${MAVEN_OPTS_REPO[@]}" "$@"; }

ensure_kafka_libs() {
  local stamp want
  stamp="$KAFKA_HOME/.installed"
  want="kafka=$KAFKA_VERSION slf4j=$SLF4J_VERSION log4j=$LOG4J_VERSION pom=$(sha256sum "$ROOT/platform/kafka/pom.xml" | cut -c1-16)"
  if [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then return 0; fi
  log "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central (about 55 MB)"
  rm -rf "$KAFKA_HOME/libs.tmp"
  mkdir -p "$KAFKA_HOME"
  run_with_progress "kafka: jars" "$CACHE/build-logs/kafka-libs.log" \
    mvn_run -f "$ROOT/platform/kafka/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$SLF4J_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    -DoutputDirectory="$KAFKA_HOME/libs.tmp"
  rm -rf "$KAFKA_HOME/libs"
  mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
  echo "$want" >"$stamp"
  log "kafka: $(find "$KAFKA_HOME/libs" -name '*.jar' | wc -l) jars in $KAFKA_HOME/libs"
}

ensure_apicurio() {
  [[ -f "$APICURIO_HOME/quarkus-run.jar" ]] && return 0
  local coords="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all"
  log "registry: fetching $coords from Maven Central (about 160 MB)"
  mkdir -p "$DOWNLOADS"
  run_with_progress "registry: download" "$CACHE/build-logs/apicurio-download.log" \
    mvn_run -f "$ROOT/platform/kafka/pom.xml" dependency:copy -Dartifact="$coords" \
    -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$SLF4J_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    -DoutputDirectory="$DOWNLOADS"
  local tgz="$DOWNLOADS/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  [[ -f "$tgz" ]] || die "registry: $tgz missing after download (log: $CACHE/build-logs/apicurio-download.log)"
  rm -rf "$APICURIO_HOME.tmp"
  mkdir -p "$APICURIO_HOME.tmp"
  tar -xzf "$tgz" -C "$APICURIO_HOME.tmp"
  [[ -f "$APICURIO_HOME.tmp/quarkus-run.jar" ]] || die "registry: quarkus-run.jar not found in $tgz"
  rm -rf "$APICURIO_HOME"
  mv "$APICURIO_HOME.tmp" "$APICURIO_HOME"
  rm -f "$tgz"
  log "registry: installed in $APICURIO_HOME"
}

ensure_jmx_agent() {
  [[ -f "$JMX_AGENT" ]] && return 0
  local coords="io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION"
  log "kafka: fetching $coords from Maven Central (metrics of Kafka and Connect for Prometheus)"
  mkdir -p "$(dirname "$JMX_AGENT")"
  run_with_progress "kafka: jmx exporter" "$CACHE/build-logs/jmx-exporter-download.log" \
    mvn_run -f "$ROOT/platform/kafka/pom.xml" dependency:copy -Dartifact="$coords" \
    -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$SLF4J_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    -DoutputDirectory="$(dirname "$JMX_AGENT")"
  [[ -f "$JMX_AGENT" ]] || die "kafka: $JMX_AGENT missing after download"
}

ensure_weed() {
  [[ -x "$WEED_BIN" ]] && return 0
  local mod="$ROOT/platform/seaweedfs"
  grep -qF "github.com/seaweedfs/seaweedfs $SEAWEEDFS_VERSION" "$mod/go.mod" ||
    die "seaweedfs: $mod/go.mod does not require github.com/seaweedfs/seaweedfs $SEAWEEDFS_VERSION" \
      "(platform/versions.env): run 'cd platform/seaweedfs && go get github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION && go mod tidy'"
  command -v go >/dev/null 2>&1 || die "seaweedfs: the Go toolchain (1.26+, 'go') is needed to build SeaweedFS once"
  log "seaweedfs: building weed $SEAWEEDFS_VERSION from the Go module proxy (one time, about 4-8 min on 2 cores," \
    "about 3 GB of memory; progress = packages compiled)"
  mkdir -p "$CACHE/bin"
  rm -f "$WEED_BIN.tmp"
  run_with_progress "seaweedfs: go build" "$CACHE/build-logs/seaweedfs-build.log" \
    env -C "$mod" GOFLAGS=-buildvcs=false nice go build -v -trimpath -o "$WEED_BIN.tmp" github.com/seaweedfs/seaweedfs/weed
  mv "$WEED_BIN.tmp" "$WEED_BIN"
  log "seaweedfs: built $WEED_BIN ($(du -m "$WEED_BIN" | cut -f1) MB)"
}

# ---------------------------------------------------------------------------------------------------
# start

render() { # render TEMPLATE OUT: replace @VAR@ placeholders
  sed -e "s|@KAFKA_VERSION@|$KAFKA_VERSION|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" -e "s|@CONNECT_PORT@|$CONNECT_PORT|g" \
    -e "s|@STATE_DIR@|$3|g" -e "s|@PLUGIN_PATH@|$PLUGIN_PATH|g" "$1" >"$2"
}

start_kafka() {
  local dir="$STATE/kafka" java
  java="$(kafka_java)"
  mkdir -p "$dir/data"
  render "$ROOT/platform/kafka/server.properties.in" "$dir/server.properties" "$dir"
  cp "$ROOT/platform/kafka/log4j2.yaml" "$dir/log4j2.yaml"
  cp "$ROOT/platform/kafka/jmx-exporter.yml" "$dir/jmx-exporter.yml"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local id
    id="$("$java" -Xmx256m -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool random-uuid 2>>"$(log_of kafka)" | tail -n1)"
    [[ -n "$id" ]] || fail_component kafka "could not generate a cluster id"
    echo "$id" >"$dir/cluster.id"
    "$java" -Xmx256m -Dlog4j2.configurationFile="$dir/log4j2.yaml" -cp "$KAFKA_HOME/libs/*" kafka.tools.StorageTool \
      format --standalone -t "$id" -c "$dir/server.properties" >>"$(log_of kafka)" 2>&1 ||
      fail_component kafka "storage format failed"
    log "kafka: storage formatted (cluster id $id)"
  fi
  mkdir -p "$dir/tmp"
  # shellcheck disable=SC2086 # heap options are a word list
  spawn kafka "$java" $KAFKA_HEAP_OPTS "${JVM_COMMON[@]}" -Djava.io.tmpdir="$dir/tmp" \
    -Dlog4j2.configurationFile="$dir/log4j2.yaml" \
    -javaagent:"$JMX_AGENT=127.0.0.1:$KAFKA_METRICS_PORT:$dir/jmx-exporter.yml" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties"
}

start_connect() {
  local dir="$STATE/connect" java
  java="$(kafka_java)"
  mkdir -p "$dir/tmp" "$PLUGIN_PATH"
  render "$ROOT/platform/connect/connect-distributed.properties.in" "$dir/connect-distributed.properties" "$dir"
  cp "$ROOT/platform/kafka/log4j2.yaml" "$dir/log4j2.yaml"
  cp "$ROOT/platform/connect/jmx-exporter.yml" "$dir/jmx-exporter.yml"
  # shellcheck disable=SC2086
  spawn connect "$java" $CONNECT_HEAP_OPTS "${JVM_COMMON[@]}" -Djava.io.tmpdir="$dir/tmp" \
    -Dlog4j2.configurationFile="$dir/log4j2.yaml" \
    -javaagent:"$JMX_AGENT=127.0.0.1:$CONNECT_METRICS_PORT:$dir/jmx-exporter.yml" \
    -cp "$KAFKA_HOME/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$dir/connect-distributed.properties"
}

start_registry() {
  local dir="$STATE/registry" java
  java="$(registry_java)"
  mkdir -p "$dir/data" "$dir/tmp"
  log "registry: using $java (Java $(java_major "$java"))"
  # cwd = state dir: Quarkus writes nothing into the repo.
  # shellcheck disable=SC2086
  (cd "$dir" && spawn registry "$java" $REGISTRY_HEAP_OPTS "${JVM_COMMON[@]}" -Djava.io.tmpdir="$dir/tmp" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$dir/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    -Dapicurio.rules.global.compatibility=BACKWARD \
    -jar "$APICURIO_HOME/quarkus-run.jar")
}

start_seaweedfs() {
  local dir="$STATE/seaweedfs"
  mkdir -p "$dir/data"
  # S3 identities from the environment (rewritten at each start).
  (
    umask 077
    jq -n --arg a "$S3_ACCESS_KEY" --arg s "$S3_SECRET_KEY" \
      '{identities: [{name: "clickstream", credentials: [{accessKey: $a, secretKey: $s}],
        actions: ["Admin", "Read", "List", "Tagging", "Write"]}]}' >"$dir/s3.json"
  )
  # Explicit ports (gRPC = HTTP port + 10000), no telemetry, no Iceberg/Lance side servers, no bucket
  # auto-creation (a misspelt bucket fails instead of appearing), local sockets in the state dir;
  # its log to stderr only (the component log), not glog files in /tmp.
  spawn seaweedfs "$WEED_BIN" -logtostderr server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
    -master.port="$SEAWEEDFS_MASTER_PORT" -master.volumeSizeLimitMB=1024 -master.telemetry=false \
    -volume.port="$SEAWEEDFS_VOLUME_PORT" -volume.max=0 -volume.preStopSeconds=1 \
    -filer -filer.port="$SEAWEEDFS_FILER_PORT" -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port="$S3_PORT" -s3.config="$dir/s3.json" -s3.localSocket="$dir/s3.sock" \
    -s3.port.iceberg=0 -s3.port.lance=0 -s3.autoCreateBucket=false \
    -metricsPort="$SEAWEEDFS_METRICS_PORT"
}

start_prometheus() {
  local dir="$STATE/prometheus"
  mkdir -p "$dir/data"
  [[ -f "$PROMETHEUS_CONFIG" ]] || fail_component prometheus "config $PROMETHEUS_CONFIG not found"
  promtool check config "$PROMETHEUS_CONFIG" >>"$(log_of prometheus)" 2>&1 ||
    fail_component prometheus "promtool check config $PROMETHEUS_CONFIG failed"
  spawn prometheus prometheus --config.file="$PROMETHEUS_CONFIG" --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=7d --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle
}

ensure_bucket() {
  local code
  code="$(s3_curl -o /dev/null -w '%{http_code}' -I "$S3_LOCAL_ENDPOINT/$S3_BUCKET" || true)"
  case "$code" in
    200) return 0 ;;
    404)
      code="$(s3_curl -o "$STATE/seaweedfs/create-bucket.out" -w '%{http_code}' -X PUT "$S3_LOCAL_ENDPOINT/$S3_BUCKET" || true)"
      [[ "$code" == 200 ]] || fail_component seaweedfs "creating bucket $S3_BUCKET: HTTP $code $(cat "$STATE/seaweedfs/create-bucket.out" 2>/dev/null)"
      log "seaweedfs: bucket $S3_BUCKET created"
      ;;
    *) fail_component seaweedfs "checking bucket $S3_BUCKET: HTTP $code (credentials S3_ACCESS_KEY/S3_SECRET_KEY?)" ;;
  esac
}

# Sync build/connect-plugin/ (the connect plugin build) into plugin.path. Prints "changed" if it did.
sync_connect_plugins() {
  mkdir -p "$PLUGIN_PATH"
  [[ -d "$CONNECT_PLUGIN_SRC" ]] || return 0
  local want have=""
  want="$(cd "$CONNECT_PLUGIN_SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -c1-64)"
  [[ -f "$STATE/connect/plugins.sha256" ]] && have="$(<"$STATE/connect/plugins.sha256")"
  [[ "$want" == "$have" ]] && return 0
  rm -rf "$PLUGIN_PATH.tmp"
  cp -a "$CONNECT_PLUGIN_SRC/." "$PLUGIN_PATH.tmp/" 2>/dev/null || {
    mkdir -p "$PLUGIN_PATH.tmp"
    cp -a "$CONNECT_PLUGIN_SRC/." "$PLUGIN_PATH.tmp/"
  }
  rm -rf "$PLUGIN_PATH"
  mv "$PLUGIN_PATH.tmp" "$PLUGIN_PATH"
  echo "$want" >"$STATE/connect/plugins.sha256"
  log "connect: plugins synced from $CONNECT_PLUGIN_SRC into $PLUGIN_PATH"
  echo changed
}

# ---------------------------------------------------------------------------------------------------
# stop

# stop_component C: SIGTERM by pid, wait for exit (SIGKILL after STOP_TIMEOUT), then check its ports.
stop_component() {
  local c="$1" pid start p
  pid="$(pid_of "$c")"
  if [[ -z "$pid" ]]; then
    rm -f "$(pidfile_of "$c")"
    return 0
  fi
  log "$c: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  start="$(now)"
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now) - start >= STOP_TIMEOUT)); then
      warn "$c: still running after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.2
  done
  rm -f "$(pidfile_of "$c")"
  for p in $(ports_of "$c"); do
    start="$(now)"
    while port_listening "$p"; do
      if (($(now) - start >= 10)); then
        warn "$c: port $p still held by $(port_holder "$p")"
        break
      fi
      sleep 0.2
    done
  done
  log "$c: stopped"
}

# ---------------------------------------------------------------------------------------------------
# commands

with_lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.platform.lock"
  flock -w 600 9 || die "another scripts/platform.sh holds $STATE/.platform.lock"
}

start_component() {
  case "$1" in
    kafka) start_kafka ;;
    registry) start_registry ;;
    connect) start_connect ;;
    seaweedfs) start_seaweedfs ;;
    prometheus) start_prometheus ;;
  esac
}

cmd_up() {
  local t0 c started=() changed
  t0="$(now)"
  with_lock
  ensure_commands
  ensure_kafka_libs
  ensure_jmx_agent
  ensure_apicurio
  ensure_weed
  changed="$(sync_connect_plugins)"

  # Start everything that does not run yet (Connect waits for Kafka).
  for c in kafka registry seaweedfs prometheus; do
    if [[ -z "$(pid_of "$c")" ]]; then
      check_ports_free "$c"
      start_component "$c"
      started+=("$c")
    fi
  done
  wait_healthy kafka
  if [[ -n "$(pid_of connect)" && "$changed" == changed ]]; then
    log "connect: plugin content changed: restarting Connect to load it"
    stop_component connect
  fi
  if [[ -z "$(pid_of connect)" ]]; then
    check_ports_free connect
    start_connect
    started+=(connect)
  fi
  for c in registry seaweedfs prometheus connect; do wait_healthy "$c"; done
  ensure_bucket

  if ((${#started[@]})); then
    log "platform up in $(($(now) - t0))s (started: ${started[*]})"
  else
    log "platform already up ($(($(now) - t0))s)"
  fi
  cmd_status
}

cmd_down() {
  with_lock
  local c
  for c in connect registry prometheus seaweedfs kafka; do stop_component "$c"; done
  log "platform down (data kept in $STATE)"
}

cmd_status() {
  local c pid state rss total=0 port
  for c in "${COMPONENTS[@]}"; do
    pid="$(pid_of "$c")"
    port="$(port_of "$c")"
    if [[ -z "$pid" ]]; then
      printf '%-10s %-9s port %-5s pid %-7s version %-14s RSS %6s\n' "$c" down "$port" - "$(version_of "$c")" -
      continue
    fi
    if healthy "$c"; then state=up; else state=unhealthy; fi
    rss="$(rss_mib "$pid")"
    total=$((total + rss))
    printf '%-10s %-9s port %-5s pid %-7s version %-14s RSS %4s MiB\n' "$c" "$state" "$port" "$pid" \
      "$(version_of "$c")" "$rss"
  done
  printf '%-10s %-9s %-10s %-11s %-22s RSS %4s MiB\n' total "" "" "" "" "$total"
}

cmd_env() {
  local v
  for v in "${CLICKSTREAM_ENV_VARS[@]}"; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
}

cmd_clean_state() {
  cmd_down
  [[ -n "$STATE" && "$STATE" == "$CLICKSTREAM_HOME/state" ]] || die "refusing to wipe '$STATE'"
  rm -rf "$STATE"
  log "state wiped ($STATE); caches kept in $CACHE"
}

cmd_restart() {
  local c="${1:-}"
  [[ -n "$c" ]] || die "usage: scripts/platform.sh restart COMPONENT (${COMPONENTS[*]})"
  port_of "$c" >/dev/null
  with_lock
  case "$c" in
    kafka | connect) ensure_kafka_libs && ensure_jmx_agent ;;
    registry) ensure_apicurio ;;
    seaweedfs) ensure_weed ;;
  esac
  stop_component "$c"
  check_ports_free "$c"
  if [[ "$c" == connect ]]; then sync_connect_plugins >/dev/null; fi
  start_component "$c"
  wait_healthy "$c"
  if [[ "$c" == seaweedfs ]]; then ensure_bucket; fi
  log "$c: restarted (pid $(pid_of "$c"))"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    clean-state) cmd_clean_state ;;
    stop-kafka)
      with_lock
      stop_component kafka
      ;;
    stop)
      [[ -n "${2:-}" ]] || die "usage: scripts/platform.sh stop COMPONENT (${COMPONENTS[*]})"
      port_of "$2" >/dev/null
      with_lock
      stop_component "$2"
      ;;
    restart) cmd_restart "${2:-}" ;;
    logs)
      port_of "${2:-}" >/dev/null
      log_of "$2"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
