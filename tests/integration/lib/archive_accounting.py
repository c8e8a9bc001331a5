#!/usr/bin/env python3
"""Accounting of the archive against Kafka: for each topic of a connector, the lines in the bucket and the
records below the connector's committed offsets (read_committed, via kcat). Equal numbers mean every
committed record is in the lake exactly once (objects written after the last commit may add lines).

  archive_accounting.py [CONNECTOR]        (default clickstream-archive; prefix from its s3.prefix)

Environment: CONNECT_URL, KAFKA_BOOTSTRAP_SERVERS, S3_* (see lake.py). Exit 1 when a topic differs.
"""
import importlib.util
import json
import os
import subprocess
import sys
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("lake", os.path.join(here, "lake.py"))
lake = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lake)

connect = os.environ.get("CONNECT_URL", "http://localhost:8083").rstrip("/")
bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
name = sys.argv[1] if len(sys.argv) > 1 else "clickstream-archive"
config = json.load(urllib.request.urlopen(f"{connect}/connectors/{name}/config", timeout=10))
prefix = config.get("s3.prefix", "").strip("/")
prefix = prefix + "/" if prefix else ""
committed = {}
for o in json.load(urllib.request.urlopen(f"{connect}/connectors/{name}/offsets", timeout=10))["offsets"]:
    committed[(o["partition"]["kafka_topic"], o["partition"]["kafka_partition"])] = o["offset"]["kafka_offset"]
status = 0
for topic in [t.strip() for t in config["topics"].split(",") if t.strip()]:
    objects = lake.list_objects(f"{prefix}{topic}/")
    lines = sum(len(lake.object_lines(k)) for k, _ in objects)
    records = 0
    for (t, p), end in sorted(committed.items()):
        if t != topic:
            continue
        out = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", str(p), "-o", "beginning", "-e",
                              "-q", "-X", "isolation.level=read_committed", "-f", "%o\n"],
                             capture_output=True, text=True, check=True).stdout.split()
        records += sum(1 for x in out if int(x) < end)
    same = "=" if lines == records else "!="
    status |= lines != records
    print(f"{topic}: {lines} lines in {len(objects)} objects {same} {records} records below the committed offsets")
sys.exit(status)
