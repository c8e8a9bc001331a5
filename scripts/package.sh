#!/usr/bin/env bash
# make package: Release build, then a .deb with CPack (DEB generator); prints the .deb's path.
#   BUILD_DIR (default build) is the CMake build directory; the .deb is written there.
#   JOBS (default nproc) parallel compile jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"

for tool in cpack dpkg-deb dpkg-shlibdeps; do
  if ! command -v "$tool" >/dev/null; then
    echo "package: $tool not found (make deps installs cmake and dpkg-dev)" >&2
    exit 1
  fi
done

echo "==> build (Release) in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"

echo "==> cpack -G DEB"
# cpack prints "CPack: - package: PATH generated." for each package it writes.
log="$(cd "$BUILD_DIR" && cpack -G DEB --config CPackConfig.cmake 2>&1)" || {
  echo "$log" >&2
  exit 1
}
deb="$(sed -n 's/^CPack: - package: \(.*\.deb\) generated\.$/\1/p' <<<"$log" | tail -n 1)"
if [[ -z "$deb" || ! -f "$deb" ]]; then
  echo "$log" >&2
  echo "package: cpack did not report a .deb" >&2
  exit 1
fi
echo "==> $(dpkg-deb -f "$deb" Package Version Architecture | tr '\n' ' ')"
echo "==> Depends: $(dpkg-deb -f "$deb" Depends)"
echo "$deb"
