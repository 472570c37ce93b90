#!/usr/bin/env python3
"""Act as a DHCP relay agent (RFC 2131 4.1, RFC 1542): send a relayed DISCOVER and then a
REQUEST for the offered address from <giaddr>:67 to the server, and print what came back as
one JSON object. Used by the integration tests; needs only the standard library.

usage: dhcp-relay-probe.py --server 198.18.0.1 --giaddr 198.19.1.1 --mac 02:00:00:00:00:01
       [--circuit-id port-1] [--remote-id relay-1] [--timeout 3] [--no-request]
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"
MSG = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def build(msg_type, xid, mac, giaddr, options):
    # BOOTP fixed header (RFC 2131 section 2): op, htype, hlen, hops, xid, secs, flags,
    # ciaddr, yiaddr, siaddr, giaddr, chaddr[16], sname[64], file[128].
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0,
                      bytes(4), bytes(4), bytes(4), socket.inet_aton(giaddr),
                      mac + bytes(10), bytes(64), bytes(128))
    opts = bytes([53, 1, msg_type])
    for code, value in options:
        opts += bytes([code, len(value)]) + value
    return hdr + MAGIC + opts + b"\xff"


def parse(data):
    if len(data) < 240 or data[236:240] != MAGIC:
        return None
    op, _, _, hops, xid = struct.unpack("!BBBBI", data[:8])
    out = {"op": op, "hops": hops, "xid": xid,
           "ciaddr": socket.inet_ntoa(data[12:16]), "yiaddr": socket.inet_ntoa(data[16:20]),
           "siaddr": socket.inet_ntoa(data[20:24]), "giaddr": socket.inet_ntoa(data[24:28]),
           "chaddr": ":".join("%02x" % b for b in data[28:34]), "options": {}}
    i = 240
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        n = data[i + 1]
        out["options"][str(code)] = data[i + 2:i + 2 + n].hex()
        i += 2 + n
    mt = out["options"].get("53")
    out["type"] = MSG.get(int(mt, 16), mt) if mt else None
    return out


def exchange(sock, server, port, pkt, xid, timeout):
    sock.sendto(pkt, (server, port))
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None, None
        sock.settimeout(left)
        try:
            data, src = sock.recvfrom(4096)
        except socket.timeout:
            return None, None
        reply = parse(data)
        if reply and reply["op"] == 2 and reply["xid"] == xid:
            return reply, src


def ip_list(hexstr):
    b = bytes.fromhex(hexstr)
    return [socket.inet_ntoa(b[i:i + 4]) for i in range(0, len(b) - 3, 4)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--port", type=int, default=67, help="server port (and our source port)")
    ap.add_argument("--giaddr", required=True)
    ap.add_argument("--mac", required=True)
    ap.add_argument("--circuit-id", default="")
    ap.add_argument("--remote-id", default="")
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--no-request", action="store_true")
    a = ap.parse_args()

    mac = bytes(int(x, 16) for x in a.mac.split(":"))
    opt82 = b""
    if a.circuit_id:
        opt82 += bytes([1, len(a.circuit_id)]) + a.circuit_id.encode()
    if a.remote_id:
        opt82 += bytes([2, len(a.remote_id)]) + a.remote_id.encode()
    common = [(55, bytes([1, 3, 6, 15, 51, 54, 58, 59]))]
    trailer = [(82, opt82)] if opt82 else []  # RFC 3046 2.1: the relay appends option 82 last

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # A relay listens and sends on the server port (RFC 2131 4.1: replies to giaddr go to 67).
    sock.bind((a.giaddr, a.port))

    result = {"giaddr": a.giaddr, "mac": a.mac}
    xid = int.from_bytes(os.urandom(4), "big")
    offer, src = exchange(sock, a.server, a.port, build(1, xid, mac, a.giaddr, common + trailer),
                          xid, a.timeout)
    result["offer"] = offer
    result["offer_from"] = list(src) if src else None
    if offer and offer["type"] == "OFFER" and not a.no_request:
        req_opts = [(50, socket.inet_aton(offer["yiaddr"]))]
        if "54" in offer["options"]:
            req_opts.append((54, bytes.fromhex(offer["options"]["54"])))
        ack, src = exchange(sock, a.server, a.port,
                            build(3, xid, mac, a.giaddr, req_opts + common + trailer), xid, a.timeout)
        result["ack"] = ack
        result["ack_from"] = list(src) if src else None
    for k in ("offer", "ack"):
        r = result.get(k)
        if r:
            o = r["options"]
            r["routers"] = ip_list(o["3"]) if "3" in o else []
            r["dns"] = ip_list(o["6"]) if "6" in o else []
            r["server_id"] = ip_list(o["54"])[0] if "54" in o else None
            r["relay_info"] = o.get("82")
    result["sent_relay_info"] = opt82.hex() if opt82 else None
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0 if result.get("offer") else 2


if __name__ == "__main__":
    sys.exit(main())
