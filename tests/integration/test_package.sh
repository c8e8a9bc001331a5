#!/usr/bin/env bash
# The .deb: built by CPack from the existing build dir (no recompilation), then checked without the
# platform: contents (dpkg -c), control fields (dpkg-deb -f), conffiles, maintainer scripts, an
# install/reinstall/remove/purge cycle with dpkg on a private root, the systemd unit
# (systemd-analyze verify + security, when systemd-analyze exists), and a smoke run of the
# packaged binary with the packaged config (starts, serves /health/live, exits 0 on SIGTERM).
#   env: CLICKSTREAM_BUILD_DIR (set by ctest; default build), CLICKSTREAM_SOURCE_DIR (default repo).
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$SRC/build}"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
ok() { echo "ok: $*"; }

for tool in cpack dpkg-deb dpkg-shlibdeps curl; do
  command -v "$tool" >/dev/null || fail "$tool not found (make deps)"
done
[[ -f "$BUILD/CPackConfig.cmake" ]] || fail "$BUILD/CPackConfig.cmake missing: configure the build first"
[[ -x "$BUILD/clickstream-pipeline" ]] || fail "$BUILD/clickstream-pipeline missing: build first"

WORK="$(mktemp -d)"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Build the package into a private directory (-B), so a concurrent `make package` in the same
#    build dir is not disturbed and the .deb tested is the one of this build.
start=$(date +%s)
if ! log="$(cd "$BUILD" && cpack -G DEB --config CPackConfig.cmake -B "$WORK/out" 2>&1)"; then
  echo "$log" >&2
  fail "cpack failed"
fi
deb="$(find "$WORK/out" -maxdepth 1 -name '*.deb' | head -n 1)"
[[ -n "$deb" ]] || {
  echo "$log" >&2
  fail "cpack wrote no .deb"
}
ok "cpack built $(basename "$deb") in $(($(date +%s) - start)) s"

# 2. Contents.
contents="$(dpkg -c "$deb")"
awk '{print "  " $0}' <<<"$contents"
has() { # has MODE PATH: PATH is in the package with permissions MODE (e.g. -rwxr-xr-x), owned root
  local line
  line="$(awk -v p="./$2" '$6 == p' <<<"$contents")"
  [[ -n "$line" ]] || fail "dpkg -c does not list /$2"
  [[ "$(awk '{print $1, $2}' <<<"$line")" == "$1 root/root" ]] ||
    fail "/$2 is '$(awk '{print $1, $2}' <<<"$line")', expected '$1 root/root'"
}
has -rwxr-xr-x usr/bin/clickstream-pipeline
if [[ -x "$BUILD/clickstream-generator" ]]; then
  has -rwxr-xr-x usr/bin/clickstream-generator
else
  echo "note: no clickstream-generator target in this build: not expected in the package"
