#!/usr/bin/env bash
# scripts/report.py's pure parts (no platform needed): invalid reasons, the independent unique-users
# count, lake lines with and without the sink's envelope, unframing, kcat header parsing, the
# object-name parser, and the drain decision's inputs. Fixture events are written here.
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/events.jsonl" <<'EOF'
{"id": 1, "type": "search", "event": {"user-agent": "a", "ip": "1.2.3.4", "customer-id": 7, "timestamp": "2022-05-25T07:38:46.290271", "query": "x"}}
{"id": 2, "type": "page_view", "event": {"user-agent": "a", "ip": "1.2.3.4", "customer-id": 7, "timestamp": "2022-05-25T08:00:00.000001", "page": "https://xcc-webshop.com"}}
{"id": 3, "type": "page_view", "event": {"user-agent": "a", "ip": "1.2.3.4", "customer-id": 8, "timestamp": "2022-05-25T09:00:00", "page": "https://xcc-webshop.com"}}
{"id": 4, "type": "page_view", "event": {"user-agent": "a", "ip": "1.2.3.4", "customer-id": null, "timestamp": "2022-05-24T09:00:00", "page": "https://xcc-webshop.com"}}

{"id": 5, "type": "placed_order", "event": {"user-agent": "a", "ip": "1.2.3.4", "customer-id": 8, "timestamp": "2022-05-23T23:59:59.999999"}}
EOF
gzip -k "$tmp/events.jsonl"

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$SRC/scripts" python3 - "$tmp/events.jsonl" "$tmp/events.jsonl.gz" <<'EOF'
import sys
import report as r

plain, gz = sys.argv[1], sys.argv[2]
want = {"2022-05-25": 2, "2022-05-24": 0, "2022-05-23": 1}
assert r.independent_unique_users([plain]) == want, r.independent_unique_users([plain])
assert r.independent_unique_users([gz]) == want
assert r.independent_unique_users([plain, gz]) == want  # the same users twice: still distinct

assert r.invalid_reasons({"errors": [
    {"pointer": "/event", "keyword": "required", "message": "Missing required property 'page'"},
    {"pointer": "", "keyword": "required", "message": "Missing required property 'id'"},
    {"pointer": "/event/ip", "keyword": "pattern", "message": "no match"},
    {"pointer": "", "keyword": "type", "message": "not an object"}]}) == [
    "required: /event/page missing", "required: /id missing", "pattern at /event/ip", "type at /"]
assert r.invalid_reasons({"errors": [], "reason": "not_json"}) == ["not_json"]
assert r.invalid_reasons(None) == ["not JSON"]

assert r.unframe(b"\x00\x00\x00\x00\x7b{\"a\":1}") == b'{"a":1}'  # id 123: byte 0x7b is '{'
assert r.unframe(b'{"a":1}') == b'{"a":1}'
assert r.header_values("correlation_id=abc,received_at=123") == {"abc", "123"}
assert r.header_values("") == set()

value, env = r.lake_record(b'{"id":1,"type":"search"}')
assert value == {"id": 1, "type": "search"} and env is None
value, env = r.lake_record(b'{"topic":"t","partition":2,"offset":9,"timestamp":1,"timestamp_type":"CreateTime",'
                           b'"key":"k","schema_id":1,"headers":{},"value":{"id":1}}')
assert value == {"id": 1} and env["offset"] == 9 and env["partition"] == 2

m = r.OBJECT_NAME.search("acme.clickstream.raw.events/dt=2026-11-25/acme.clickstream.raw.events+3+00000000000000000042.jsonl.gz")
assert m and (int(m.group(1)), int(m.group(2))) == (3, 42)
assert r.OBJECT_NAME.search("x/other.txt") is None

assert r.correlation_of_invalid({"correlation_id": "c1"}) == "c1"
assert r.correlation_of_latest({"metadata": {"correlation_id": "c2"}}) == "c2"
assert r.correlation_of_latest({"id": 1}) is None
assert r.norm({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == r.norm({"a": [1, {"c": 3, "d": 2}], "b": 1})
print("ok: report.py pure functions")
EOF
python3 "$SRC/scripts/report.py" --help | grep -q 'offsets' || { echo "FAIL: report.py --help"; exit 1; }
echo "PASS: report"
