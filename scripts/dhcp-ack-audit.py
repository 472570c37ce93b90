#!/usr/bin/python3
"""Audit the DHCPACKs in a packet capture: was any address ACKed to two clients?

usage: dhcp-ack-audit.py CAPTURE.pcap [ROWS]

CAPTURE is what `tcpdump -w` wrote on the clients' side (classic pcap format, read by
robust-dhcp-acks.py).
Every BOOTREPLY carrying DHCP message type 5 (RFC 2132 9.6) counts: its yiaddr and the
client's hardware address (chaddr, hlen octets). An address ACKed to two different hardware
addresses is a double allocation. ROWS, if given, holds the lease database's rows as
"address|hwaddr-hex" lines (address as Kea's unsigned integer): an ACKed address whose row
belongs to another client is reported too.

Prints one summary line (and up to ten examples of each problem); exits 1 on any problem or
when the capture holds no DHCPACK, 0 otherwise. No scapy: a benchmark's capture holds
hundreds of thousands of packets.
"""
import importlib.util
import ipaddress
import os
import sys

# The one pcap reader for DHCP replies (Ethernet, Linux cooked, raw IP): robust-dhcp-acks.py.
_spec = importlib.util.spec_from_file_location(
    "robust_dhcp_acks", os.path.join(os.path.dirname(os.path.abspath(__file__)), "robust-dhcp-acks.py"))
_replies = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_replies)


def acks(path):
    """Yields (yiaddr, chaddr-hex) of every DHCPACK in the capture."""
    for yiaddr, chaddr in _replies.dhcp_acks(path):
        yield yiaddr, chaddr.replace(":", "")


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    held = {}
    count = 0
    for ip, mac in acks(sys.argv[1]):
        count += 1
        held.setdefault(ip, set()).add(mac)
    doubled = {ip: m for ip, m in held.items() if len(m) > 1}
    rows = None
    mismatch = {}
    if len(sys.argv) == 3:
        rows = {}
        for line in open(sys.argv[2]):
            if "|" in line:
                a, hw = line.strip().split("|")[:2]
                rows[str(ipaddress.IPv4Address(int(a)))] = hw
        mismatch = {ip: (m, rows.get(ip)) for ip, m in held.items() if len(m) == 1 and rows.get(ip) not in m}
    summary = (f"{count} DHCPACKs on the wire for {len(held)} addresses; "
               f"addresses ACKed to two clients: {len(doubled)}")
    if rows is not None:
        summary += f"; {len(rows)} rows; ACKed addresses whose row is another client's: {len(mismatch)}"
    print(summary)
    for ip, m in list(doubled.items())[:10]:
        print("  two clients:", ip, sorted(m))
    for ip, m in list(mismatch.items())[:10]:
        print("  row differs:", ip, m)
    return 1 if doubled or mismatch or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
