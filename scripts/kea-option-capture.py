#!/usr/bin/env python3
"""Record what the real kea-dhcp4 (2.2) does with option-data / option-def configurations, as
fixtures for tandemd's tests (tests/data/kea-options/*.json, read by tests/engine and
tests/config; the tests never need Kea).

For every scenario of the scenarios file it writes <outdir>/<name>.json with:
  config   the whole {"Dhcp4": ...} document Kea got (the scenario's keys merged into a base
           config: one subnet 198.18.77.0/24 reached through relay 198.18.77.1);
  query    the options of the relayed DISCOVER (giaddr 198.18.77.1, chaddr 02:00:00:00:77:01);
  kea      {"valid": true, "offer": {"yiaddr", "siaddr", "sname", "file", "options_hex"}}
           (options_hex: the option area after the magic cookie, End included, padding cut),
           or {"valid": false, "error": "<kea-dhcp4 -t message>"}.

Runs as root: a server namespace and a relay namespace joined by a veth pair, addresses in
198.18.0.0/15, nothing else reached; both namespaces are deleted afterwards.

usage: kea-option-capture.py SCENARIOS.json OUTDIR [--only NAME]
"""
import argparse
import copy
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

KEA = os.environ.get("KEA_DHCP4", "/usr/sbin/kea-dhcp4")
MAGIC = b"\x63\x82\x53\x63"
SERVER_ADDR, RELAY_ADDR = "198.18.77.254", "198.18.77.1"
MAC = bytes([2, 0, 0, 0, 0x77, 1])
XID = 0x0A0B0C0D


def base_config(leases):
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": ["v-srv"], "dhcp-socket-type": "udp"},
        "lease-database": {"type": "memfile", "persist": False, "name": leases},
        "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
        "subnet4": [{"id": 1, "subnet": "198.18.77.0/24",
                     "pools": [{"pool": "198.18.77.100 - 198.18.77.199"}]}],
        "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": "stdout"}], "severity": "WARN"}],
    }}


def merge(cfg, scenario):
    d4 = cfg["Dhcp4"]
    for k, v in scenario.get("dhcp4", {}).items():
        d4[k] = v
    for k, v in scenario.get("subnet", {}).items():
        d4["subnet4"][0][k] = v
    for k, v in scenario.get("pool", {}).items():
        d4["subnet4"][0]["pools"][0][k] = v
    return cfg


def discover(query):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, XID, 0, 0, bytes(4), bytes(4),
                      bytes(4), socket.inet_aton(RELAY_ADDR), MAC + bytes(10), bytes(64), bytes(128))
    opts = bytes([53, 1, 1])
    if "prl" in query:
        opts += bytes([55, len(query["prl"])]) + bytes(query["prl"])
    for code, hexdata in query.get("options", []):
        b = bytes.fromhex(hexdata)
        opts += bytes([code, len(b)]) + b
    return hdr + MAGIC + opts + b"\xff"


def option_area(data):
    """The options after the cookie up to and including End (padding after it cut)."""
    i = 240
    while i < len(data) - 1:
        code = data[i]
        if code == 255:
            return data[240:i + 1]
        if code == 0:
            i += 1
            continue
        i += 2 + data[i + 1]
    return data[240:]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


class Topology:
    def __init__(self):
        self.srv = "h-options-%d-srv" % os.getpid()
        self.relay = "h-options-%d-rly" % os.getpid()

    def __enter__(self):
        run(["ip", "netns", "add", self.srv])
        run(["ip", "netns", "add", self.relay])
        run(["ip", "link", "add", "v-srv", "netns", self.srv, "type", "veth", "peer", "name", "v-rly",
             "netns", self.relay])
        for ns, dev, addr in ((self.srv, "v-srv", SERVER_ADDR), (self.relay, "v-rly", RELAY_ADDR)):
            run(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        return self

    def __exit__(self, *exc):
        for ns in (self.srv, self.relay):
            subprocess.run(["ip", "netns", "del", ns], check=False)


def relay_exchange(topo, pkt, timeout=3.0):
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "s.bind(('%s',67))\n"
            "s.settimeout(%f)\n"
            "s.sendto(bytes.fromhex(sys.argv[1]),('%s',67))\n"
            "try:\n"
            "  d,_=s.recvfrom(4096)\n"
            "  print(d.hex())\n"
            "except socket.timeout:\n"
            "  print('')\n") % (RELAY_ADDR, timeout, SERVER_ADDR)
    out = subprocess.run(["ip", "netns", "exec", topo.relay, "/usr/bin/python3", "-c", code, pkt.hex()],
                         check=True, capture_output=True, text=True).stdout.strip()
    return bytes.fromhex(out) if out else None


def env(tmp):
    # Kea's PID and logger lock files go to the scratch directory, not /run/kea.
    return dict(os.environ, KEA_PIDFILE_DIR=tmp, KEA_LOCKFILE_DIR=tmp)


def capture(topo, scenario, tmp):
    cfg = merge(base_config(os.path.join(tmp, "leases4.csv")), copy.deepcopy(scenario))
    path = os.path.join(tmp, "kea.json")
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    check = subprocess.run(["ip", "netns", "exec", topo.srv, KEA, "-t", path], cwd=tmp, env=env(tmp),
                           capture_output=True, text=True)
    result = {"name": scenario["name"], "comment": scenario.get("comment", ""), "config": cfg,
              "query": scenario.get("query", {})}
    if check.returncode != 0:
        msg = ""
        for line in (check.stdout + check.stderr).splitlines():
            for marker in ("Error encountered:", "Syntax check failed with:"):
                if marker in line:
                    msg = line.split(marker, 1)[1].strip().replace(path, "kea.json")
        result["kea"] = {"valid": False, "error": msg}
        return result
    kea = subprocess.Popen(["ip", "netns", "exec", topo.srv, KEA, "-c", path], cwd=tmp, env=env(tmp),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        reply = None
        for _ in range(20):  # Kea needs a moment to open its sockets
            time.sleep(0.3)
            reply = relay_exchange(topo, discover(result["query"]), timeout=0.5)
            if reply:
                break
    finally:
        kea.send_signal(signal.SIGTERM)
        try:
            kea.wait(timeout=5)
        except subprocess.TimeoutExpired:
            kea.kill()
            kea.wait()
    if not reply:
        result["kea"] = {"valid": True, "offer": None}
        return result
    result["kea"] = {"valid": True, "offer": {
        "yiaddr": socket.inet_ntoa(reply[16:20]), "siaddr": socket.inet_ntoa(reply[20:24]),
        "sname": reply[44:108].rstrip(b"\0").decode("latin-1"),
        "file": reply[108:236].rstrip(b"\0").decode("latin-1"),
        "options_hex": option_area(reply).hex(), "length": len(reply)}}
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenarios")
    ap.add_argument("outdir")
    ap.add_argument("--only")
    a = ap.parse_args()
    with open(a.scenarios) as f:
        scenarios = json.load(f)
    os.makedirs(a.outdir, exist_ok=True)
    with Topology() as topo, tempfile.TemporaryDirectory() as tmp:
        for sc in scenarios:
            if a.only and sc["name"] != a.only:
                continue
            r = capture(topo, sc, tmp)
            with open(os.path.join(a.outdir, sc["name"] + ".json"), "w") as f:
                json.dump(r, f, indent=1, sort_keys=True)
                f.write("\n")
            k = r["kea"]
            print("%-40s %s" % (sc["name"], ("error: " + k["error"]) if not k["valid"] else
                                ("no reply" if not k["offer"] else k["offer"]["options_hex"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
