#!/usr/bin/env bash
# Builds the Kafka Connect S3 sink plugin (connect/, Maven) and runs its JUnit tests, then lays the plugin
# out as build/connect-plugin/clickstream-s3-sink/ = the plugin jar + its runtime dependencies (nothing the
# Connect runtime provides). `scripts/platform.sh up` copies build/connect-plugin/ onto Connect's plugin.path.
#   scripts/build-connect-plugin.sh [--skip-tests] [--help]
# Environment: MAVEN_ARGS (extra mvn arguments, e.g. -o for offline), CONNECT_PLUGIN_DIR (output folder,
# default build/connect-plugin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLUGIN_NAME=clickstream-s3-sink
OUT="${CONNECT_PLUGIN_DIR:-$ROOT/build/connect-plugin}"

usage() { sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

skip_tests=()
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    --skip-tests) skip_tests=(-DskipTests) ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
done

command -v mvn >/dev/null 2>&1 || {
  echo "build-connect-plugin: mvn not found (run scripts/install-deps.sh)" >&2
  exit 1
}

# The real sample, when it lies beside the repository, is used by one of the JUnit tests.
if [[ -z "${CLICKSTREAM_SHARED_DATA_DIR:-}" && -d "$ROOT/../shared/data" ]]; then
  export CLICKSTREAM_SHARED_DATA_DIR="$ROOT/../shared/data"
fi

cd "$ROOT/connect"
mvn_package() {
  # shellcheck disable=SC2086 # MAVEN_ARGS is a list of words on purpose
  nice mvn -B -q -Dstyle.color=never "$@" ${MAVEN_ARGS:-} "${skip_tests[@]}" package 2>&1 |
    sed -u 's/\x1b\[[0-9;]*m//g' # Maven 3.8 prints colour resets even in batch mode
}
# Offline once everything has been downloaded into ~/.m2 (quick, no network); online the first time, after
# a pom.xml change, or when the offline run misses an artifact.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [[ -f target/.deps-resolved && target/.deps-resolved -nt pom.xml ]]; then
  if ! mvn_package -o >"$log" 2>&1; then
    if grep -q "offline mode" "$log"; then
      mvn_package
    else
      cat "$log" >&2
      echo "build-connect-plugin: Maven build or JUnit tests failed (reports: connect/target/surefire-reports)" >&2
      exit 1
    fi
  fi
else
  mvn_package
fi
mkdir -p target
touch target/.deps-resolved

jar="target/$PLUGIN_NAME-$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -n1).jar"
[[ -f "$jar" ]] || {
  echo "build-connect-plugin: $jar was not built" >&2
  exit 1
}

dest="$OUT/$PLUGIN_NAME"
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
cp "$jar" target/plugin-deps/*.jar "$dest.tmp/"
rm -rf "$dest"
mv "$dest.tmp" "$dest"
echo "build-connect-plugin: $dest ($(find "$dest" -name '*.jar' | wc -l) jars, $(du -sh "$dest" | cut -f1))"
