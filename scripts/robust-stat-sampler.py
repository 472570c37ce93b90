#!/usr/bin/env python3
"""Samples Kea-style statistics from a UNIX control socket at a fixed period.

  robust-stat-sampler.py SOCKET STAT [STAT...] [--period 1.0] [--duration 60] [--pid PID]

Prints one line per sample, "<CLOCK_MONOTONIC seconds> <value of STAT>... [<cpu seconds>]"
(the last column with --pid: the process's utime + stime from /proc), flushed, until the
duration ends or it is terminated (SIGTERM/SIGINT end it cleanly). A failed command prints
"-" for its value, so a stalled server shows as gaps rather than ending the series. The
clock is the system-wide monotonic one, so a caller can place its own time.monotonic()
readings on the series. One long-lived process keeps the sampling cost (a connect and one
statistic-get per stat) low on a machine the server under test is saturating.
"""
import argparse
import json
import os
import signal
import socket
import sys
import time


def command(path, cmd, timeout):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(json.dumps(cmd).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            try:
                return json.loads(data)
            except ValueError:
                continue
        return json.loads(data)
    finally:
        s.close()


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            # Fields after the parenthesised command name; utime and stime are 14 and 15.
            rest = f.read().rsplit(")", 1)[1].split()
        return f"{(int(rest[11]) + int(rest[12])) / os.sysconf('SC_CLK_TCK'):.2f}"
    except (OSError, IndexError, ValueError):
        return "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("stats", nargs="+")
    ap.add_argument("--period", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--pid", type=int, help="also print this process's CPU seconds (utime+stime)")
    a = ap.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    start = time.monotonic()
    i = 0
    while not stop and time.monotonic() - start < a.duration:
        t = time.monotonic()
        vals = []
        for name in a.stats:
            try:
                ans = command(a.socket, {"command": "statistic-get", "arguments": {"name": name}},
                              max(a.period, 1.0))
                v = ans.get("arguments", {}).get(name)
                vals.append(str(v[0][0]) if v else "0")
            except (OSError, ValueError):
                vals.append("-")
        if a.pid:
            vals.append(cpu_seconds(a.pid))
        print(f"{t:.3f} " + " ".join(vals), flush=True)
        i += 1
        delay = start + i * a.period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
