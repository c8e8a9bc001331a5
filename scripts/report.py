#!/usr/bin/env python3
"""Pipeline report and end-to-end accounting for clickstream (python3 stdlib + kcat + curl).

  scripts/report.py offsets > before.json
      End offsets of the four topics (per partition), to mark the start of a run.

  scripts/report.py run --before before.json --answers answers.txt --generator-line LINE \
        --valid FILE [--valid FILE ...] [--invalid FILE ...] [--wait SECONDS] [--strict]
      Waits until the run has drained (latest caught up with raw, the data lake caught up with
      the topics), then prints the report: the run's accounting, per-topic totals, top invalid
      reasons, unique users per day against an independent count, data-lake objects, throughput.
      --strict: exit 1 on any mismatch (the accounting test); without it, mismatches are shown.

A run is restricted to its own records, so other writers on a shared platform do not disturb it:
Kafka records are read from the `before` offsets on and kept when they carry one of the run's
correlation ids (the generator's --answers file lists them); data-lake objects are kept when they
start at or after the `before` offset of their partition, then filtered the same way (raw events by
content, as the lake holds them exactly as sent). Unique users per day are compared for the days of
the --valid files (which must hold only valid events): the service's last value per day against
the distinct non-null customer-id per day computed here from those files.

Endpoints come from the environment (scripts/lib/env.sh defaults): KAFKA_BOOTSTRAP_SERVERS,
S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET, S3_REGION, CONNECT_URL; the lake's key prefix
ARCHIVE_S3_PREFIX (as scripts/create-connectors.sh; default none).
"""

import argparse
import collections
import gzip
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

RAW = "acme.clickstream.raw.events"
INVALID = "acme.clickstream.invalid.events"
LATEST = "acme.clickstream.latest.events"
USERS = "acme.clickstream.unique.users"
TOPICS = [RAW, INVALID, LATEST, USERS]

ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "localhost:9092",
    "S3_ENDPOINT": "http://localhost:9000",
    "S3_ACCESS_KEY": "clickstream",
    "S3_SECRET_KEY": "clickstream-secret",
    "S3_BUCKET": "acme.eu-west-1.stg.data.lake",
    "S3_REGION": "eu-west-1",
    "CONNECT_URL": "http://localhost:8083",
}


def env(name):
    return os.environ.get(name) or ENV[name]


def progress(msg):
    print("report: " + msg, file=sys.stderr, flush=True)


class Error(Exception):
    pass


# ---------------------------------------------------------------- Kafka (kcat)
def kcat(args, timeout=120):
    cmd = ["kcat", "-b", env("KAFKA_BOOTSTRAP_SERVERS")] + args
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except FileNotFoundError:
        raise Error("kcat not found (scripts/install-deps.sh installs it)")
    except subprocess.TimeoutExpired:
        raise Error("kcat timed out: " + " ".join(cmd))
    if p.returncode != 0:
        err = p.stderr.decode(errors="replace").strip().splitlines()
        raise Error("kcat failed (%s): %s" % (" ".join(args[:4]), err[-1] if err else "?"))
    return p.stdout


def partitions(topic):
    meta = json.loads(kcat(["-L", "-J", "-t", topic], timeout=30))
    for t in meta.get("topics", []):
        if t.get("topic") == topic:
            if t.get("error"):
                raise Error("topic %s: %s (run scripts/create-topics.sh)" % (topic, t["error"]))
            return sorted(p["partition"] for p in t.get("partitions", []))
    raise Error("topic %s not found (run scripts/create-topics.sh)" % topic)


def watermarks(topic, which):
    """which = -1: end (high watermark), -2: beginning. Returns {partition: offset}."""
    parts = partitions(topic)
    args = ["-Q"]
    for p in parts:
        args += ["-t", "%s:%d:%d" % (topic, p, which)]
    out = kcat(args, timeout=30).decode()
    res = {}
    for m in re.finditer(r"^\S+ \[(\d+)\] offset (-?\d+)", out, re.M):
        res[int(m.group(1))] = int(m.group(2))
    if set(res) != set(parts):
        raise Error("could not read offsets of %s: %s" % (topic, out.strip()))
    return res


def all_offsets():
    return {t: {str(p): o for p, o in watermarks(t, -1).items()} for t in TOPICS}


