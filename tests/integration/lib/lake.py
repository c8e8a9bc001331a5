#!/usr/bin/env python3
"""Reads the data lake (S3, path-style, SigV4) with the Python standard library only.

  lake.py list PREFIX                 one line per object: key, size
  lake.py lines PREFIX                every line of every object under PREFIX, as
                                      {"key": ..., "line": <the line as text>} (objects in key order)
  lake.py delete PREFIX               deletes every object under PREFIX

Endpoint and credentials from S3_ENDPOINT, S3_BUCKET, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY.
"""
import datetime
import gzip
import hashlib
import hmac
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

ENDPOINT = os.environ.get("S3_ENDPOINT", "http://localhost:9000").rstrip("/")
BUCKET = os.environ.get("S3_BUCKET", "acme.eu-west-1.stg.data.lake")
REGION = os.environ.get("S3_REGION", "eu-west-1")
ACCESS = os.environ.get("S3_ACCESS_KEY", "clickstream")
SECRET = os.environ.get("S3_SECRET_KEY", "clickstream-secret")
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def request(method, key="", query=None, body=b""):
    """A signed request to ENDPOINT/BUCKET[/key]; returns (status, body bytes)."""
    url = urllib.parse.urlsplit(ENDPOINT)
    path = "/" + urllib.parse.quote(BUCKET, safe="") + ("/" + urllib.parse.quote(key, safe="/~") if key else "")
    q = sorted((query or {}).items())
    qs = "&".join(urllib.parse.quote(k, safe="~") + "=" + urllib.parse.quote(str(v), safe="~") for k, v in q)
    now = datetime.datetime.now(datetime.timezone.utc)
    amzdate, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": url.netloc, "x-amz-content-sha256": payload, "x-amz-date": amzdate}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, path, qs] + [f"{h}:{headers[h]}" for h in sorted(headers)] + ["", signed, payload])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _sign(_sign(_sign(_sign(("AWS4" + SECRET).encode(), day), REGION), "s3"), "aws4_request")
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={ACCESS}/{scope}, SignedHeaders={signed}, Signature={sig}"
    req = urllib.request.Request(f"{ENDPOINT}{path}" + (f"?{qs}" if qs else ""), data=body or None,
                                 method=method, headers={k: v for k, v in headers.items() if k != "host"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def list_objects(prefix):
    """[(key, size)] of every object under prefix, in key order (follows continuation tokens)."""
    out, token = [], None
    while True:
        query = {"list-type": "2", "prefix": prefix}
        if token:
            query["continuation-token"] = token
        status, body = request("GET", query=query)
        if status != 200:
            raise SystemExit(f"list {prefix}: HTTP {status}: {body[:300]!r}")
        root = ET.fromstring(body)
        for c in root.findall(f"{NS}Contents"):
            out.append((c.find(f"{NS}Key").text, int(c.find(f"{NS}Size").text)))
        if (root.findtext(f"{NS}IsTruncated") or "false") != "true":
            return sorted(out)
        token = root.findtext(f"{NS}NextContinuationToken")


def get(key):
    status, body = request("GET", key)
    if status != 200:
        raise SystemExit(f"get {key}: HTTP {status}: {body[:300]!r}")
    return gzip.decompress(body) if key.endswith(".gz") else body


def object_lines(key):
    text = get(key).decode("utf-8")
    if text and not text.endswith("\n"):
        raise SystemExit(f"{key}: last line has no newline")
    return text.split("\n")[:-1] if text else []


def main(argv):
    if len(argv) != 3 or argv[1] not in ("list", "lines", "delete"):
        raise SystemExit(__doc__)
    cmd, prefix = argv[1], argv[2]
    if cmd == "list":
        for key, size in list_objects(prefix):
            print(f"{key}\t{size}")
    elif cmd == "lines":
        for key, _ in list_objects(prefix):
            for line in object_lines(key):
                print(json.dumps({"key": key, "line": line}))
    else:
        for key, _ in list_objects(prefix):
            status, body = request("DELETE", key)
            if status not in (200, 204):
                raise SystemExit(f"delete {key}: HTTP {status}: {body[:300]!r}")


if __name__ == "__main__":
    main(sys.argv)
