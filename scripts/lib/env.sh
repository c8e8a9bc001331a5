#!/usr/bin/env bash
# Shared defaults for every clickstream script: endpoints of the local platform (each overridable by the
# environment), the cache/state home, and small helpers. Source it:  source "$(dirname "$0")/lib/env.sh"
# Keep it small and stable: other scripts rely on exactly these names.

export CLICKSTREAM_HOME="${CLICKSTREAM_HOME:-$HOME/.cache/clickstream}"

export KAFKA_BOOTSTRAP_SERVERS="${KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://localhost:8085/apis/ccompat/v7}"
export CONNECT_URL="${CONNECT_URL:-http://localhost:8083}"
export S3_ENDPOINT="${S3_ENDPOINT:-http://localhost:9000}"
export S3_ACCESS_KEY="${S3_ACCESS_KEY:-clickstream}"
export S3_SECRET_KEY="${S3_SECRET_KEY:-clickstream-secret}"
export S3_BUCKET="${S3_BUCKET:-acme.eu-west-1.stg.data.lake}"
export S3_REGION="${S3_REGION:-eu-west-1}"
export PROMETHEUS_URL="${PROMETHEUS_URL:-http://localhost:9090}"

# The variable names above, in the order `scripts/platform.sh env` prints them.
# shellcheck disable=SC2034 # used by the scripts that source this file
CLICKSTREAM_ENV_VARS=(KAFKA_BOOTSTRAP_SERVERS SCHEMA_REGISTRY_URL CONNECT_URL S3_ENDPOINT S3_ACCESS_KEY
  S3_SECRET_KEY S3_BUCKET S3_REGION PROMETHEUS_URL)

# log MSG...: progress message on stderr, prefixed with the script name.
log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
# warn MSG...: same, marked as a warning.
warn() { printf '%s: warning: %s\n' "${0##*/}" "$*" >&2; }
# die MSG...: error message on stderr, exit 1.
die() {
  printf '%s: error: %s\n' "${0##*/}" "$*" >&2
  exit 1
}
# need_cmd NAME...: die unless every command exists.
need_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || die "command '$c' not found (run scripts/install-deps.sh)"
  done
}
# s3_curl ARGS...: curl with AWS SigV4 signing for the S3 endpoint (path-style), e.g.
#   s3_curl -f -X PUT --data-binary @file "$S3_ENDPOINT/$S3_BUCKET/key"
# curl 7.88 traps: it signs bodies wrongly for S3 unless the payload hash header is given (UNSIGNED-PAYLOAD,
# set here), and it signs the query string as written: percent-encode values and sort the parameters,
# e.g. "$S3_ENDPOINT/$S3_BUCKET?list-type=2&prefix=raw%2F" (not prefix=raw/ and not prefix first).
# The credentials reach curl through a config file descriptor, not its command line (which any local
# user can read in ps).
s3_curl() {
  local user="${S3_ACCESS_KEY}:${S3_SECRET_KEY}"
  user="${user//\\/\\\\}"
  curl -sS --aws-sigv4 "aws:amz:${S3_REGION}:s3" -K <(printf 'user = "%s"\n' "${user//\"/\\\"}") \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}
