#!/usr/bin/env python3
"""Lists the DHCPACKs in a pcap file (tcpdump -w on an Ethernet interface) and optionally
checks each against a Kea lease4 CSV file.

  robust-dhcp-acks.py capture.pcap                 -> "yiaddr hwaddr" per ACK
  robust-dhcp-acks.py capture.pcap --csv leases.csv
      -> JSON {"acks": N, "distinct": D, "missing": M, "examples": [...]}; exit 1 if M > 0

"missing" counts ACKs whose (address, hw-address) pair has no complete row with a non-zero
valid lifetime in the CSV (torn last rows, without their newline, do not count): an ACK for
a lease that is not on disk. Only the standard library, so it runs anywhere python3 does.
"""
import argparse
import json
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a pcap file")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + caplen]
        off += caplen
        if linktype == 1:        # Ethernet
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            yield frame[14:]
        elif linktype == 113:    # Linux cooked (tcpdump -i any)
            if len(frame) < 16 or frame[14:16] != b"\x08\x00":
                continue
            yield frame[16:]
        elif linktype == 101:    # raw IP
            yield frame


def dhcp_replies(path):
    """(message type, yiaddr, chaddr, server identifier or None) of every DHCP reply."""
    for ip in packets(path):
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        frag = struct.unpack("!H", ip[6:8])[0]
        if frag & 0x3FFF:        # fragments: DHCP replies from the server are never fragmented
            continue
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport = struct.unpack("!H", udp[0:2])[0]
        if sport != 67:
            continue
        b = udp[8:]
        if len(b) < 240 or b[0] != 2 or b[236:240] != b"\x63\x82\x53\x63":
            continue
        hlen = min(b[2], 16)
        yiaddr = ".".join(str(x) for x in b[16:20])
        chaddr = ":".join(f"{x:02x}" for x in b[28:28 + hlen])
        i, mtype, sid = 240, None, None
        while i < len(b):
            code = b[i]
            if code == 255:
                break
            if code == 0:
                i += 1
                continue
            if i + 1 >= len(b):
                break
            ln = b[i + 1]
            val = b[i + 2:i + 2 + ln]
            if code == 53 and ln >= 1 and i + 2 < len(b):
                mtype = b[i + 2]
            elif code == 54 and ln == 4 and len(val) == 4:
                sid = ".".join(str(x) for x in val)
            i += 2 + ln
        yield mtype, yiaddr, chaddr, sid


def dhcp_acks(path):
    for mtype, yiaddr, chaddr, _ in dhcp_replies(path):
        if mtype == 5:
            yield yiaddr, chaddr


def csv_pairs(path):
    pairs = set()
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    # The last element is "" when the file ends with a newline; otherwise it is a torn row.
    for line in lines[1:-1]:
        cols = line.split(",")
        if len(cols) < 10:
            continue
        try:
            if int(cols[3]) <= 0:
                continue
        except ValueError:
            continue
        pairs.add((cols[0], cols[1].lower()))
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("--csv", action="append", default=[], help="lease file(s); rows of all are used")
    a = ap.parse_args()
    acks = list(dhcp_acks(a.pcap))
    if not a.csv:
        for y, c in acks:
            print(y, c)
        return 0
    pairs = set()
    for c in a.csv:
        pairs |= csv_pairs(c)
    missing = [f"{y} {c}" for y, c in acks if (y, c) not in pairs]
    print(json.dumps({"acks": len(acks), "distinct": len(set(acks)), "missing": len(missing),
                      "examples": missing[:5]}))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
