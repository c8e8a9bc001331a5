#!/usr/bin/env bash
# Creates or updates the Kafka Connect connectors described by config/connectors/*.json (one file per
# connector, named after it) with PUT /connectors/<name>/config, then waits until each connector and all
# its tasks are RUNNING; prints the failing task's trace and exits 1 otherwise. Idempotent: an unchanged
# connector is left alone (no restart). See docs/archive.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"

CONNECTOR_CONFIG_DIR="${CONNECTOR_CONFIG_DIR:-$ROOT/config/connectors}"
CONNECTOR_WAIT_TIMEOUT="${CONNECTOR_WAIT_TIMEOUT:-90}"
export ARCHIVE_TASKS_MAX="${ARCHIVE_TASKS_MAX:-2}"
export ARCHIVE_ROTATE_INTERVAL_MS="${ARCHIVE_ROTATE_INTERVAL_MS:-5000}"
export ARCHIVE_S3_PREFIX="${ARCHIVE_S3_PREFIX:-}"
export ARCHIVE_DLQ_REPLICATION_FACTOR="${ARCHIVE_DLQ_REPLICATION_FACTOR:-1}"

usage() {
  cat <<USAGE
usage: scripts/create-connectors.sh [--help] [CONFIG.json...]

Creates or updates (PUT /connectors/<name>/config) every connector of $CONNECTOR_CONFIG_DIR/*.json
(or the files given), <name> being the file name without .json, and waits up to
CONNECTOR_WAIT_TIMEOUT seconds until each connector and its tasks are RUNNING. An unchanged connector is
not touched. \${VAR} placeholders in the files are filled from the environment.

Environment (now):
  CONNECT_URL                     $CONNECT_URL
  S3_ENDPOINT                     $S3_ENDPOINT
  S3_BUCKET                       $S3_BUCKET
  S3_REGION                       $S3_REGION
  S3_ACCESS_KEY / S3_SECRET_KEY   $S3_ACCESS_KEY / (hidden)
  ARCHIVE_TASKS_MAX               $ARCHIVE_TASKS_MAX
  ARCHIVE_ROTATE_INTERVAL_MS      $ARCHIVE_ROTATE_INTERVAL_MS   (max age of an open object)
  ARCHIVE_S3_PREFIX               '${ARCHIVE_S3_PREFIX}'   (key prefix before <topic>/)
  ARCHIVE_DLQ_REPLICATION_FACTOR  $ARCHIVE_DLQ_REPLICATION_FACTOR
  CONNECTOR_CONFIG_DIR            $CONNECTOR_CONFIG_DIR
  CONNECTOR_WAIT_TIMEOUT          $CONNECTOR_WAIT_TIMEOUT
The plugin must be on Connect's plugin.path: scripts/build-connect-plugin.sh, then make up.
USAGE
}

files=()
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      usage >&2
      exit 2
      ;;
    *) files+=("$arg") ;;
  esac
done
if ((${#files[@]} == 0)); then
  shopt -s nullglob
  files=("$CONNECTOR_CONFIG_DIR"/*.json)
  shopt -u nullglob
fi
((${#files[@]})) || die "no connector configuration in $CONNECTOR_CONFIG_DIR"
[[ "$CONNECTOR_WAIT_TIMEOUT" =~ ^[0-9]+$ ]] || die "CONNECTOR_WAIT_TIMEOUT must be a number of seconds"
need_cmd curl python3

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# http METHOD PATH [BODYFILE]: prints the HTTP status; the body goes to $TMP/body.
http() {
  local args=(-sS -m 30 -o "$TMP/body" -w '%{http_code}' -X "$1" -H 'Accept: application/json')
  if [[ -n "${3:-}" ]]; then args+=(-H 'Content-Type: application/json' --data-binary "@$3"); fi
  local code
  code="$(curl "${args[@]}" "$CONNECT_URL$2" 2>"$TMP/curl.err")" || true
  echo "${code:-000}"
}

code="$(http GET /)"
[[ "$code" == 200 ]] ||
  die "Kafka Connect is not reachable at CONNECT_URL=$CONNECT_URL (HTTP $code: $(cat "$TMP/curl.err" "$TMP/body" 2>/dev/null | head -c 300)); start the platform with 'make up'"

code="$(http GET '/connector-plugins?connectorsOnly=false')"
[[ "$code" == 200 ]] || die "GET /connector-plugins: HTTP $code $(head -c 300 "$TMP/body")"
cp "$TMP/body" "$TMP/plugins.json"

# render FILE OUT: fills ${VAR} placeholders from the environment, checks the JSON and that every class it
# names is installed on the worker.
render() {
  python3 - "$1" "$2" "$TMP/plugins.json" <<'PY'
import json, os, re, sys
src, out, plugins_file = sys.argv[1:4]
text = open(src, encoding="utf-8").read()
missing = sorted({m for m in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text) if m not in os.environ})
if missing:
    sys.exit(f"{src}: environment variables not set: {', '.join(missing)}")
def subst(s):
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: os.environ[m.group(1)], s)
try:
    config = json.loads(text)
except json.JSONDecodeError as e:
    sys.exit(f"{src}: not valid JSON: {e}")
if not isinstance(config, dict) or "connector.class" not in config:
    sys.exit(f"{src}: expected a JSON object with connector.class")
config = {k: subst(str(v)) for k, v in config.items()}
installed = {p["class"] for p in json.load(open(plugins_file))}
for key in ("connector.class", "value.converter", "key.converter", "header.converter"):
    cls = config.get(key)
    if cls and cls.startswith("io.clickstream.") and cls not in installed:
        sys.exit(f"{src}: {key}={cls} is not installed on the Connect worker "
                 "(build it with scripts/build-connect-plugin.sh, then run make up)")
json.dump(config, open(out, "w"), indent=2, sort_keys=True)
PY
}

# same_config WANTED CURRENT: true when the running config equals the wanted one (Connect adds "name").
same_config() {
  python3 - "$1" "$2" <<'PY'
import json, sys
want, have = (json.load(open(p)) for p in sys.argv[1:3])
have.pop("name", None)
want.pop("name", None)
sys.exit(0 if want == have else 1)
PY
}

names=()
for f in "${files[@]}"; do
  [[ -f "$f" ]] || die "$f: no such file"
  name="$(basename "$f" .json)"
  [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "$f: connector name '$name' must match [A-Za-z0-9._-]+"
  render "$f" "$TMP/$name.json" || die "$f: invalid connector configuration"
  code="$(http GET "/connectors/$name/config")"
  if [[ "$code" == 200 ]] && same_config "$TMP/$name.json" "$TMP/body"; then
    log "$name: unchanged"
  else
    code="$(http PUT "/connectors/$name/config" "$TMP/$name.json")"
    case "$code" in
      201) log "$name: created" ;;
      200) log "$name: updated" ;;
      *) die "$name: PUT /connectors/$name/config: HTTP $code $(head -c 2000 "$TMP/body")" ;;
    esac
  fi
  names+=("$name")
done

# state NAME: prints "RUNNING", "FAILED", or "WAITING <detail>" from /connectors/NAME/status; on FAILED
# the traces go to $TMP/trace.
state() {
  local code
  code="$(http GET "/connectors/$1/status")"
  if [[ "$code" != 200 ]]; then
    echo "WAITING status HTTP $code"
    return
  fi
  python3 - "$TMP/body" "$TMP/trace" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
conn = s.get("connector", {})
tasks = s.get("tasks", [])
failed = [("connector", conn)] if conn.get("state") == "FAILED" else []
failed += [(f"task {t.get('id')}", t) for t in tasks if t.get("state") == "FAILED"]
if failed:
    with open(sys.argv[2], "w") as out:
        for what, st in failed:
            out.write(f"--- {what} on {st.get('worker_id')}: FAILED\n{st.get('trace', '(no trace)')}\n")
    print("FAILED")
elif conn.get("state") == "RUNNING" and tasks and all(t.get("state") == "RUNNING" for t in tasks):
    print(f"RUNNING {len(tasks)}")
else:
    states = ",".join(t.get("state", "?") for t in tasks) or "none"
    print(f"WAITING connector {conn.get('state', '?')}, tasks {states}")
PY
}

deadline=$((SECONDS + CONNECTOR_WAIT_TIMEOUT))
for name in "${names[@]}"; do
  while true; do
    st="$(state "$name")"
    case "$st" in
      RUNNING*)
        log "$name: connector and ${st#RUNNING } task(s) RUNNING"
        break
        ;;
      FAILED)
        cat "$TMP/trace" >&2
        die "$name: FAILED (trace above; fix the configuration, then run this script again)"
        ;;
    esac
    if ((SECONDS >= deadline)); then
      die "$name: not RUNNING after ${CONNECTOR_WAIT_TIMEOUT}s (${st#WAITING })"
    fi
    sleep 1
  done
done
