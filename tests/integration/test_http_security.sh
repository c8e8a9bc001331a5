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

valid='[{"id":1,"type":"search","event":{"user-agent":"Mozilla/5.0","ip":"1.2.3.4","customer-id":7,"timestamp":"2022-03-28T07:38:46.290271","query":"cors"}}]'
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

# -- HTTPS -----------------------------------------------------------------------------------------
need_cmd openssl
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || die "openssl cannot make a certificate"
service_start tls --http.tls-cert-file="$TMP/cert.pem" --http.tls-key-file="$TMP/key.pem"
TLS_URL="https://127.0.0.1:$HTTP_PORT"
ready=""
for _ in $(seq 1 150); do
  if curl -fsS --cacert "$TMP/cert.pem" -o /dev/null "$TLS_URL/health/ready" 2>/dev/null; then
    ready=yes
    break
  fi
  service_alive || break
  sleep 0.2
done
check "HTTPS service ready (curl --cacert the self-signed certificate)" yes "$ready"
code="$(curl -sS --cacert "$TMP/cert.pem" -o "$TMP/body" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' --data-binary "$valid" "$TLS_URL/collect" || true)"
check "POST /collect over HTTPS: 200" 200 "$code"
check "  ... one event accepted" 1 \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accepted"])' "$TMP/body" 2>/dev/null || echo ?)"
code="$(curl -sS --cacert "$TMP/cert.pem" -o /dev/null -o /dev/null -o /dev/null \
  -w '%{http_code}:%{num_connects} ' "$TLS_URL/ping" "$TLS_URL/ping" "$TLS_URL/ping" || true)"
check "three GET /ping on one kept-alive TLS connection (status:new connections)" \
  "200:1 200:0 200:0 " "$code"
code="$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT/ping" 2>/dev/null || true)"
check "plain HTTP on the HTTPS port gets no HTTP answer" 000 "${code:-000}"
# A silent TLS client (no ClientHello) is dropped within first-byte + head timeouts (2 s + 5 s).
start_s="$(date +%s)"
python3 - "$HTTP_PORT" <<'PY' || true
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.send(b"\x16\x03\x01")  # the start of a TLS record, then silence
s.settimeout(30)
try:
    s.recv(1)
except OSError:
    pass
PY
took=$(($(date +%s) - start_s))
if ((took <= 12)); then ok "a stalled TLS handshake is closed after ${took}s"; else not_ok "a stalled TLS handshake held ${took}s"; fi
v="$(metric clickstream_http_connections_timed_out_total || true)"
if [[ -n "$v" ]] && ((${v%.*} >= 1)); then ok "  ... counted in clickstream_http_connections_timed_out_total ($v)"; else not_ok "  ... timed_out_total is '$v'"; fi
service_stop
check "HTTPS service: SIGTERM exit 0" 0 "$SERVICE_RC"

service_start badtls --http.tls-cert-file="$TMP/missing.pem" --http.tls-key-file="$TMP/key.pem"
rc=0
wait "$SERVICE_PID" || rc=$?
SERVICE_PID=""
check "missing certificate file: exit 2" 2 "$rc"
if grep -q "cannot serve HTTPS" "$SERVICE_LOG"; then ok "  ... with a clear message"; else not_ok "  ... no message: $(tail -3 "$SERVICE_LOG")"; fi
openssl genrsa -out "$TMP/other.pem" 2048 >/dev/null 2>&1
service_start badkey --http.tls-cert-file="$TMP/cert.pem" --http.tls-key-file="$TMP/other.pem"
rc=0
wait "$SERVICE_PID" || rc=$?
SERVICE_PID=""
check "a key that does not belong to the certificate: exit 2" 2 "$rc"

printf '\n%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