fi
has -rw-r--r-- etc/clickstream/clickstream.conf
has -rw-r--r-- etc/default/clickstream
has -rw-r--r-- lib/systemd/system/clickstream-pipeline.service
for schema in "$SRC"/schemas/*.json; do
  has -rw-r--r-- "usr/share/clickstream/schemas/$(basename "$schema")"
done
has -rw-r--r-- usr/share/doc/clickstream/deploy.md
has -rw-r--r-- usr/share/doc/clickstream/README.md
if grep -v '^d' <<<"$contents" | awk '{print $6}' |
  grep -Ev '^\./(usr/bin|usr/share/clickstream/schemas|usr/share/doc/clickstream|etc/clickstream|etc/default|lib/systemd/system)/'; then
  fail "files outside the expected directories (above)"
fi
ok "dpkg -c: binaries, config, environment file, unit, schemas, docs (root-owned, modes right)"

dpkg-deb -x "$deb" "$WORK/root"
ROOT="$WORK/root"
cmp -s "$ROOT/etc/clickstream/clickstream.conf" "$SRC/config/clickstream.conf" ||
  fail "packaged clickstream.conf differs from config/clickstream.conf"
cmp -s "$ROOT/etc/default/clickstream" "$SRC/config/clickstream.default" ||
  fail "packaged /etc/default/clickstream differs from config/clickstream.default"
cmp -s "$ROOT/lib/systemd/system/clickstream-pipeline.service" "$SRC/config/clickstream-pipeline.service" ||
  fail "packaged unit differs from config/clickstream-pipeline.service"
ok "packaged config, environment file and unit are the repository's"

# 3. Control fields.
field() { dpkg-deb -f "$deb" "$1"; }
version="$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD/CPackConfig.cmake")"
project_version="$(sed -n 's/^project(clickstream VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")"
[[ -n "$project_version" && "$version" == "$project_version" ]] ||
  fail "CPack version '$version' is not the project version '$project_version'"
[[ "$(field Package)" == clickstream ]] || fail "Package: '$(field Package)'"
[[ "$(field Version)" == "$project_version-1" ]] || fail "Version: '$(field Version)', expected $project_version-1"
[[ "$(field Architecture)" == "$(dpkg --print-architecture)" ]] || fail "Architecture: '$(field Architecture)'"
[[ "$(field Maintainer)" == *@* ]] || fail "Maintainer: '$(field Maintainer)'"
[[ "$(field Description)" == *clickstream-pipeline* ]] || fail "Description: '$(field Description)'"
depends="$(field Depends)"
# dpkg-shlibdeps computed them: every shared library the binary needs comes from a package here.
for lib in libc6 libstdc++6 librdkafka1 libcaf-core libsimdjson libprometheus-cpp-core libcpp-httplib; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
ok "control: $(field Package) $(field Version) $(field Architecture); Depends: $depends"

# 4. Control archive: conffiles and maintainer scripts.
dpkg-deb -e "$deb" "$WORK/control"
[[ "$(sort "$WORK/control/conffiles")" == "$(printf '%s\n' /etc/clickstream/clickstream.conf /etc/default/clickstream)" ]] ||
  fail "conffiles: $(tr '\n' ' ' <"$WORK/control/conffiles")"
for script in postinst prerm postrm; do
  [[ -x "$WORK/control/$script" ]] || fail "$script missing or not executable"
  bash -n "$WORK/control/$script" || fail "$script: syntax error"
done
# Outside a systemd system (no /run/systemd/system here) they must do nothing and succeed.
if [[ ! -d /run/systemd/system ]]; then
  "$WORK/control/postinst" configure 0.0.1-1 >/dev/null
  "$WORK/control/prerm" remove >/dev/null
  "$WORK/control/postrm" remove >/dev/null
fi
ok "conffiles: /etc/clickstream/clickstream.conf /etc/default/clickstream; postinst/prerm/postrm"

# 4b. dpkg itself, on a private root and database (the host is not touched; maintainer scripts run
#     outside a chroot and, with no systemd running, do nothing): install, edit a conffile,
#     reinstall (the upgrade path keeps the edit), remove (conffiles stay), purge (all gone).
#     Depends are checked against the host's real packages instead (the binary was linked here).
read -ra deps <<<"$(sed 's/([^)]*)//g; s/[,|]/ /g' <<<"$depends")"
for dep in "${deps[@]}"; do
  dpkg-query -W -f='${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' ||
    fail "Depends names $dep, which is not an installed package here"
done
mkdir -p "$WORK/dpkg/admin/updates" "$WORK/dpkg/admin/info" "$WORK/dpkg/root"
touch "$WORK/dpkg/admin/status"
pdpkg() {
  dpkg --force-script-chrootless --force-depends --instdir="$WORK/dpkg/root" \
    --admindir="$WORK/dpkg/admin" "$@" >>"$WORK/dpkg/log" 2>&1 || {
    cat "$WORK/dpkg/log" >&2
    fail "dpkg $*"
  }
}
pdpkg -i "$deb"
[[ -x "$WORK/dpkg/root/usr/bin/clickstream-pipeline" ]] || fail "dpkg -i did not install the binary"
echo 'KAFKA_BOOTSTRAP_SERVERS=kafka-test:9092' >>"$WORK/dpkg/root/etc/default/clickstream"
pdpkg -i "$deb"
grep -qx 'KAFKA_BOOTSTRAP_SERVERS=kafka-test:9092' "$WORK/dpkg/root/etc/default/clickstream" ||
  fail "reinstalling lost the edit of /etc/default/clickstream"
pdpkg -r clickstream
[[ ! -e "$WORK/dpkg/root/usr/bin/clickstream-pipeline" ]] || fail "dpkg -r left the binary"
[[ -f "$WORK/dpkg/root/etc/default/clickstream" && -f "$WORK/dpkg/root/etc/clickstream/clickstream.conf" ]] ||
  fail "dpkg -r removed a conffile"
pdpkg --purge clickstream
left="$(find "$WORK/dpkg/root" -mindepth 1)"
[[ -z "$left" ]] || fail "dpkg --purge left: $left"
ok "dpkg (private root): install, conffile edit kept on reinstall, remove keeps /etc, purge removes all; Depends installed here"

# 5. The unit.
unit="$ROOT/lib/systemd/system/clickstream-pipeline.service"
for want in 'ExecStart=/usr/bin/clickstream-pipeline --config-file=/etc/clickstream/clickstream.conf' \
  'EnvironmentFile=-/etc/default/clickstream' 'Restart=on-failure' 'KillSignal=SIGTERM' \
  'DynamicUser=yes' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes'; do
  grep -qxF "$want" "$unit" || fail "unit lacks '$want'"
done
grep -qE '^TimeoutStopSec=[0-9]+s?$' "$unit" || fail "unit lacks TimeoutStopSec"
grep -qE '^LimitNOFILE=[0-9]+$' "$unit" || fail "unit lacks LimitNOFILE"
if command -v systemd-analyze >/dev/null; then
  # verify checks that ExecStart's binary exists: point it at the extracted one.
  mkdir "$WORK/units"
  sed "s|^ExecStart=/usr/bin/|ExecStart=$ROOT/usr/bin/|" "$unit" >"$WORK/units/clickstream-pipeline.service"
  out="$(systemd-analyze verify --man=no "$WORK/units/clickstream-pipeline.service" 2>&1)" ||
    fail "systemd-analyze verify: $out"
  # verify exits 0 on unknown keys and bad values, but says so: any output is a failure.
  [[ -z "$out" ]] || fail "systemd-analyze verify: $out"
  # --threshold is on a 0-100 scale (the printed level is on 0-10): 30 = "3.0", well inside "OK".
  score="$(systemd-analyze security --offline=yes --threshold=30 "$WORK/units/clickstream-pipeline.service" 2>&1)" ||
    fail "systemd-analyze security: exposure above 3.0: $(tail -n 1 <<<"$score")"
  ok "systemd-analyze verify: clean; security: $(tail -n 1 <<<"$score" | sed 's/^→ //')"
else
  echo "skip: systemd-analyze not installed: unit syntax not verified"
fi

# 6. Smoke run: the packaged binary with the packaged config, endpoints that refuse connections
#    (no platform needed), free ports. It must start, answer /health/live, write nothing to its
#    working directory (ProtectSystem=strict leaves it read-only) and exit 0 on SIGTERM.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port="$(free_port)"
metrics_port="$(free_port)"
mkdir "$WORK/cwd"
(cd "$WORK/cwd" && exec env KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 SCHEMA_REGISTRY_URL=http://127.0.0.1:1/apis/ccompat/v7 \
  "$ROOT/usr/bin/clickstream-pipeline" --config-file="$ROOT/etc/clickstream/clickstream.conf" \
  --http.bind=127.0.0.1 --http.port="$http_port" --metrics.bind=127.0.0.1 --metrics.port="$metrics_port") \
  >"$WORK/service.log" 2>&1 &
pid=$!
live=""
for _ in $(seq 1 50); do
  if live="$(curl -fsS -m 1 "http://127.0.0.1:$http_port/health/live" 2>/dev/null)"; then break; fi
  kill -0 "$pid" 2>/dev/null || {
    cat "$WORK/service.log" >&2
    fail "packaged binary exited at start"
  }
  sleep 0.1
done
[[ -n "$live" ]] || {
  cat "$WORK/service.log" >&2
  fail "no answer on /health/live within 5 s"
}
# Read the whole answer first: `curl | grep -q` fails under pipefail when grep exits early (curl 23).
metrics="$(curl -fsS -m 2 "http://127.0.0.1:$metrics_port/metrics")" || fail "no /metrics on $metrics_port"
grep -q '^# TYPE' <<<"$metrics" || fail "/metrics on $metrics_port has no metric"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[[ "$rc" == 0 ]] || {
  cat "$WORK/service.log" >&2
  fail "exit code $rc after SIGTERM"
}
[[ -z "$(ls -A "$WORK/cwd")" ]] || fail "the service wrote to its working directory: $(ls -A "$WORK/cwd")"
ok "packaged binary + packaged config: /health/live $live, /metrics, SIGTERM -> exit 0"
if [[ -x "$ROOT/usr/bin/clickstream-generator" ]]; then
  "$ROOT/usr/bin/clickstream-generator" --help | grep -q '^usage: clickstream-generator' ||
    fail "packaged clickstream-generator --help does not print its usage"
  ok "packaged clickstream-generator runs (--help)"
fi
echo "test_package: all checks passed"
