#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/..
# Registers every schemas/*.json as a JSON Schema under the subject <file name without .json>-value in the
# Schema Registry (Confluent-compatible API), and sets the subject's compatibility to BACKWARD.
# Idempotent: the same schema registered again gives the same id and version.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"

SCHEMAS_DIR="${SCHEMAS_DIR:-$ROOT/schemas}"
COMPATIBILITY="${SCHEMA_COMPATIBILITY:-BACKWARD}"
CT="Content-Type: application/vnd.schemaregistry.v1+json"

usage() {
  cat <<EOF
usage: scripts/register-schemas.sh [--help] [FILE.json...]

Registers each schema file (default: every $SCHEMAS_DIR/*.json) as JSON Schema under the subject
'<file name without .json>-value' (e.g. acme.clickstream.raw.events.json -> acme.clickstream.raw.events-value),
sets the subject's compatibility to $COMPATIBILITY, and prints subject, id and version.
The same schema twice gives the same id; an incompatible change fails with the registry's message.

Environment:
  SCHEMA_REGISTRY_URL    Confluent-compatible base URL (now: $SCHEMA_REGISTRY_URL)
  SCHEMAS_DIR            folder of schema files (now: $SCHEMAS_DIR)
  SCHEMA_COMPATIBILITY   compatibility set on each subject (now: $COMPATIBILITY)
EOF
}

files=()
for a in "$@"; do
  case "$a" in
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      usage >&2
      exit 2
      ;;
    *) files+=("$a") ;;
  esac
done
if ((${#files[@]} == 0)); then
  shopt -s nullglob
  files=("$SCHEMAS_DIR"/*.json)
  shopt -u nullglob
  ((${#files[@]})) || die "no schema files in $SCHEMAS_DIR"
fi
need_cmd curl jq

URL="${SCHEMA_REGISTRY_URL%/}"

# api METHOD PATH [BODY]: sets HTTP_CODE and BODY_OUT; dies when the registry cannot be reached.
api() {
  local out code
  out="$(mktemp)"
  if ! code="$(curl -sS -m 30 -o "$out" -w '%{http_code}' -X "$1" -H "$CT" -H 'Accept: application/json' \
    ${3:+--data-binary "$3"} "$URL$2" 2>"$out.err")"; then
    local err
    err="$(cat "$out.err")"
    rm -f "$out" "$out.err"
    die "Schema Registry at $URL is not reachable (is the platform up? 'make up'): $err"
  fi
  HTTP_CODE="$code"
  BODY_OUT="$(cat "$out")"
  rm -f "$out" "$out.err"
}

# registry_message: the registry's error message from BODY_OUT (Confluent format {error_code, message}).
registry_message() { jq -r '.message // .detail // .' <<<"$BODY_OUT" 2>/dev/null || echo "$BODY_OUT"; }

api GET /subjects
[[ "$HTTP_CODE" == 200 ]] || die "Schema Registry at $URL answered HTTP $HTTP_CODE to GET /subjects: $(registry_message)"

set_compatibility() {
  api PUT "/config/$1" "{\"compatibility\":\"$COMPATIBILITY\"}"
  [[ "$HTTP_CODE" == 200 ]]
}

failed=0
for f in "${files[@]}"; do
  [[ -f "$f" ]] || die "schema file $f not found"
  name="$(basename "$f" .json)"
  subject="$name-value"
  schema="$(jq -c . "$f" 2>/dev/null)" || die "$f is not valid JSON"
  payload="$(jq -n --arg s "$schema" '{schemaType: "JSON", schema: $s}')"

  # Set the subject's rule first when the subject exists (so this registration is checked by it).
  pre_set=0
  if set_compatibility "$subject"; then pre_set=1; fi

  api POST "/subjects/$subject/versions" "$payload"
  if [[ "$HTTP_CODE" != 200 ]]; then
    printf '%s: error: %s: %s refused (HTTP %s): %s\n' "${0##*/}" "$subject" "$f" "$HTTP_CODE" "$(registry_message)" >&2
    failed=1
    continue
  fi
  id="$(jq -r .id <<<"$BODY_OUT")"
  if ((pre_set == 0)); then
    set_compatibility "$subject" ||
      die "$subject: setting compatibility $COMPATIBILITY failed (HTTP $HTTP_CODE): $(registry_message)"
  fi
  # Look the schema up under the subject for its version.
  api POST "/subjects/$subject" "$payload"
  [[ "$HTTP_CODE" == 200 ]] || die "$subject: lookup after registration failed (HTTP $HTTP_CODE): $(registry_message)"
  version="$(jq -r .version <<<"$BODY_OUT")"
  printf 'subject %s id %s version %s compatibility %s\n' "$subject" "$id" "$version" "$COMPATIBILITY"
done
exit "$failed"
