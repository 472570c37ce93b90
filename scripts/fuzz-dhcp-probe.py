#!/usr/bin/env python3
"""Malformed DHCPv4 packet flood for the robustness tests (tests/integration/robust_*).

Sends a rate-bounded mix of broken BOOTP/DHCP datagrams to a server (unicast and, with
--broadcast, to 255.255.255.255 as well) and prints one JSON summary line on stdout:
  {"sent": N, "by_kind": {...}, "must_fail_parse": M, "replies": R}

Kinds (RFC 2131 section 2 fixed header, RFC 2132 options):
  empty           zero-length datagram
  truncated       a valid DISCOVER cut anywhere inside the 236-byte header or the cookie
  bad_cookie      a DISCOVER whose magic cookie (RFC 2131 3) is wrong
  random          random bytes, 1..1500 long, cookie forced wrong
  opt_overrun     an option whose length runs past the end of the datagram, before any
                  option 53 (Kea 2.2 ignores an overrunning option and all after it)
  opt_no_end      a DISCOVER with an option too short for its definition (50, 51, 54 of
                  3 octets, an empty 55: Kea 2.2 fails the packet), no END, last one truncated
  op_reply        a server message (OFFER/ACK/NAK) with op = BOOTREPLY (2)
  op_bogus        op codes 0, 3, 255 on server messages (Kea goes by the message type)
  no_msg_type     op = BOOTREQUEST with options but no option 53 (BOOTP; not served)
  bad_msg_type    option 53 with length 0, or value 0 / 9..255 (also as first of 2 octets)
  huge_hlen       hlen 17..255 (RFC 2131: at most 16 bytes of chaddr) on a server message
  overload_bad    option 52 (RFC 2132 9.3) pointing at sname/file holding an option too
                  short for its definition among garbage
  giant           a 4 KB datagram (IP-fragmented) of site options, the last one cut short,
                  carrying a server message type

"must_fail_parse" counts the kinds no conforming codec can decode (empty, truncated,
bad_cookie, random, opt_overrun, opt_no_end, overload_bad): the caller compares it
with the server's pkt4-parse-failed (giant may be dropped as too big before parsing).
Every kind is malformed or not servable, so a conforming server answers none of them;
"replies" counts datagrams received back on the sending socket (replies to the unicast
sender go to its port; broadcast replies to port 68 are not seen, which is fine: the
caller also checks the server's pkt4-sent statistic).
"""
import argparse
import json
import os
import random
import select
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"


def header(op=1, htype=1, hlen=6, xid=None, flags=0x8000, chaddr=None, rng=None):
    xid = rng.getrandbits(32) if xid is None else xid
    chaddr = chaddr if chaddr is not None else bytes([0x02, 0xfe]) + rng.randbytes(4)
    return struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, 0, xid, 0, flags,
                       b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4, chaddr.ljust(16, b"\0")[:16],
                       b"\0" * 64, b"\0" * 128)


SERVER_TYPES = [2, 5, 6]  # OFFER, ACK, NAK: a server drops them whatever the op
BAD_LENGTH = [b"\x32\x03\xc6\x12\x00", b"\x33\x02\x00\x01", b"\x36\x03\xc6\x12\x00", b"\x37\x00"]


def server_msg(rng):
    return bytes([0x35, 1, rng.choice(SERVER_TYPES)])


def discover(rng, op=1, hlen=6, msg_type=b"\x35\x01\x01"):
    return header(op=op, hlen=hlen, rng=rng) + MAGIC + msg_type + b"\x37\x03\x01\x03\x06" + b"\xff"


