#!/usr/bin/env bash
# Monitoring assets: promtool check config (which also checks the rule files it loads), promtool check
# rules, promtool test rules (the alerts' unit tests), the Grafana dashboard is valid JSON, and every
# metric name used by the rules and the dashboard exists in the /metrics output of a
# clickstream-pipeline this test starts on free ports (names from its # TYPE lines; a histogram's
# _bucket/_sum/_count count as its name; recorded series must be recorded by the rules).
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$SRC/build}"
# shellcheck source=scripts/lib/env.sh
source "$SRC/scripts/lib/env.sh"
# shellcheck source=scripts/lib/pipeline.sh
source "$SRC/scripts/lib/pipeline.sh"

MON="$SRC/monitoring"
fail() {
  echo "FAIL: $*"
  exit 1
}
need_cmd promtool python3 curl

tmp="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-mon.XXXXXX")"
PIPELINE_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  stop_pipeline
  if ((rc != 0)); then tail -n 20 "$tmp/pipeline.log" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

shopt -s nullglob
rules=("$MON"/*.rules.yml)
((${#rules[@]} > 0)) || fail "no monitoring/*.rules.yml"

promtool check config "$MON/prometheus.yml" || fail "promtool check config"
grep -q 'rule_files' "$MON/prometheus.yml" || fail "prometheus.yml loads no rule files"
promtool check rules "${rules[@]}" || fail "promtool check rules"
tests=("$MON"/tests/*.test.yml)
if ((${#tests[@]})); then
  (cd "$MON/tests" && promtool test rules "${tests[@]##*/}") || fail "promtool test rules"
fi
python3 -m json.tool "$MON/grafana-dashboard.json" >/dev/null || fail "grafana-dashboard.json is not JSON"
echo "ok: promtool check config, check rules, test rules; dashboard JSON"

# Scrape a service instance of our own.
PIPELINE="$BUILD/clickstream-pipeline"
[[ -x "$PIPELINE" ]] || fail "$PIPELINE not built"
http_port="$(free_port)"
metrics_port="$(free_port)"
"$PIPELINE" "--http.port=$http_port" "--metrics.port=$metrics_port" >"$tmp/pipeline.log" 2>&1 &
PIPELINE_PID=$!
wait_http "http://127.0.0.1:$metrics_port/metrics" 60 "clickstream-pipeline metrics" "$PIPELINE_PID"
# prometheus-cpp exports a labelled family only once it has a series: exercise the service first
# (invalid events only, so no unique-users day changes; the probes), so that the request and
# validation families exist.
wait_http "http://127.0.0.1:$http_port/health/ready" 90 "clickstream-pipeline" "$PIPELINE_PID"
"$BUILD/clickstream-generator" --synthesize 100 "$tmp/events.jsonl" --invalid-share 1 --seed 9464 >/dev/null
"$BUILD/clickstream-generator" "http://127.0.0.1:$http_port" "$tmp/events.jsonl" --quiet >/dev/null 2>&1 ||
  fail "the generator could not post to the service"
for path in /ping /health/live /health/ready /nope; do curl -s -o /dev/null "http://127.0.0.1:$http_port$path" || true; done
sleep 3
curl -sf -o "$tmp/metrics.txt" "http://127.0.0.1:$metrics_port/metrics" || fail "scrape /metrics"

python3 - "$tmp/metrics.txt" "$MON/grafana-dashboard.json" "$SRC" "${rules[@]}" <<'EOF'
import glob, json, re, sys
metrics_path, dashboard_path, src, rule_paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
text = open(metrics_path).read()
types = dict(re.findall(r"^# TYPE (\S+) (\S+)", text, re.M))
names = set(types) | set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", text, re.M))
for base, t in list(types.items()):
    if t in ("histogram", "summary"):
        names |= {base + "_bucket", base + "_sum", base + "_count"}

def exprs_of_rules(path):
    """expr/record of every rule (a tiny YAML reader for our own files: 'expr:' plain or '|' block)."""
    out, recorded = [], []
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:- )?(expr|record):\s*(.*)$", lines[i])
        if m:
            key, val = m.group(2), m.group(3).strip()
            if key == "record":
                recorded.append(val)
            elif val in ("|", ">", "|-", ">-"):
                ind = None
                block = []
                i += 1
                while i < len(lines):
                    l = lines[i]
                    cur = len(l) - len(l.lstrip())
                    if l.strip() and ind is None:
                        ind = cur
                    if l.strip() and cur < (ind or 0):
                        break
                    block.append(l)
                    i += 1
                out.append("\n".join(block))
                continue
            else:
                out.append(val)
        i += 1
    return out, recorded

def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)          # label values
    expr = re.sub(r"\{[^}]*\}", "", expr)                    # matchers
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    return set(t for t in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", expr)
               if t.startswith("clickstream_") or t.startswith("clickstream:")
               or t.startswith("process_"))

used, recorded = {}, set()
for p in rule_paths:
    exprs, rec = exprs_of_rules(p)
    recorded |= set(rec)
    for e in exprs:
        for n in metric_names(e):
            used.setdefault(n, set()).add(p.rsplit("/", 1)[-1])
dash = json.load(open(dashboard_path))
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("expr", "query") and isinstance(v, str):
                yield v
            else:
                yield from walk(v)
    elif isinstance(o, list):
        for v in o:
            yield from walk(v)
dash_exprs = list(walk(dash))
if not dash_exprs:
    sys.exit("FAIL: the dashboard has no queries")
for e in dash_exprs:
    for n in metric_names(e):
        used.setdefault(n, set()).add("grafana-dashboard.json")

# Families a healthy service has not used yet (e.g. Kafka delivery errors) are not exported; accept
# them only when the service's code registers exactly that name, and say so.
source = ""
for f in glob.glob(src + "/actors/*.cpp") + glob.glob(src + "/runtime/*.cpp"):
    source += open(f).read()
def declared(n):
    base = re.sub(r"_(bucket|sum|count)$", "", n)
    return '"%s"' % n in source or '"%s"' % base in source

missing, unexercised = [], []
for n, where in sorted(used.items()):
    if ":" in n:
        if n not in recorded:
            missing.append("%s (a recorded series no rule records; used in %s)" % (n, ", ".join(sorted(where))))
    elif n not in names:
        if declared(n):
            unexercised.append(n)
        else:
            missing.append("%s (used in %s)" % (n, ", ".join(sorted(where))))
for n in unexercised:
    print("note: %s is registered by the service but has no series yet (exported after its first "
          "increment): checked against the source" % n)
print("metric names used by the rules and the dashboard: %d (%d exported by the service, %d "
      "registered but not yet exported, %d recorded by the rules)" % (
          len(used), len([n for n in used if ":" not in n]) - len(unexercised), len(unexercised),
          len([n for n in used if ":" in n])))
if missing:
    print("FAIL: names not exported by the service's /metrics:")
    for m in missing:
        print("  " + m)
    sys.exit(1)
EOF
echo "PASS: monitoring"
