#!/usr/bin/python3
"""A fixed DHCPv4 exchange, acting as a relay agent (RFC 2131 4.1: sent from <giaddr>:67 to
the server's port 67), used to compare the statistics and log messages of tandemd and Kea 2.2
for the same traffic (tests/integration/stats_log_kea_test.sh). Packets are built and parsed
with scapy; needs /usr/bin/python3 with python3-scapy.

The scenario (each step waits for the server's answer, so both servers see the same order):
  giaddr A (subnet 1): clients 1..3 DORA; client 1 renews (REQUEST with ciaddr);
                       client 2 RELEASEs; client 3 DECLINEs its address;
                       unknown client 4 INIT-REBOOTs (silence); client 1 INIT-REBOOTs
                       asking for an address that is not its lease (NAK)
  giaddr B (subnet 2, one address): client 5 DORA; client 6 DISCOVERs and gets nothing
                       (pool exhausted)
A relayed INFORM is left out: Kea 2.2 answers it at ciaddr, tandemd at the relay (giaddr).

usage: dhcp-stats-exchange.py --server 198.18.0.1 --giaddr-a 198.19.1.1 --giaddr-b 198.19.2.1
prints one JSON line: the reply types seen per step.
"""
import argparse
import json
import socket
import sys

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.packet import Raw  # noqa: F401  (scapy registers layers on import)

TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def mac_bytes(i):
    return bytes([0x02, 0x00, 0x00, 0x5C, 0x00, i])


def packet(msg, xid, mac, giaddr, ciaddr="0.0.0.0", opts=()):
    options = [("message-type", msg)] + list(opts) + ["end"]
    return bytes(BOOTP(op=1, htype=1, hlen=6, hops=1, xid=xid, ciaddr=ciaddr, giaddr=giaddr,
                       chaddr=mac + bytes(10)) / DHCP(options=options))


def reply_of(data):
    p = BOOTP(data)
    mt = None
    sid = None
    if DHCP in p:
        for o in p[DHCP].options:
            if isinstance(o, tuple) and o[0] == "message-type":
                mt = TYPES.get(o[1], str(o[1]))
            if isinstance(o, tuple) and o[0] == "server_id":
                sid = o[1]
    return {"type": mt, "yiaddr": p.yiaddr, "xid": p.xid, "server_id": sid}


class Relay:
    def __init__(self, server, giaddr, timeout):
        self.server = server
        self.giaddr = giaddr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((giaddr, 67))
        self.sock.settimeout(timeout)

    def send(self, pkt, xid, expect_reply=True):
        self.sock.sendto(pkt, (self.server, 67))
        if not expect_reply:
            return None
        try:
            while True:
                data, _ = self.sock.recvfrom(4096)
                r = reply_of(data)
                if r["xid"] == xid:
                    return r
        except socket.timeout:
            return None


def dora(relay, i, steps):
    mac = mac_bytes(i)
    xid = 0x5C000000 + i * 16
    offer = relay.send(packet("discover", xid, mac, relay.giaddr), xid)
    steps.append(["discover", i, offer and offer["type"]])
    if not offer or offer["type"] != "OFFER":
        return None
    ack = relay.send(packet("request", xid + 1, mac, relay.giaddr,
                            opts=[("requested_addr", offer["yiaddr"]), ("server_id", offer["server_id"])]), xid + 1)
    steps.append(["request", i, ack and ack["type"]])
    return ack["yiaddr"] if ack and ack["type"] == "ACK" else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--giaddr-a", required=True)
    ap.add_argument("--giaddr-b", required=True)
    ap.add_argument("--bad-address", default="198.19.1.151")
    ap.add_argument("--other-address", default="198.19.1.150")
    ap.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    steps = []
    ra = Relay(a.server, a.giaddr_a, a.timeout)
    rb = Relay(a.server, a.giaddr_b, a.timeout)
    addr = {}
    for i in (1, 2, 3):
        addr[i] = dora(ra, i, steps)
    if not all(addr.values()):
        print(json.dumps({"steps": steps, "error": "DORA failed"}))
        return 1
    # Renewal (RFC 2131 4.3.2 RENEWING: ciaddr set, no requested address, no server id).
    xid = 0x5C000100
    r = ra.send(packet("request", xid, mac_bytes(1), a.giaddr_a, ciaddr=addr[1]), xid)
    steps.append(["renew", 1, r and r["type"]])
    # RELEASE and DECLINE have no reply.
    ra.send(packet("release", 0x5C000200, mac_bytes(2), a.giaddr_a, ciaddr=addr[2],
                   opts=[("server_id", a.server)]), 0x5C000200, expect_reply=False)
    steps.append(["release", 2, None])
    ra.send(packet("decline", 0x5C000300, mac_bytes(3), a.giaddr_a,
                   opts=[("requested_addr", addr[3]), ("server_id", a.server)]), 0x5C000300, expect_reply=False)
    steps.append(["decline", 3, None])
    # INIT-REBOOT of a client the server knows nothing of: silence (RFC 2131 4.3.2).
    xid = 0x5C000400
    r = ra.send(packet("request", xid, mac_bytes(4), a.giaddr_a, opts=[("requested_addr", a.bad_address)]), xid)
    steps.append(["init-reboot-unknown", 4, r and r["type"]])
    # INIT-REBOOT of client 1 asking for an address that is not its lease: DHCPNAK.
    xid = 0x5C000410
    r = ra.send(packet("request", xid, mac_bytes(1), a.giaddr_a, opts=[("requested_addr", a.other_address)]), xid)
    steps.append(["init-reboot-wrong", 1, r and r["type"]])
    addr[5] = dora(rb, 5, steps)
    # Subnet 2's pool has one address, now client 5's: client 6 gets nothing (allocation fails).
    xid = 0x5C000600
    r = rb.send(packet("discover", xid, mac_bytes(6), a.giaddr_b), xid)
    steps.append(["discover-pool-full", 6, r and r["type"]])
    print(json.dumps({"steps": steps, "addresses": addr}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
