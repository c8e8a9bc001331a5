#!/usr/bin/env bash
# Java selection and Kafka tool runner for the platform scripts. Source after scripts/lib/env.sh and
# platform/versions.env (needs CLICKSTREAM_HOME and KAFKA_VERSION).

KAFKA_LIBS="$CLICKSTREAM_HOME/kafka-$KAFKA_VERSION/libs"
_KAFKA_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_TOOLS_LOG4J="$_KAFKA_LIB_DIR/../../platform/kafka/log4j2-tools.yaml"

# java_major JAVA_BIN: the feature version (17, 21, 25...) of a java binary.
java_major() {
  local home="${1%/bin/java}" v
  if [[ -f "$home/release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([0-9.]*\).*/\1/p' "$home/release")"
  else
    v="$("$1" -version 2>&1 | sed -n 's/.*version "\([0-9.]*\).*/\1/p' | head -n1)"
  fi
  v="${v#1.}"
  echo "${v%%.*}"
}

# kafka_java: a Java 17 for Kafka, Connect and the Kafka tools (Debian openjdk-17); KAFKA_JAVA overrides.
kafka_java() {
  if [[ -n "${KAFKA_JAVA:-}" ]]; then
    echo "$KAFKA_JAVA"
    return
  fi
  local j
  for j in /usr/lib/jvm/java-17-openjdk-*/bin/java; do
    if [[ -x "$j" ]]; then
      echo "$j"
      return
    fi
  done
  j="$(command -v java || true)"
  if [[ -n "$j" && "$(java_major "$j")" -ge 17 ]]; then
    echo "$j"
    return
  fi
  die "no Java 17 found for Kafka (install openjdk-17-jdk-headless: scripts/install-deps.sh, or set KAFKA_JAVA)"
}

# kafka_tools_tmpdir: the Kafka tools' java.io.tmpdir (created), in the cache: lz4-java unpacks its
# native library there, and a tool that is killed leaves it behind.
kafka_tools_tmpdir() {
  mkdir -p "$CLICKSTREAM_HOME/tmp"
  echo "$CLICKSTREAM_HOME/tmp"
}

# kafka_run_class CLASS ARGS...: run a Kafka tool class from the cached jars (WARN logging to stderr).
kafka_run_class() {
  [[ -d "$KAFKA_LIBS" ]] || die "Kafka $KAFKA_VERSION jars not found in $KAFKA_LIBS (run 'make up' once to install them)"
  local java tmp
  java="$(kafka_java)" tmp="$(kafka_tools_tmpdir)"
  "$java" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true -Djava.io.tmpdir="$tmp" \
    -Dlog4j2.configurationFile="$KAFKA_TOOLS_LOG4J" -cp "$KAFKA_LIBS/*" "$@"
}
