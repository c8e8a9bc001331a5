#!/usr/bin/env bash
# The generator against its own do-nothing endpoint (--serve-null) and against a scripted endpoint
# that answers 429/503 with Retry-After, 500, and answers without counts: checks the summary line's
# accounting (sent = accepted + rejected + failed, retries honoured, non-200 never accepted),
# reproducibility per seed, --synthesize, and usage errors. Needs no platform.
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$SRC/build}"
GEN="$BUILD/clickstream-generator"
[[ -x "$GEN" ]] || { echo "FAIL: $GEN not built"; exit 1; }

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    if curl -sf -o /dev/null "http://127.0.0.1:$1/ping"; then return 0; fi
    sleep 0.1
  done
  fail "nothing answers on port $1"
}
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# 1. --synthesize: counts, invalid share, reproducible.
"$GEN" --synthesize 3000 "$tmp/a.jsonl" --seed 7 --invalid-share 0.1 >"$tmp/syn.out"
"$GEN" --synthesize 3000 "$tmp/b.jsonl.gz" --seed 7 --invalid-share 0.1 >/dev/null
grep -q '^synthesize: wrote events=3000 invalid=' "$tmp/syn.out" || fail "synthesize output: $(cat "$tmp/syn.out")"
[[ $(wc -l <"$tmp/a.jsonl") -eq 3000 ]] || fail "synthesized line count"
cmp -s "$tmp/a.jsonl" <(gunzip -c "$tmp/b.jsonl.gz") || fail "same seed, different data (plain vs gzip)"
echo "ok: synthesize $(cat "$tmp/syn.out")"

# 2. Against --serve-null: every event accepted, one summary line on stdout, reproducible batches.
port="$(free_port)"
"$GEN" --serve-null "$port" --serve-threads 4 2>"$tmp/null.err" &
pids+=($!)
wait_port "$port"
out="$("$GEN" "localhost:$port" "$tmp/b.jsonl.gz" --concurrency 3 --loops 2 --quiet 2>"$tmp/gen.err")"
[[ $(wc -l <<<"$out") -eq 1 ]] || fail "stdout is not one line: $out"
[[ "$out" =~ ^generator:\ sent=6000\ accepted=6000\ rejected=0\ failed=0\ events_per_s=[0-9.]+\ p50_ms=[0-9.]+\ p99_ms=[0-9.]+$ ]] \
  || fail "summary against serve-null: $out"
echo "ok: serve-null $out"

out="$("$GEN" "http://127.0.0.1:$port" "$tmp/a.jsonl" --rate 2000 --duration 1.5 --concurrency 2 --progress 0.5 2>"$tmp/gen.err")"
sent="$(field sent "$out")"
((sent >= 2700 && sent <= 3010)) || fail "rate 2000 for 1.5 s sent $sent: $out"
grep -q 'progress' "$tmp/gen.err" || fail "no progress lines on stderr: $(cat "$tmp/gen.err")"
echo "ok: rate-limited $out"

