#!/usr/bin/env python3
"""Sends the hostile-input corpus (tests/fixtures/hostile/) to a running service over raw sockets
and compares each answer's status with the manifest.

usage: hostile_client.py CORPUS_DIR HOST PORT [RESULTS_TSV]

manifest.tsv: one case a line, tab-separated: name, expected, kind, description ('#' comments).
  kind "body": <name>.json is POSTed to /collect (Content-Type: application/json, exact
               Content-Length).
  kind "http": <name>.http is a whole HTTP request; its newlines become CRLF.
  expected: the status codes of the answers read until the server closes, comma-separated
  ("400", "200,400" for a pipelined second request), or "none" (closed without an answer).
Case files may use these tokens (expanded after the CRLF conversion):
  {{repeat N TEXT}}  TEXT N times        {{bytes HH HH ...}}  raw bytes (hex)
  {{lf}}             a bare LF           {{length}}  the byte length of the request body
The last newline of a file is not part of the request. The client does not half-close (httplib
drops the answer to a peer that did): it reads until the server closes the connection, or for 1 s
after the last complete answer (so a request that announces more bytes than it sends ends after the
server's read timeout, http.read-timeout-ms).
Prints one "ok"/"FAIL" line a case; exit status 1 if any case failed.
"""
import re
import socket
import sys
import threading
import time

TOKEN = re.compile(rb"\{\{(repeat (\d+) (.*?)|bytes ([0-9A-Fa-f ]+)|lf)\}\}", re.S)
CASE_TIMEOUT_S = 30
QUIET_S = 1.0


def expand(data: bytes) -> bytes:
    def sub(m):
        if m.group(0) == b"{{lf}}":
            return b"\n"
        if m.group(2) is not None:
            return m.group(3) * int(m.group(2))
        return bytes.fromhex(m.group(4).decode())

    return TOKEN.sub(sub, data)


def load_case(corpus, name, kind):
    if kind == "body":
        data = open(f"{corpus}/{name}.json", "rb").read()
        if data.endswith(b"\n"):
            data = data[:-1]
        body = expand(data)
        head = (
            b"POST /collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        return head + body
    if kind == "http":
        data = open(f"{corpus}/{name}.http", "rb").read()
        if data.endswith(b"\n"):
            data = data[:-1]
        data = expand(data.replace(b"\n", b"\r\n"))
        end = data.find(b"\r\n\r\n")
        body_len = len(data) - (end + 4) if end >= 0 else 0
        return data.replace(b"{{length}}", str(body_len).encode())
    raise ValueError(f"unknown kind {kind!r}")


def parse_responses(stream: bytes, head_request=False):
    """(status codes of the HTTP responses in `stream`, whether the last one is complete)."""
    out, pos = [], 0
    while pos < len(stream):
        m = re.match(rb"HTTP/1\.[01] (\d{3})[^\r\n]*\r\n", stream[pos:])
        if not m:
            out.append("garbage")
            return out, True
        end = stream.find(b"\r\n\r\n", pos)
        if end < 0:
            out.append(m.group(1).decode() + "(truncated)")
            return out, False
        head = stream[pos:end]
        length = re.search(rb"\r\nContent-Length: *(\d+)", head, re.I)
        out.append(m.group(1).decode())
        pos = end + 4 + (int(length.group(1)) if length and not head_request else 0)
        if pos > len(stream):
            out[-1] += "(truncated)"
            return out, False
    return out, True


def run_case(host, port, request: bytes):
    """Sends `request` (from a thread: the server may answer before reading all of it) and reads
    answers until the server closes, or for QUIET_S after the last complete answer."""
    sock = socket.create_connection((host, port), timeout=10)
    received = bytearray()

    def sender():
        try:
            sock.sendall(request)
        except OSError:  # the server may answer and close before reading everything
            pass

    t = threading.Thread(target=sender, daemon=True)
    started = last = time.monotonic()
    t.start()
    sock.settimeout(0.1)
    timed_out = False
    try:
        while True:
            now = time.monotonic()
            if now - started > CASE_TIMEOUT_S:
                timed_out = True
                break
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                got, complete = parse_responses(bytes(received), request.startswith(b"HEAD "))
                if got and complete and time.monotonic() - last > QUIET_S:
                    break
                continue
            if not chunk:
                break
            received.extend(chunk)
            last = time.monotonic()
    except OSError:
        pass  # reset after the answer: keep what was read
    finally:
        sock.close()
        t.join(timeout=5)
    got, _ = parse_responses(bytes(received), request.startswith(b"HEAD "))
    if timed_out:
        got.append("timeout")
    return (got or ["none"]), time.monotonic() - started


def main():
    corpus, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    results = open(sys.argv[4], "w") if len(sys.argv) > 4 else None
    failed = 0
    total = 0
    for line in open(f"{corpus}/manifest.tsv"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        name, expected, kind, description = line.split("\t")
        request = load_case(corpus, name, kind)
        got, seconds = run_case(host, port, request)
        got_s = ",".join(got)
        total += 1
        good = got_s == expected
        if not good:
            failed += 1
        print(f"{'ok  ' if good else 'FAIL'} {name}: {description}: expected {expected}, got {got_s}"
              f" ({len(request)} bytes, {seconds:.2f} s)")
        if results:
            results.write(f"{name}\t{expected}\t{got_s}\t{len(request)}\t{seconds:.3f}\n")
    print(f"corpus: {total} cases, {total - failed} as expected, {failed} not")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