def consume(topic, start, end):
    """Yields (partition, offset, headers_text, payload_bytes_or_None) for committed records with
    start[p] <= offset < end[p] (read_committed: transaction markers and aborted records skipped)."""
    for p in sorted(end):
        lo, hi = start.get(p, 0), end[p]
        if hi <= lo:
            continue
        out = kcat(["-C", "-t", topic, "-p", str(p), "-o", str(lo), "-e", "-q",
                    "-X", "isolation.level=read_committed", "-X", "fetch.wait.max.ms=10",
                    "-f", "%p %o %S\t%h\n%s\n"], timeout=600)
        pos = 0
        while pos < len(out):
            nl = out.index(b"\n", pos)
            head = out[pos:nl].decode(errors="replace")
            meta, _, headers = head.partition("\t")
            part, off, size = (int(x) for x in meta.split(" "))
            pos = nl + 1
            payload = None
            if size >= 0:
                payload = out[pos:pos + size]
                pos += size
            pos += 1  # the newline after the payload
            if off >= hi:
                break
            yield part, off, headers, payload


def unframe(payload):
    """Confluent wire format (0x00 + 4-byte schema id + JSON) -> JSON bytes; others unchanged."""
    if payload and len(payload) >= 5 and payload[0] == 0:
        return payload[5:]
    return payload


def loads(b):
    try:
        return json.loads(b)
    except (ValueError, TypeError):
        return None


def header_values(text):
    vals = set()
    for part in text.split(","):
        _, eq, v = part.partition("=")
        if eq:
            vals.add(v)
    return vals


# ---------------------------------------------------------------- S3 (curl --aws-sigv4)
def s3_user_config():
    user = "%s:%s" % (env("S3_ACCESS_KEY"), env("S3_SECRET_KEY"))
    return ('user = "%s"\n' % user.replace("\\", "\\\\").replace('"', '\\"')).encode()