# 3. A scripted endpoint: counts batch sizes per request; the first 3 requests get 429
#    (Retry-After: 0.2), then 503 once without Retry-After, requests carrying 7-event batches get 500,
#    requests carrying 9-event batches get a 200 without counts; the rest 200 with
#    accepted = n-1, rejected = 1.
sport="$(free_port)"
cat >"$tmp/server.py" <<'EOF'
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
lock = threading.Lock()
state = {"requests": 0, "log": []}
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def reply(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/stats":
            with lock: self.reply(200, json.dumps(state))
        else: self.reply(200, "pong")
    def do_POST(self):
        n = len(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        with lock:
            state["requests"] += 1
            k = state["requests"]
            state["log"].append(n)
        if k <= 3: return self.reply(429, '{"error":"busy"}', [("Retry-After", "0.2")])
        if k == 4: return self.reply(503, '{"error":"kafka"}')
        if n == 7: return self.reply(500, '{"error":"boom"}')
        if n == 9: return self.reply(200, 'stored, probably')
        self.reply(200, json.dumps({"correlation_id": "c%d" % k, "accepted": n - 1, "rejected": 1}))
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$tmp/server.py" "$sport" &
pids+=($!)
wait_port "$sport"
head -n 500 "$tmp/a.jsonl" >"$tmp/small.jsonl"
set +e
out="$("$GEN" "localhost:$sport" "$tmp/small.jsonl" --seed 3 --quiet --answers "$tmp/answers.txt" 2>"$tmp/gen.err")"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "exit status $rc with failed batches (want 1): $out"
stats="$(curl -sf "http://127.0.0.1:$sport/stats")"
read -r want_acc want_rej want_fail retried < <(python3 - "$stats" "$tmp/small.jsonl" <<'EOF'
import json, sys, random
st = json.loads(sys.argv[1]); log = st["log"]
# Requests 1-4 were refused and retried: the same batch again, so requests = batches + 4.
batches = log[4:]
assert log[0] == log[1] == log[2] == log[3] == log[4], log[:5]
acc = sum(n - 1 for n in batches if n not in (7, 9))
rej = sum(1 for n in batches if n not in (7, 9))
fail = sum(n for n in batches if n in (7, 9))
assert sum(batches) == 500, sum(batches)
print(acc, rej, fail, st["requests"] - len(batches))
EOF
)
[[ "$out" =~ ^generator:\ sent=500\ accepted=${want_acc}\ rejected=${want_rej}\ failed=${want_fail}\  ]] \
  || fail "scripted endpoint: got '$out', want sent=500 accepted=$want_acc rejected=$want_rej failed=$want_fail"
[[ "$retried" -eq 4 ]] || fail "want 4 retries, server saw $retried"
grep -q 'HTTP 500' "$tmp/gen.err" || fail "500 not reported on stderr"
grep -q '200 without a valid answer' "$tmp/gen.err" || fail "200 without counts not reported"
read -r a_acc a_rej < <(awk '$1 ~ /^c[0-9]+$/ {a+=$2; r+=$3} END {print a+0, r+0}' "$tmp/answers.txt")
[[ "$a_acc" == "$want_acc" && "$a_rej" == "$want_rej" ]] || fail "--answers sums $a_acc/$a_rej, want $want_acc/$want_rej"
echo "ok: scripted endpoint $out (4 retries honoured, --answers lists every 200 answer)"

# 4. Same seed, same batches.
out1="$(curl -sf "http://127.0.0.1:$sport/stats")"
"$GEN" "localhost:$sport" "$tmp/small.jsonl" --seed 3 --quiet >/dev/null 2>&1 || true
out2="$(curl -sf "http://127.0.0.1:$sport/stats")"
python3 - "$out1" "$out2" <<'EOF' || fail "batch sizes differ between two runs with the same seed"
import json, sys
a = json.loads(sys.argv[1])["log"]; b = json.loads(sys.argv[2])["log"]
assert a[4:] == b[len(a):], "not reproducible"
EOF
echo "ok: same seed, same batches"

# 5. Nothing listening: every event failed, bounded retries, exit 1.
dead="$(free_port)"
set +e
head -n 40 "$tmp/small.jsonl" >"$tmp/tiny.jsonl"
out="$("$GEN" "localhost:$dead" "$tmp/tiny.jsonl" --max-retries 1 --quiet 2>/dev/null)"
rc=$?
set -e
[[ $rc -eq 1 && "$out" =~ ^generator:\ sent=40\ accepted=0\ rejected=0\ failed=40\  ]] \
  || fail "against a closed port: rc=$rc $out"
echo "ok: closed port $out"

# 6. Usage errors are explained, exit 2.
set +e
err="$("$GEN" --concurrency 0 2>&1)"; rc=$?
set -e
[[ $rc -eq 2 && "$err" == *"1..1024"* ]] || fail "usage error: rc=$rc $err"
set +e
err="$("$GEN" localhost:1 /nonexistent/file.jsonl 2>&1)"; rc=$?
set -e
[[ $rc -eq 2 && "$err" == *"/nonexistent/file.jsonl"* ]] || fail "missing dataset: rc=$rc $err"
"$GEN" --help | grep -q -- '--synthesize N FILE' || fail "--help"
echo "ok: usage errors"
echo "PASS: generator"