def make(kind, rng):
    if kind == "empty":
        return b""
    if kind == "truncated":
        full = discover(rng)
        return full[: rng.randrange(1, 240)]
    if kind == "bad_cookie":
        p = bytearray(discover(rng))
        p[236:240] = rng.choice([b"\0\0\0\0", b"\x63\x82\x53\x64", b"\xde\xad\xbe\xef", b"\x63\x53\x82\x63"])
        return bytes(p)
    if kind == "random":
        p = bytearray(rng.randbytes(rng.randrange(1, 1500)))
        if len(p) >= 240 and p[236:240] == MAGIC:
            p[236] ^= 0xFF
        return bytes(p)
    if kind == "opt_overrun":
        code = rng.choice([12, 50, 55, 61, 81, 82, 53, 54])
        return header(rng=rng) + MAGIC + bytes([code, rng.randrange(20, 256)]) + rng.randbytes(rng.randrange(0, 10))
    if kind == "opt_no_end":
        return header(rng=rng) + MAGIC + b"\x35\x01\x01" + rng.choice(BAD_LENGTH) + b"\x0c\x08abc"
    if kind == "op_reply":
        return discover(rng, op=2, msg_type=server_msg(rng))
    if kind == "op_bogus":
        return discover(rng, op=rng.choice([0, 3, 255]), msg_type=server_msg(rng))
    if kind == "no_msg_type":
        return header(rng=rng) + MAGIC + b"\x37\x02\x01\x03\xff"
    if kind == "bad_msg_type":
        mt = rng.choice([b"\x35\x00", b"\x35\x02\x00\x01", b"\x35\x01\x00",
                         b"\x35\x01" + bytes([rng.randrange(19, 256)])])
        return header(rng=rng) + MAGIC + mt + b"\xff"
    if kind == "huge_hlen":
        return discover(rng, hlen=rng.randrange(17, 256), msg_type=server_msg(rng))
    if kind == "overload_bad":
        p = bytearray(header(rng=rng) + MAGIC + b"\x35\x01\x01\x34\x01\x03\xff")
        # sname starts with an option that runs past the field's end (ignored, as Kea
        # ignores an overrunning option), file with one too short for its definition.
        p[44:44 + 64] = b"\x0c\xff" + rng.randbytes(62)
        bad = rng.choice(BAD_LENGTH)
        p[108:108 + 128] = bad + rng.randbytes(128 - len(bad))
        return bytes(p)
    if kind == "giant":
        # Site options (224..254) filling 4 KB, the last one cut short.
        return header(rng=rng) + MAGIC + server_msg(rng) + b"".join(
            bytes([224 + rng.randrange(0, 30), 250]) + rng.randbytes(250) for _ in range(15)) + b"\xe0\xfa" + rng.randbytes(100)
    raise ValueError(kind)


KINDS = ["empty", "truncated", "bad_cookie", "random", "opt_overrun", "opt_no_end", "op_reply",
         "op_bogus", "no_msg_type", "bad_msg_type", "huge_hlen", "overload_bad", "giant"]
MUST_FAIL = {"empty", "truncated", "bad_cookie", "random", "opt_overrun", "opt_no_end", "overload_bad"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True, help="server address (unicast target)")
    ap.add_argument("--port", type=int, default=67)
    ap.add_argument("--count", type=int, default=3000, help="datagrams in total")
    ap.add_argument("--rate", type=float, default=1000.0, help="datagrams per second, at most")
    ap.add_argument("--broadcast", action="store_true", help="send every other datagram to 255.255.255.255")
    ap.add_argument("--iface", help="SO_BINDTODEVICE for the broadcasts")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of kinds")
    a = ap.parse_args()

    seed = a.seed if a.seed is not None else int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    kinds = [k for k in a.kinds.split(",") if k]
    for k in kinds:
        if k not in KINDS:
            ap.error(f"unknown kind {k}")

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    if a.iface:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("0.0.0.0", 0))
    s.setblocking(False)

    by_kind = {k: 0 for k in kinds}
    sent = must_fail = replies = errors = 0
    interval = 1.0 / a.rate
    start = time.monotonic()
    for i in range(a.count):
        # Rate bound: never ahead of schedule (no bursts beyond one datagram).
        due = start + i * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        kind = kinds[i % len(kinds)]
        data = make(kind, rng)
        dst = "255.255.255.255" if a.broadcast and i % 2 else a.server
        try:
            s.sendto(data, (dst, a.port))
        except OSError:
            errors += 1  # e.g. EMSGSIZE on a tiny MTU; not counted as sent
            continue
        by_kind[kind] += 1
        sent += 1
        if kind in MUST_FAIL:
            must_fail += 1
        while select.select([s], [], [], 0)[0]:
            try:
                s.recv(4096)
                replies += 1
            except OSError:
                break
    # Late replies (a server answering something it should have dropped).
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        if select.select([s], [], [], 0.1)[0]:
            try:
                s.recv(4096)
                replies += 1
            except OSError:
                pass
    print(json.dumps({"seed": seed, "sent": sent, "send_errors": errors, "by_kind": by_kind,
                      "must_fail_parse": must_fail, "replies": replies,
                      "seconds": round(time.monotonic() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
