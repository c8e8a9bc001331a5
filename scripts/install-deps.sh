#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the platform need. Idempotent.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config dpkg-dev
  libcaf-dev librdkafka-dev libsimdjson-dev libvalijson-dev libcpp-httplib-dev
  prometheus-cpp-dev catch2 nlohmann-json3-dev zlib1g-dev libssl-dev libbrotli-dev
  openjdk-17-jdk-headless maven
  kcat prometheus jq curl shellcheck clang-format python3 iproute2 util-linux
  wrk gnuplot-nox clang-14 libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} Debian packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
