#!/usr/bin/python3
"""Audit the DHCPACKs in a packet capture: was any address ACKed to two clients?

usage: dhcp-ack-audit.py CAPTURE.pcap [ROWS]

CAPTURE is what `tcpdump -w` wrote on the clients' side (Ethernet, classic pcap format).
Every BOOTREPLY carrying DHCP message type 5 (RFC 2132 9.6) counts: its yiaddr and the
client's hardware address (chaddr, hlen octets). An address ACKed to two different hardware
addresses is a double allocation. ROWS, if given, holds the lease database's rows as
"address|hwaddr-hex" lines (address as Kea's unsigned integer): an ACKed address whose row
belongs to another client is reported too.

Prints one summary line (and up to ten examples of each problem); exits 1 on any problem or
when the capture holds no DHCPACK, 0 otherwise. Reads the capture itself (no scapy): a
benchmark's capture holds hundreds of thousands of packets.
"""
import ipaddress
import struct
import sys


def packets(path):
    """Yields the link-layer bytes of every record of a classic pcap file."""
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            return
        magic = header[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            endian = ">"
        else:
            raise SystemExit(f"{path}: not a classic pcap file")
        linktype = struct.unpack(endian + "I", header[20:24])[0]
        if linktype != 1:
            raise SystemExit(f"{path}: link type {linktype}, expected Ethernet (1)")
        rec = struct.Struct(endian + "IIII")
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            _, _, caplen, _ = rec.unpack(h)
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield data


def acks(path):
    """Yields (yiaddr, chaddr-hex) of every DHCPACK in the capture."""
    for frame in packets(path):
        off = 14
        ethertype = struct.unpack("!H", frame[12:14])[0]
        if ethertype == 0x8100:  # one VLAN tag
            ethertype = struct.unpack("!H", frame[16:18])[0]
            off = 18
        if ethertype != 0x0800 or len(frame) < off + 20:
            continue
        ihl = (frame[off] & 0x0F) * 4
        if frame[off + 9] != 17:  # UDP
            continue
        udp = off + ihl
        sport = struct.unpack("!H", frame[udp:udp + 2])[0]
        if sport != 67:
            continue
        b = frame[udp + 8:]
        if len(b) < 240 or b[0] != 2 or b[236:240] != b"\x63\x82\x53\x63":
            continue
        hlen = min(b[2], 16)
        yiaddr = str(ipaddress.IPv4Address(b[16:20]))
        chaddr = b[28:28 + hlen].hex()
        i = 240
        mtype = None
        while i < len(b):
            code = b[i]
            if code == 255:
                break
            if code == 0:
                i += 1
                continue
            if i + 1 >= len(b):
                break
            length = b[i + 1]
            if code == 53 and length >= 1 and i + 2 < len(b):
                mtype = b[i + 2]
                break
            i += 2 + length
        if mtype == 5:
            yield yiaddr, chaddr


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
