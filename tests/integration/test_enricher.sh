#!/usr/bin/env bash
# Enricher and daily unique users end to end against the real platform (issue 4): the real sample
# replayed through POST /collect of a service instance of our own, on private topics. Checks that
# the latest topic holds every raw record exactly once with its metadata, nothing invalid, and that
# the unique-users topic's last value per day equals an independent count from the file; then a
# clean restart changes neither (no re-enrichment, same counts after the rebuild).
set -euo pipefail
# shellcheck source=tests/integration/enrich_lib.sh
source "$(dirname "$0")/enrich_lib.sh"

create_topics
start_service --unique-users.emit-interval-ms=200
latest_id="$(curl -sf "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.latest.events-value/versions/latest" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

events="$(grep -c . "$SAMPLE")"
log "replaying $events events of $SAMPLE"
summary="$(python3 "$TOOL" replay "http://127.0.0.1:$HTTP_PORT/collect" "$SAMPLE")"
log "replay: $summary"
[[ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["accepted"])' "$summary")" == "$events" ]] ||
  die "not every event was accepted: $summary"

wait_for_count "$RUN.latest" latest "$events" 60
dump "$RUN.raw" raw >/dev/null
dump "$RUN.invalid" invalid >/dev/null
log "latest: $(python3 "$SRC/tests/integration/enrich_check.py" latest "$WORK" "$SAMPLE" "$latest_id")"

check_unique_until() {
  local out=""
  for _ in $(seq 1 "$1"); do
    dump "$RUN.unique" unique >/dev/null
    if out="$(python3 "$SRC/tests/integration/enrich_check.py" unique "$WORK" "$SAMPLE" 2>&1)"; then
      log "unique users: $out"
      return 0
    fi
    sleep 1
  done
  die "$out"
}
check_unique_until 30
curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" | grep -E '^clickstream_(enricher_(events|transactions)_total|unique_users_(days|state_ids|updates_total))' >&2

log "restart: SIGTERM, start again; the counter rebuilds, nothing is enriched twice"
stop_service
before="$(wc -l <"$WORK/unique.jsonl")"
start_service --unique-users.emit-interval-ms=200
for _ in $(seq 1 30); do
  [[ "$(dump "$RUN.unique" unique)" -gt "$before" ]] && break
  sleep 1
done
[[ "$(wc -l <"$WORK/unique.jsonl")" -gt "$before" ]] || die "no emission after the restart's rebuild"
check_unique_until 10
sleep 2
[[ "$(dump "$RUN.latest" latest)" == "$events" ]] || die "the restart re-enriched records"
stop_service
log "PASS"
