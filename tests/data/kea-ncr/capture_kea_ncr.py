#!/usr/bin/python3
"""Captures the NameChangeRequests a real kea-dhcp4 2.2 sends to kea-dhcp-ddns, for the NCR
encoder's unit test (tests/ddns/name_change_request_test.cpp reads kea22-ncrs.json).

Run as root: sudo /usr/bin/python3 tests/data/kea-ncr/capture_kea_ncr.py > kea22-ncrs.json
Two network namespaces joined by a veth (198.18.0.1 server, 198.18.0.2 client); kea-dhcp4 in
the server one with dhcp-ddns enable-updates true towards 127.0.0.1:53001, where a UDP listener
records every datagram. The client side plays scripted exchanges (broadcast flag set, so the
answers come back broadcast) and notes, per exchange, the client identity and lease time the
test needs to rebuild the lease. Everything stays inside the two namespaces and is removed.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

SERVER, CLIENT = "198.18.0.1", "198.18.0.2"
VALID = 4000
CONFIG = {"Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "lease-database": {"type": "memfile", "persist": False},
    "valid-lifetime": VALID, "min-valid-lifetime": 2, "max-valid-lifetime": VALID,
    "ddns-qualifying-suffix": "example.org",
    "dhcp-ddns": {"enable-updates": True, "server-ip": "127.0.0.1", "server-port": 53001},
    "expired-leases-processing": {"reclaim-timer-wait-time": 1, "hold-reclaimed-time": 3600},
    "subnet4": [{"id": 1, "subnet": "198.18.0.0/24", "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}]}],
}}


def sh(*a, check=True):
    return subprocess.run(a, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def packet(mtype, mac, opts, ciaddr="0.0.0.0", xid=1):
    hdr = struct.pack("!BBBBIHH", 1, 1, 6, 0, xid, 0, 0x8000)
    hdr += socket.inet_aton(ciaddr) + bytes(12) + bytes.fromhex(mac.replace(":", "")).ljust(16, b"\0")
    hdr += bytes(192) + b"\x63\x82\x53\x63"
    body = bytes([53, 1, mtype])
    for code, val in opts:
        body += bytes([code, len(val)]) + val
    return (hdr + body + b"\xff").ljust(300, b"\0")


def yiaddr(reply):
    return socket.inet_ntoa(reply[16:20])


def client():
    """Plays the exchanges (in the client namespace); prints one JSON line per event."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
    s.bind(("0.0.0.0", 68))
    s.settimeout(2)
    xid = [100]

    def ask(mtype, mac, opts, ciaddr="0.0.0.0", reply=True):
        xid[0] += 1
        s.sendto(packet(mtype, mac, opts, ciaddr, xid[0]), ("255.255.255.255", 67))
        while reply:
            data = s.recv(2048)
            if struct.unpack("!I", data[4:8])[0] == xid[0]:
                return data
        return None

    def dora(mac, opts):
        offer = ask(1, mac, opts)
        a = yiaddr(offer)
        ask(3, mac, opts + [(54, socket.inet_aton(SERVER)), (50, socket.inet_aton(a))])
        return a

    def note(event, mac, cid=None, valid=VALID):
        print(json.dumps({"event": event, "hwaddr": mac, "client-id": cid, "valid-lifetime": valid}), flush=True)
        time.sleep(0.3)

    fq = lambda flags, name: (81, bytes([flags, 0, 0]) + name.encode())
    # 1. option 81, S set: forward and reverse, DHCID from the hardware address.
    a1 = dora("02:dd:00:00:00:01", [fq(0x01, "Host-A")]); note("add fqdn S", "02:dd:00:00:00:01")
    # 2. option 12 with a client identifier: both directions, DHCID from the client-id.
    cid = bytes.fromhex("01aabbccddeeff")
    dora("02:dd:00:00:00:02", [(61, cid), (12, b"host-b")]); note("add hostname client-id", "02:dd:00:00:00:02", cid.hex())
    # 3. option 81 with S and N clear: the client updates A itself, the server only PTR.
    dora("02:dd:00:00:00:03", [fq(0x00, "host-c")]); note("add reverse only", "02:dd:00:00:00:03")
    # 4. renewal with the same name: nothing; then with a new name: remove the old, add the new.
    ask(3, "02:dd:00:00:00:01", [fq(0x01, "Host-A")], ciaddr=a1, reply=False)
    time.sleep(0.3)
    ask(3, "02:dd:00:00:00:01", [fq(0x01, "host-a2")], ciaddr=a1, reply=False)
    note("renew new name: remove old", "02:dd:00:00:00:01")
    note("renew new name: add new", "02:dd:00:00:00:01")
    # 5. release: remove.
    a5 = dora("02:dd:00:00:00:05", [fq(0x01, "host-e")]); note("add before release", "02:dd:00:00:00:05")
    ask(7, "02:dd:00:00:00:05", [(54, socket.inet_aton(SERVER))], ciaddr=a5, reply=False)
    note("release", "02:dd:00:00:00:05")
    # 6. decline: remove.
    a6 = dora("02:dd:00:00:00:06", [fq(0x01, "host-f")]); note("add before decline", "02:dd:00:00:00:06")
    ask(4, "02:dd:00:00:00:06", [(54, socket.inet_aton(SERVER)), (50, socket.inet_aton(a6))], reply=False)
    note("decline", "02:dd:00:00:00:06")
    # 7. a 2 s lease (TTL 600) that expires and is reclaimed: add, then remove.
    dora("02:dd:00:00:00:07", [fq(0x01, "host-g"), (51, struct.pack("!I", 2))]); note("add short", "02:dd:00:00:00:07", valid=2)
    time.sleep(4)
    note("expired and reclaimed", "02:dd:00:00:00:07", valid=2)