def s3(path_and_query, binary=False):
    url = env("S3_ENDPOINT").rstrip("/") + "/" + path_and_query
    cmd = ["curl", "-sS", "-f", "--max-time", "120",
           "--aws-sigv4", "aws:amz:%s:s3" % env("S3_REGION"),
           "--config", "-",  # credentials on stdin, not on the command line (ps)
           "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url]
    p = subprocess.run(cmd, capture_output=True, input=s3_user_config())
    if p.returncode != 0:
        raise Error("S3 request failed: GET %s: %s" % (url, p.stderr.decode(errors="replace").strip()))
    return p.stdout if binary else p.stdout.decode()


def s3_object_path(key):
    return urllib.parse.quote(env("S3_BUCKET"), safe="") + "/" + urllib.parse.quote(key, safe="/")


def s3_records_meta(key):
    """The sink's x-amz-meta-record-count of an object (HEAD), or None when absent."""
    url = env("S3_ENDPOINT").rstrip("/") + "/" + s3_object_path(key)
    cmd = ["curl", "-sS", "-f", "-I", "--max-time", "30",
           "--aws-sigv4", "aws:amz:%s:s3" % env("S3_REGION"),
           "--config", "-",  # credentials on stdin, not on the command line (ps)
           "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", url]
    p = subprocess.run(cmd, capture_output=True, input=s3_user_config())
    if p.returncode != 0:
        raise Error("S3 request failed: HEAD %s: %s" % (url, p.stderr.decode(errors="replace").strip()))
    m = re.search(r"^x-amz-meta-(?:records|record-count):\s*(\d+)", p.stdout.decode(errors="replace"), re.M | re.I)
    return int(m.group(1)) if m else None


def s3_list(prefix):
    """[(key, size)] under prefix (ListObjectsV2, every page). Query parameters are sorted and
    percent-encoded, as curl signs the query string as written."""
    bucket = urllib.parse.quote(env("S3_BUCKET"), safe="")
    objs, token = [], None
    while True:
        q = []
        if token:
            q.append("continuation-token=" + urllib.parse.quote(token, safe=""))
        q.append("list-type=2")
        q.append("prefix=" + urllib.parse.quote(prefix, safe=""))
        root = ET.fromstring(s3("%s?%s" % (bucket, "&".join(q))))
        ns = {"s": root.tag[1:root.tag.index("}")]} if root.tag.startswith("{") else {}
        pre = "s:" if ns else ""
        for c in root.findall(pre + "Contents", ns):
            objs.append((c.find(pre + "Key", ns).text, int(c.find(pre + "Size", ns).text)))
        trunc = root.find(pre + "IsTruncated", ns)
        nxt = root.find(pre + "NextContinuationToken", ns)
        if trunc is not None and trunc.text == "true" and nxt is not None and nxt.text:
            token = nxt.text
        else:
            return objs


_object_cache = {}


def s3_lines(key, size):
    ck = (key, size)
    if ck not in _object_cache:
        body = s3(s3_object_path(key), binary=True)
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        _object_cache[ck] = [l for l in body.split(b"\n") if l.strip()]
    return _object_cache[ck]


OBJECT_NAME = re.compile(r"\+(\d+)\+(\d+)\.jsonl(\.gz)?$")


def lake_objects(topic):
    """[(key, size, partition, start_offset)] of a topic's objects (partition/offset from the
    sink's names <topic>/<path>/<topic>+<partition>+<start offset>.jsonl[.gz]; None if other)."""
    res = []
    prefix = os.environ.get("ARCHIVE_S3_PREFIX", "").strip("/")
    for key, size in s3_list((prefix + "/" if prefix else "") + topic + "/"):
        m = OBJECT_NAME.search(key)
        res.append((key, size, int(m.group(1)) if m else None, int(m.group(2)) if m else None))
    return res


def lake_record(line):
    """(value_json_obj, envelope_or_None) of a lake line (plain value, or the sink's envelope)."""
    obj = loads(line)
    if isinstance(obj, dict) and "value" in obj and "offset" in obj and "partition" in obj \
            and "topic" in obj:
        return obj.get("value"), obj
    return obj, None


# ---------------------------------------------------------------- datasets
def norm(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def read_dataset(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        for line in f:
            line = line.strip()
            if line:
                yield line


def independent_unique_users(paths):
    days = collections.defaultdict(set)
    for path in paths:
        for line in read_dataset(path):
            ev = loads(line)
            try:
                cid = ev["event"]["customer-id"]
                day = ev["event"]["timestamp"][:10]
            except (KeyError, TypeError):
                continue
            if isinstance(cid, int) and not isinstance(cid, bool):
                days[day].add(cid)
            else:
                days.setdefault(day, set())
    return {d: len(s) for d, s in days.items()}


# ---------------------------------------------------------------- the run
def correlation_of_invalid(obj):
    if isinstance(obj, dict):
        for k in ("correlation_id", "correlationId"):
            if isinstance(obj.get(k), str):
                return obj[k]
    return None


def correlation_of_latest(obj):
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict):
        return obj["metadata"].get("correlation_id")
    return None


def invalid_reasons(obj):
    """Labels of why a record is in the invalid topic: per error 'keyword at /pointer' (for
    'required', the missing member's pointer), else the record's reason."""
    labels = []
    if isinstance(obj, dict):
        for e in obj.get("errors") or []:
            if isinstance(e, dict):
                kw = e.get("keyword") or e.get("reason") or "error"
                ptr = e.get("pointer")
                if ptr is None:
                    ptr = e.get("instance_pointer") or e.get("path") or ""
                m = re.search(r"property '([^']*)'", str(e.get("message") or ""))
                if kw == "required" and m:
                    labels.append("required: %s/%s missing" % (ptr, m.group(1)))
                else:
                    labels.append("%s at %s" % (kw, ptr or "/"))
            else:
                labels.append(str(e))
        if not labels:
            labels.append(str(obj.get("reason") or obj.get("error") or "unknown"))
    else:
        labels.append("not JSON")
    return labels


class Run:
    def __init__(self, args):
        self.args = args
        self.before = {t: {int(p): o for p, o in v.items()} for t, v in
                       (json.load(open(args.before)) if args.before else {}).items()}
        self.ids = set()
        self.accepted = self.rejected = 0
        if args.answers:
            for line in open(args.answers):
                parts = line.split()
                if len(parts) == 3:
                    if parts[0] != "-":
                        self.ids.add(parts[0])
                    self.accepted += int(parts[1])
                    self.rejected += int(parts[2])
        self.gen = {}
        if args.generator_line:
            for k, v in re.findall(r"(\w+)=([0-9.]+)", args.generator_line):
                self.gen[k] = float(v)
        self.valid_events = set()
        for path in args.valid + args.valid_info:
            for line in read_dataset(path):
                obj = loads(line)
                if obj is not None:
                    self.valid_events.add(norm(obj))
        all_valid = args.valid + args.valid_info
        self.expected_users = independent_unique_users(all_valid) if all_valid else {}
        # Days checked strictly: those of --valid (the --valid-info days are shown, not enforced).
        self.strict_days = set(independent_unique_users(args.valid)) if args.valid else set()
        self._lake_cache = {}

    def start(self, topic):
        return self.before.get(topic, {})

    def kafka_counts(self, end):
        """Records of this run per topic, from the `before` offsets to `end`."""
        c = {"raw": 0, "invalid": 0, "latest": 0, "users_records": 0}
        self.reasons = collections.Counter()
        self.invalid_total = 0
        self.raw_records = {}  # (partition, offset) -> the event as stored (unframed bytes)
        for part, off, headers, payload in consume(RAW, self.start(RAW), end[RAW]):
            if not self.ids or header_values(headers) & self.ids:
                c["raw"] += 1
                self.raw_records[(part, off)] = unframe(payload)
        for _, _, _, payload in consume(INVALID, self.start(INVALID), end[INVALID]):
            obj = loads(unframe(payload))
            if not self.ids or correlation_of_invalid(obj) in self.ids:
                c["invalid"] += 1
                self.reasons.update(invalid_reasons(obj))
        for _, _, _, payload in consume(LATEST, self.start(LATEST), end[LATEST]):
            obj = loads(unframe(payload))
            if not self.ids or correlation_of_latest(obj) in self.ids:
                c["latest"] += 1
        days = set(self.expected_users)
        self.users_records = set()  # the run's unique-users values (updated_at makes each unique)
        for _, _, _, payload in consume(USERS, self.start(USERS), end[USERS]):
            obj = loads(unframe(payload))
            if isinstance(obj, dict) and (not days or obj.get("date") in days):
                c["users_records"] += 1
                self.users_records.add(norm(obj))
        return c

    _CID = re.compile(rb'"correlation_id"\s*:\s*"([^"\\]+)"')

    def _count_object(self, name, key, size, start):
        """This run's lines in one (immutable) object; every filter is exact: the run's correlation
        ids, or its own values. Lines without one of the run's ids are not even parsed."""
        n = 0
        for line in s3_lines(key, size):
            if name in ("invalid", "latest") and self.ids and not any(
                    m.decode(errors="replace") in self.ids for m in self._CID.findall(line)):
                continue
            value, envl = lake_record(line)
            if envl is not None and envl.get("offset", 0) < start.get(envl.get("partition"), 0):
                continue
            if name == "raw":
                ok = not self.valid_events or norm(value) in self.valid_events
            elif name == "invalid":
                ok = not self.ids or correlation_of_invalid(value) in self.ids
            elif name == "latest":
                ok = not self.ids or correlation_of_latest(value) in self.ids
            else:
                ok = isinstance(value, dict) and norm(value) in self.users_records
            n += ok
        return n

    def lake_counts(self):
        """Records of this run in the data lake per topic, or None when the bucket has no object of
        a topic at all (connectors not created)."""
        c = {}
        self.lake_raw_differs = 0
        for name, topic in (("raw", RAW), ("invalid", INVALID), ("latest", LATEST),
                            ("users_records", USERS)):
            objs = lake_objects(topic)
            if not objs:
                c[name] = None
                continue
            start = self.start(topic)
            # Objects that start at or after the run's start offset of their partition, plus the last
            # one before it (still open when the run began, it may hold the run's first records).
            last_before = {}
            for o in objs:
                if o[2] is not None and o[3] is not None and o[3] < start.get(o[2], 0):
                    if o[2] not in last_before or o[3] > last_before[o[2]][3]:
                        last_before[o[2]] = o
            objs = [o for o in objs if o[2] is None or o[3] is None
                    or o[3] >= start.get(o[2], 0)] + list(last_before.values())
            n = 0
            for key, size, part, off in objs:
                if name == "raw" and part is not None and off is not None:
                    # Raw records are written without transactions, so an object holds consecutive
                    # offsets from the one in its name: line i is record (partition, start + i)
                    # (objects are cut per day of the record's Kafka timestamp too: a run across
                    # midnight UTC would break this and show as a mismatch).
                    # Count the lines that are this run's records, and check they hold the same event.
                    if off + len(s3_lines(key, size)) <= start.get(part, 0):
                        continue
                    for i, line in enumerate(s3_lines(key, size)):
                        rec = self.raw_records.get((part, off + i))
                        if rec is not None:
                            n += 1
                            value, _ = lake_record(line)
                            if norm(value) != norm(loads(rec)):
                                self.lake_raw_differs += 1
                    continue
                if name == "users_records":  # its filter grows with every poll: no cache
                    n += self._count_object(name, key, size, start)
                    continue
                ck = (name, key, size)  # objects are immutable; the run's ids are fixed
                if ck not in self._lake_cache:
                    self._lake_cache[ck] = self._count_object(name, key, size, start)
                n += self._lake_cache[ck]
            c[name] = n
        return c

    def users_per_day(self):
        """Last value per date of the compacted topic (whole topic)."""
        last = {}
        for _, _, _, payload in consume(USERS, watermarks(USERS, -2), watermarks(USERS, -1)):
            obj = loads(unframe(payload))
            if isinstance(obj, dict) and "date" in obj:
                last[obj["date"]] = obj
        return last


def connectors_state():
    try:
        with urllib.request.urlopen(env("CONNECT_URL").rstrip("/") + "/connectors?expand=status",
                                    timeout=10) as r:
            data = json.load(r)
    except Exception as e:  # noqa: BLE001 - any failure means "unknown"
        return None, "Connect not reachable (%s)" % e
    if not data:
        return {}, "no connectors created"
    states = {}
    for name, d in data.items():
        st = d.get("status", {})
        tasks = [t.get("state") for t in st.get("tasks", [])]
        states[name] = "%s (tasks: %s)" % (st.get("connector", {}).get("state"), ",".join(tasks) or "none")
    return states, None


def fmt_table(rows, header):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  " + "  ".join(str(x).rjust(w) if i else str(x).ljust(w)  # noqa: E731
                                      for i, (x, w) in enumerate(zip(r, widths)))
    out = [line(header), "  " + "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def cmd_run(args):
    run = Run(args)
    mismatches, notes = [], []
    sent = int(run.gen.get("sent", 0))
    failed = int(run.gen.get("failed", 0))
    connectors, conn_err = connectors_state()
    lake_expected = bool(connectors)

    # 1. Wait for the pipeline to drain: raw + invalid = answered, latest = raw, the lake caught up
    #    with the topics, unique users equal to the expected counts, and all that stable for two polls.
    deadline = time.time() + args.wait
    answered = run.accepted + run.rejected
    previous = None
    settled_at = None
    changed_at = time.time()
    while True:
        end = {t: watermarks(t, -1) for t in TOPICS}
        k = run.kafka_counts(end)
        lake = run.lake_counts() if lake_expected else {}
        last = run.users_per_day()
        kafka_ok = k["raw"] + k["invalid"] >= answered and k["latest"] >= k["raw"]
        lake_ok = not lake_expected or all(
            lake.get(n) is not None and lake[n] >= k[n]
            for n in ("raw", "invalid", "latest", "users_records"))
        users_ok = all(last.get(d, {}).get("unique_users") == n
                       for d, n in run.expected_users.items()
                       if n > 0 and (d in run.strict_days or not run.strict_days))
        msg = "raw=%d invalid=%d latest=%d (answered %d)" % (k["raw"], k["invalid"], k["latest"],
                                                             answered)
        if lake_expected:
            msg += "; lake raw=%s invalid=%s latest=%s unique.users=%s" % (
                lake.get("raw"), lake.get("invalid"), lake.get("latest"), lake.get("users_records"))
        if not users_ok:
            msg += "; unique users not final yet"
        state = (sorted(k.items()), sorted(lake.items()))
        if kafka_ok and lake_ok and users_ok and state == previous:
            progress("drained: " + msg)
            break
        if kafka_ok and lake_ok and state == previous:
            settled_at = settled_at or time.time()
            if time.time() - settled_at >= args.users_grace:
                progress("drained, but unique users differ from the expected counts after %d s: %s"
                         % (args.users_grace, msg))
                break
        else:
            settled_at = None
        if time.time() >= deadline:
            progress("not drained after %d s: %s" % (args.wait, msg))
            notes.append("pipeline did not drain within %d s" % args.wait)
            break
        if state != previous:
            changed_at = time.time()
        elif time.time() - changed_at >= args.stall:
            progress("nothing changed for %d s, giving up waiting: %s" % (args.stall, msg))
            notes.append("pipeline stalled: nothing changed for %d s (%s)" % (args.stall, msg))
            if k["latest"] == 0 and k["raw"] > 0:
                notes.append("no enriched record of this run in %s: is the enricher running?" % LATEST)
            break
        progress("waiting for the pipeline to drain (%d s left): %s" % (deadline - time.time(), msg))
        previous = state
        time.sleep(args.poll)

    # 2. Report.
    out = []
    out.append("=" * 78)
    out.append("clickstream report")
    out.append("=" * 78)
    if run.gen:
        out.append("generator: sent=%d accepted=%d rejected=%d failed=%d  %.0f events/s, "
                   "p50 %.2f ms, p99 %.2f ms" % (sent, run.gen.get("accepted", 0),
                                                 run.gen.get("rejected", 0), failed,
                                                 run.gen.get("events_per_s", 0),
                                                 run.gen.get("p50_ms", 0), run.gen.get("p99_ms", 0)))
    out.append("")
    out.append("This run, record by record (records carrying this run's correlation ids):")
    rows = []

    def check(name, got, want, what):
        ok = got == want
        rows.append((name, got, want, "ok" if ok else "MISMATCH"))
        if not ok:
            mismatches.append("%s: %s, want %s (%s)" % (name, got, want, what))

    check("raw + invalid records", k["raw"] + k["invalid"], sent - failed,
          "events the generator sent and the service answered for")
    check("raw records", k["raw"], run.accepted, "accepted in the service's answers")
    check("invalid records", k["invalid"], run.rejected, "rejected in the service's answers")
    check("latest records", k["latest"], k["raw"], "every raw event enriched once")
    if lake_expected:
        for name, topic in (("raw", RAW), ("invalid", INVALID), ("latest", LATEST)):
            got = lake.get(name)
            check("lake %s records" % name, "none" if got is None else got, k[name],
                  "objects under %s/ against the topic" % topic)
        check("lake raw records differing from Kafka", getattr(run, "lake_raw_differs", 0), 0,
              "the line at (partition, offset) against the raw record there")
        got = lake.get("users_records")
        check("lake unique.users records", "none" if got is None else got, k["users_records"],
              "objects under %s/ against the topic, days of this run" % USERS)
    out.append(fmt_table(rows, ("check", "got", "want", "")))
    if failed:
        notes.append("%d events failed (no 200 answer) and are not expected anywhere" % failed)
    if not lake_expected:
        notes.append("data lake skipped: %s" % (conn_err or "connectors not created"))

    # Topic totals.
    out.append("")
    out.append("Topics (whole topic: offsets; latest holds transaction markers too):")
    rows = []
    for t in TOPICS:
        lo, hi = watermarks(t, -2), watermarks(t, -1)
        rows.append((t, len(hi), sum(hi.values()) - sum(lo.values())))
    out.append(fmt_table(rows, ("topic", "partitions", "offsets")))

    # Invalid reasons.
    out.append("")
    out.append("Top invalid reasons (this run, %d records):" % k["invalid"])
    if run.reasons:
        out.append(fmt_table([(r, n) for r, n in run.reasons.most_common(args.top)],
                             ("reason", "count")))
    else:
        out.append("  (none)")

    # Unique users per day.
    out.append("")
    days = sorted(run.expected_users) if run.expected_users else sorted(last)
    out.append("Unique users per day (last value per day of %s; expected = distinct customer-id "
               "per day of the dataset):" % USERS)
    rows = []
    for d in days:
        got = last.get(d, {}).get("unique_users")
        want = run.expected_users.get(d)
        mark = ""
        if want is not None:
            mark = "ok" if got == want else "MISMATCH"
            if want == 0 and got is None:
                mark = "ok (no customers)"
            elif got != want and d in run.strict_days:
                mismatches.append("unique users on %s: %s, want %s" % (d, got, want))
            elif got != want:
                mark = "differs (not enforced)"
                notes.append("unique users on %s: %s, expected %s from the dataset (a --valid-info day: "
                             "shown, not enforced)" % (d, got, want))
        rows.append((d, "-" if got is None else got, "-" if want is None else want, mark))
    out.append(fmt_table(rows, ("day", "unique_users", "expected", "")) if rows else "  (none)")
    if any(r[3] != "ok" and isinstance(r[1], int) and isinstance(r[2], int) and r[1] > r[2]
           for r in rows):
        notes.append("a day's unique users count every customer ever sent for that day (the state "
                     "is cumulative): a count above the expected one means other events for that day "
                     "were sent before this run")

    # Data lake.
    out.append("")
    if connectors is not None:
        out.append("Connectors: " + (", ".join("%s %s" % kv for kv in sorted(connectors.items()))
                                     or "none"))
    out.append("Data lake s3://%s (whole bucket, per topic):" % env("S3_BUCKET"))
    rows = []
    try:
        for t in TOPICS:
            objs = lake_objects(t)
            size = sum(s for _, s, _, _ in objs)
            recs, unknown = 0, []
            for k2, s2, _, _ in objs:  # the sink's records metadata, else count the lines
                r2 = s3_records_meta(k2)
                if r2 is None:
                    unknown.append((k2, s2))
                else:
                    recs += r2
            if sum(s2 for _, s2 in unknown) <= args.lake_max_bytes:
                recs += sum(len(s3_lines(k2, s2)) for k2, s2 in unknown)
            else:
                recs = "%d + objects without records metadata (%.0f MB, not counted)" % (
                    recs, sum(s2 for _, s2 in unknown) / 1e6)
            rows.append((t, len(objs), size, recs))
        out.append(fmt_table(rows, ("prefix", "objects", "bytes", "records")))
    except Error as e:
        out.append("  skipped: %s" % e)

    out.append("")
    if run.gen:
        out.append("Throughput: %.0f events/s (generator, %d connection(s) as configured), "
                   "p50 %.2f ms, p99 %.2f ms per request" % (
                       run.gen.get("events_per_s", 0), args.concurrency, run.gen.get("p50_ms", 0),
                       run.gen.get("p99_ms", 0)))
    for n in notes:
        out.append("note: " + n)
    if mismatches:
        out.append("MISMATCHES:")
        out += ["  " + m for m in mismatches]
    else:
        out.append("accounting: every event sent is accounted for")
    print("\n".join(out), flush=True)
    if args.strict and (mismatches or (lake_expected is False and args.require_lake)):
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("offsets", help="end offsets of the four topics, as JSON")
    r = sub.add_parser("run", help="wait for a run to drain and print its report")
    r.add_argument("--before", help="offsets JSON taken before the run")
    r.add_argument("--answers", help="the generator's --answers file")
    r.add_argument("--generator-line", default="", help="the generator's summary line")
    r.add_argument("--valid", action="append", default=[], help="dataset of valid events")
    r.add_argument("--valid-info", action="append", default=[],
                   help="dataset of valid events whose days' unique users are shown, not enforced")
    r.add_argument("--wait", type=float, default=300, help="seconds to wait for draining")
    r.add_argument("--poll", type=float, default=3, help="seconds between drain checks")
    r.add_argument("--stall", type=float, default=90,
                   help="stop waiting when nothing changed for this many seconds")
    r.add_argument("--users-grace", type=float, default=20,
                   help="once Kafka and the lake are drained, wait this long for the expected "
                        "unique users")
    r.add_argument("--top", type=int, default=10, help="invalid reasons shown")
    r.add_argument("--concurrency", type=int, default=1, help="generator connections (for the report)")
    r.add_argument("--lake-max-bytes", type=int, default=256 << 20,
                   help="count records of a lake prefix only up to this many bytes")
    r.add_argument("--strict", action="store_true", help="exit 1 on any mismatch")
    r.add_argument("--require-lake", action="store_true", help="with --strict: fail without connectors")
    args = ap.parse_args()
    try:
        if args.cmd == "offsets":
            print(json.dumps(all_offsets()))
            return 0
        return cmd_run(args)
    except Error as e:
        print("report: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
