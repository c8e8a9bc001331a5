#!/usr/bin/env bash
# HTTP security settings of the collector (issue 10): CORS on /collect (http.cors-allowed-origins:
# preflights from allowed and other origins, the allow headers on answers of POST /collect,
# errors included), listen addresses (http.bind, metrics.bind = 127.0.0.1 listen on loopback
# only), the connection-guard metrics, and HTTPS (http.tls-cert-file / http.tls-key-file with a
# self-signed certificate made here by openssl).
# Needs the platform up with topics and schemas (scripts/test.sh does it).
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$ROOT/build}"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source scripts/lib/env.sh
# shellcheck source=tests/integration/lib/service.sh
source tests/integration/lib/service.sh
need_cmd curl python3 ss

BIN="$BUILD/clickstream-pipeline"
[[ -x "$BIN" ]] || die "$BIN not built (make build)"

TMP="$(mktemp -d)"
cleanup() {
  service_kill
  rm -rf "$TMP"
}
trap cleanup EXIT

valid='[{"id":1,"type":"search","event":{"user-agent":"Mozilla/5.0","ip":"1.2.3.4","customer-id":7,"timestamp":"2022-04-28T07:38:46.290271","query":"cors"}}]'
SHOP="https://shop.example"

# header NAME FILE: the value of response header NAME in a curl -D dump ("<none>" if absent).
header() {
  awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" -F': ' \
    'tolower($1) == n {sub(/\r$/, "", $2); print $2; found=1; exit} END {if (!found) print "<none>"}' "$2"
}

# -- CORS ------------------------------------------------------------------------------------------
service_start cors '--http.cors-allowed-origins=["https://shop.example", "https://*.cdn.example"]' \
  --http.cors-max-age-s=300
service_wait_ready 150 || die "service not ready within 30 s (log: $(tail -5 "$SERVICE_LOG"))"
ok "service ready on $SERVICE_URL with http.cors-allowed-origins set"

code="$(curl -sS -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -X OPTIONS -H "Origin: $SHOP" \
  -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' \
  "$SERVICE_URL/collect")"
check "preflight from an allowed origin: 204" 204 "$code"
check "preflight: Access-Control-Allow-Origin is the origin" "$SHOP" "$(header Access-Control-Allow-Origin "$TMP/h")"
check "preflight: Access-Control-Allow-Methods" "POST, OPTIONS" "$(header Access-Control-Allow-Methods "$TMP/h")"
check "preflight: Access-Control-Allow-Headers" "Content-Type" "$(header Access-Control-Allow-Headers "$TMP/h")"
check "preflight: Access-Control-Max-Age (http.cors-max-age-s)" 300 "$(header Access-Control-Max-Age "$TMP/h")"
check "preflight: Vary" Origin "$(header Vary "$TMP/h")"

code="$(curl -sS -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -X OPTIONS \
  -H 'Origin: https://www.cdn.example' -H 'Access-Control-Request-Method: POST' "$SERVICE_URL/collect")"
check "preflight from a subdomain of https://*.cdn.example: 204" 204 "$code"
check "  ... allowed as itself" https://www.cdn.example "$(header Access-Control-Allow-Origin "$TMP/h")"

code="$(curl -sS -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -X OPTIONS \
  -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: POST' "$SERVICE_URL/collect")"
check "preflight from another origin: 403" 403 "$code"
check "  ... with a JSON error" cors_origin_not_allowed \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$TMP/body" 2>/dev/null || echo not-json)"
check "  ... and no Access-Control-Allow-Origin" "<none>" "$(header Access-Control-Allow-Origin "$TMP/h")"

code="$(curl -sS -o /dev/null -D "$TMP/h" -w '%{http_code}' -X OPTIONS "$SERVICE_URL/collect")"
check "OPTIONS /collect without Origin (not a preflight): 204" 204 "$code"
check "  ... with Allow" "POST, OPTIONS" "$(header Allow "$TMP/h")"

code="$(curl -sS -o "$TMP/body" -D "$TMP/h" -w '%{http_code}' -X POST -H "Origin: $SHOP" \
  -H 'Content-Type: application/json' --data-binary "$valid" "$SERVICE_URL/collect")"
check "POST /collect from an allowed origin: 200" 200 "$code"
check "  ... Access-Control-Allow-Origin" "$SHOP" "$(header Access-Control-Allow-Origin "$TMP/h")"
check "  ... Vary: Origin" Origin "$(header Vary "$TMP/h")"

code="$(curl -sS -o /dev/null -D "$TMP/h" -w '%{http_code}' -X POST -H "Origin: $SHOP" \
  -H 'Content-Type: text/plain' --data-binary "$valid" "$SERVICE_URL/collect")"
check "POST /collect error answer (415) from an allowed origin" 415 "$code"
check "  ... still carries Access-Control-Allow-Origin (the page can read the error)" "$SHOP" \
  "$(header Access-Control-Allow-Origin "$TMP/h")"

code="$(curl -sS -o /dev/null -D "$TMP/h" -w '%{http_code}' -X POST -H "Origin: $SHOP" \
  -H 'Content-Type: application/json' --data-binary '[1,' "$SERVICE_URL/collect")"
check "POST /collect 400 from an allowed origin carries Access-Control-Allow-Origin" "400 $SHOP" \
  "$code $(header Access-Control-Allow-Origin "$TMP/h")"

code="$(curl -sS -o /dev/null -D "$TMP/h" -w '%{http_code}' -X POST -H 'Origin: https://evil.example' \
  -H 'Content-Type: application/json' --data-binary "$valid" "$SERVICE_URL/collect")"
check "POST /collect from another origin: stored (CORS only guides browsers)" 200 "$code"
check "  ... without Access-Control-Allow-Origin" "<none>" "$(header Access-Control-Allow-Origin "$TMP/h")"
curl -sS -o /dev/null -D "$TMP/h" "$SERVICE_URL/ping"
check "GET /ping: no CORS headers" "<none>" "$(header Access-Control-Allow-Origin "$TMP/h")"

# -- listen addresses ------------------------------------------------------------------------------
check "http.bind=127.0.0.1: the collector listens on 127.0.0.1 only" "127.0.0.1:$HTTP_PORT" \
  "$(ss -ltnH "sport = :$HTTP_PORT" | awk '{print $4}' | sort -u | paste -sd,)"
metrics_port="${METRICS_URL#http://127.0.0.1:}"
metrics_port="${metrics_port%%/*}"
check "metrics.bind=127.0.0.1: the exposer listens on 127.0.0.1 only" "127.0.0.1:$metrics_port" \
  "$(ss -ltnH "sport = :$metrics_port" | awk '{print $4}' | sort -u | paste -sd,)"
other_ip="$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -v '^127\.' | grep -v ':' | head -1 || true)"
if [[ -n "$other_ip" ]]; then
  code="$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://$other_ip:$HTTP_PORT/ping" 2>/dev/null || true)"
  check "not reachable on $other_ip (another local address)" 000 "${code:-000}"
fi

# -- connection guard metrics ----------------------------------------------------------------------
for m in clickstream_http_connections clickstream_http_connections_rejected_total \
  clickstream_http_connections_timed_out_total; do
  v="$(metric "$m" || true)"
  if [[ -n "$v" ]]; then ok "metric $m exported ($v)"; else not_ok "metric $m missing"; fi
done
service_stop
check "SIGTERM: exit 0" 0 "$SERVICE_RC"

printf '\n%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