LISTENER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53001))
while True:
    d = s.recv(65536)
    print(d.hex(), flush=True)
"""


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        return client()
    pre = f"h-ddns-{os.getpid()}"
    srv, cli = pre + "-srv", pre + "-cli"
    work = tempfile.mkdtemp(prefix="kea-ncr-")
    procs = []
    try:
        for ns in (srv, cli):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "-n", cli, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0x", "netns", srv)
        sh("ip", "-n", srv, "link", "set", "eth0x", "name", "eth0")
        sh("ip", "-n", srv, "addr", "add", SERVER + "/24", "dev", "eth0")
        sh("ip", "-n", cli, "addr", "add", CLIENT + "/24", "dev", "eth0")
        sh("ip", "-n", srv, "link", "set", "eth0", "up")
        sh("ip", "-n", cli, "link", "set", "eth0", "up")
        cfg = os.path.join(work, "kea.json")
        json.dump(CONFIG, open(cfg, "w"))
        ncr_out = open(os.path.join(work, "ncr.txt"), "w")
        procs.append(subprocess.Popen(["ip", "netns", "exec", srv, sys.executable, "-c", LISTENER], stdout=ncr_out))
        env = dict(os.environ, KEA_PIDFILE_DIR=work, KEA_LOCKFILE_DIR=work)
        procs.append(subprocess.Popen(["ip", "netns", "exec", srv, "kea-dhcp4", "-c", cfg], env=env, cwd=work,
                                      stdout=open(os.path.join(work, "kea.log"), "w"), stderr=subprocess.STDOUT))
        time.sleep(2)
        events = subprocess.run(["ip", "netns", "exec", cli, sys.executable, os.path.abspath(__file__), "--client"],
                                capture_output=True, text=True, timeout=60)
        if events.returncode != 0:
            print(events.stderr, open(os.path.join(work, "kea.log")).read()[-3000:], file=sys.stderr)
            return 1
        events = events.stdout.splitlines()
        time.sleep(0.5)
        ncr_out.flush()
        datagrams = [l.strip() for l in open(os.path.join(work, "ncr.txt")) if l.strip()]
        events = [json.loads(e) for e in events]
        if len(events) != len(datagrams):
            print(f"capture: {len(events)} events but {len(datagrams)} datagrams", file=sys.stderr)
            for d in datagrams:
                print(bytes.fromhex(d)[2:].decode(), file=sys.stderr)
            return 1
        out = []
        for e, d in zip(events, datagrams):
            e["datagram"] = d
            e["json"] = bytes.fromhex(d)[2:].decode()
            out.append(e)
        print(json.dumps({"source": "kea-dhcp4 2.2.0 (Debian 12), captured by capture_kea_ncr.py",
                          "config": CONFIG, "ncrs": out}, indent=1))
        return 0
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        for ns in (srv, cli):
            sh("ip", "netns", "del", ns, check=False)


if __name__ == "__main__":
    sys.exit(main())
