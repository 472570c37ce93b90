#!/usr/bin/env python3
"""sync-probe: measures how long DHCP service stops while HA peers synchronise leases.

Sends one DHCPDISCOVER every 1/RATE s from a fresh client (distinct MAC and client-id, so in
load-balancing the RFC 3074 hash spreads them over both peers' scopes) with the broadcast flag
set (RFC 2131 4.1: the server broadcasts the OFFER, so the probe needs no address of its own),
and records when each OFFER arrives and which server sent it (option 54). It never sends a
DHCPREQUEST, so it makes no lease.

Runs until SIGTERM/SIGINT or --duration, then prints one JSON object (also to --out):
  sent, answered, first_offer / last_offer (epoch s), max_gap_s (longest time between two
  consecutive OFFERs after the first one, i.e. the longest time nobody answered a client),
  gap_from / gap_to, per-server offer counts, the longest gap per server, and unanswered
  (the send times of the DISCOVERs no OFFER answered, up to 5,000, the last second left out).
--mark FILE: when FILE exists (its content = epoch seconds), gaps are also reported for the
part of the run after that instant (max_gap_after_mark_s).
Run it inside the client namespace: ip netns exec NS sync-probe.py --iface eth0 ...
"""
import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

SO_BINDTODEVICE = 25
MAGIC = b"\x63\x82\x53\x63"


def discover(xid, mac):
    # RFC 2131 4.1 message, BOOTP broadcast flag set; options: 53 DISCOVER, 61 client-id
    # (type 1 + MAC, what perfdhcp and dhclient send), 55 a short parameter list.
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, bytes(4), bytes(4),
                      bytes(4), bytes(4), mac + bytes(10), bytes(64), bytes(128))
    opts = bytes([53, 1, 1, 61, 7, 1]) + mac + bytes([55, 3, 1, 3, 6, 255])
    return hdr + MAGIC + opts


def parse_offer(data):
    """Returns (xid, server-id) of a DHCPOFFER, or None."""
    if len(data) < 240 or data[0] != 2 or data[236:240] != MAGIC:
        return None
    xid = struct.unpack("!I", data[4:8])[0]
    i, mtype, sid = 240, None, "?"
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        ln = data[i + 1]
        val = data[i + 2:i + 2 + ln]
        if code == 53 and ln == 1:
            mtype = val[0]
        elif code == 54 and ln == 4:
            sid = socket.inet_ntoa(val)
        i += 2 + ln
    return (xid, sid) if mtype == 2 else None


def longest_gap(times):
    best, frm, to = 0.0, None, None
    for a, b in zip(times, times[1:]):
        if b - a > best:
            best, frm, to = b - a, a, b
    return best, frm, to


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--rate", type=float, default=20.0, help="DISCOVERs per second")
    ap.add_argument("--duration", type=float, default=300.0, help="hard stop, seconds")
    ap.add_argument("--out", help="also write the JSON result here")
    ap.add_argument("--mark", help="file holding an epoch time; gaps after it reported separately")
    ap.add_argument("--tag", type=int, default=0x77, help="second MAC byte, keeps probes apart")
    args = ap.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, args.iface.encode())
    s.bind(("0.0.0.0", 68))

    stop = [False]

    def on_signal(*_):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    pending = {}  # xid -> send time
    offers = []  # (time, server)
    sent = 0
    start = time.time()
    period = 1.0 / args.rate
    next_send = start
    pid_bits = (os.getpid() & 0xff) << 16
    while not stop[0] and time.time() - start < args.duration:
        now = time.time()
        if now >= next_send:
            sent += 1
            n = pid_bits | (sent & 0xffff)
            mac = bytes([0x02, args.tag & 0xff, (n >> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])
            xid = random.getrandbits(32)
            pending[xid] = now
            try:
                s.sendto(discover(xid, mac), ("255.255.255.255", 67))
            except OSError:
                pass  # interface briefly unavailable: counts as unanswered
            next_send += period
        timeout = max(0.0, next_send - time.time())
        try:
            r, _, _ = select.select([s], [], [], timeout)
        except InterruptedError:
            continue
        if r:
            data = s.recv(4096)
            got = parse_offer(data)
            if got and got[0] in pending:
                del pending[got[0]]
                offers.append((time.time(), got[1]))
    end = time.time()
    # DISCOVERs nobody answered (send times; those of the last second may still be on their
    # way and are left out): a hand-over with a gap shows here even when the other peer kept
    # answering its own clients, which max_gap_s does not see.
    unanswered = sorted(t for t in pending.values() if t < end - 1.0)

    times = [t for t, _ in offers]
    gap, frm, to = longest_gap(times)
    # The tail: no OFFER since the last one until the end counts as a gap too.
    if times and end - times[-1] > gap:
        gap, frm, to = end - times[-1], times[-1], end
    result = {"sent": sent, "answered": len(offers), "start": start, "end": end,
              "first_offer": times[0] if times else None, "last_offer": times[-1] if times else None,
              "max_gap_s": round(gap, 3), "gap_from": frm, "gap_to": to, "servers": {},
              "unanswered": [round(t, 3) for t in unanswered[:5000]]}
    for srv in sorted({sv for _, sv in offers}):
        st = [t for t, sv in offers if sv == srv]
        g, f, t2 = longest_gap(st)
        result["servers"][srv] = {"offers": len(st), "max_gap_s": round(g, 3), "gap_from": f, "gap_to": t2}
    if args.mark and os.path.exists(args.mark):
        try:
            mark = float(open(args.mark).read().strip())
            after = [t for t in times if t >= mark]
            g, f, t2 = longest_gap(after)
            if after and end - after[-1] > g:
                g, f, t2 = end - after[-1], after[-1], end
            if after and after[0] - mark > g:
                g, f, t2 = after[0] - mark, mark, after[0]
            result.update({"mark": mark, "max_gap_after_mark_s": round(g, 3) if after else None,
                           "gap_after_mark_from": f, "gap_after_mark_to": t2})
        except ValueError:
            pass
    text = json.dumps(result)
    print(text, flush=True)
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text + "\n")
        os.replace(args.out + ".tmp", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
