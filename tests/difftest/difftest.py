#!/usr/bin/python3
"""Differential tester: the same scripted DHCPv4 exchanges against ISC Kea 2.2 and tandemd.

HOW IT WORKS
  For each server (kea-dhcp4 and tandemd) the tester builds its own pair of network namespaces
  joined by a veth: "<prefix>-<server>-srv" (eth0 198.18.0.1/24, MAC 02:00:c6:12:00:01) and
  "<prefix>-<server>-cli" (eth0 198.18.0.2/24; all of 198.18.0.0/15 but 198.18.0.1 is local there
  so it answers ARP for any client or relay address; the server routes 198.18.0.0/15 via it).
  Both servers thus see the same addresses, so server identifiers match. The two runs go on at
  the same time, each in a child process inside its client namespace: per scenario GROUP the
  child writes the config (BASE_CONFIG with the group's fragment merged in), checks it with
  `-t`, starts the server, plays all of the group's scenarios and stops the server. Scenarios of
  a group are played in rounds: round k sends step k of every scenario (in list order, so the
  allocation order is the same for both servers), then waits until every packet of the round
  has an answer or REPLY_TIMEOUT (1 s) has passed. Packets are sent and received at the link
  layer (AF_PACKET, any MAC/IP/port), so one client namespace plays any number of clients and
  relays. Every reply is recorded (BOOTP header fields, every option's code and bytes, IP/UDP
  source and destination, link-layer broadcast or unicast); the parent then compares the two
  recordings step by step and fails on any difference not listed in expected_divergences*.json.

RUN IT (as root; the ctest is tests/integration/difftest_test.sh)
  sudo /usr/bin/python3 tests/difftest/difftest.py --tandemd build/dhcpd/tandemd [--only 'rfc2131-*/*renew*'] [--keep] [-v]
  --only takes fnmatch patterns on "group/scenario" ids; --list prints the ids; --keep keeps the
  work directory (configs, server logs, both recordings: <workdir>/<server>.json).

ADD SCENARIOS
  Put a file tests/difftest/scenarios/<area>.py (e.g. classify.py) defining GROUPS, a list of
  groups. `from _dsl import *` gives the helpers (see scenarios/_dsl.py). A group:
      {"id": "relay-basic",                  # unique; scenario ids are "<group>/<scenario>"
       "config": {...},                       # merged into Dhcp4 of BASE_CONFIG (dicts merged
                                              # recursively, lists and scalars replaced, a None
                                              # value removes the key); or "config_full": {...}
       "scenarios": [
          {"id": "dora", "steps": [
              discover(),                                         # step 1
              request(server_id=SERVER, requested="$1.yiaddr"),  # step 2: "$1.yiaddr" is the
          ]},                                                     # yiaddr of step 1's reply
       ]}
  A step is a dict describing one packet (all keys optional):
      type       "DISCOVER".."INFORM", an int, or None for BOOTP (no option 53)
      client     0, 1, 2...: which of the scenario's MACs (each scenario has its own MACs)
      op htype hlen hops secs flags xid chaddr(hex, up to 16 bytes) sname file
      broadcast  True sets the broadcast flag
      ciaddr yiaddr siaddr giaddr   addresses
      requested(50) server_id(54) lease_time(51) hostname(12) prl(55, list of codes)
      client_id(61, hex, or "auto" = 01 + MAC) relay_info(82, hex) max_size(57)
      options    extra [code, value] pairs: value hex str, bytes, or list of ints
      no_prl     True: no option 55 (by default [1, 3, 6, 15, 51, 54, 58, 59])
      via        "broadcast" (default), "unicast" (to the server's address, from ciaddr) or
                 "relay" (default when giaddr is set: from giaddr:67 to the server's address)
      src_ip dst_ip sport dport   override the transport
      raw        hex: the whole DHCP payload as given; truncate N: cut the payload to N bytes;
                 append: hex bytes added after the (padded) payload
      no_end     True: no end option (255); cookie: hex instead of the magic cookie
      pad        False: no padding to 300 bytes
      sleep      seconds to wait before this round is sent
  Symbolic values (strings starting with "$") are resolved against the replies already
  received: "$server" (198.18.0.1), "$N.<field>" (step N's reply, 1-based: yiaddr, ciaddr,
  siaddr, giaddr, server_id, lease_time, xid, opt<code> as hex), "$mac" / "$mac1" (the
  scenario's MACs). If the reply is missing, the step is recorded as "unresolved" (the same
  for both servers when they agree on the earlier steps).

EVENT SCRIPTS (the run_script hook)
  A group with "events": True gets a recording script: every string "$EVENT_SCRIPT" in its
  config is replaced by its path (give it as the run_script hook's "name"). The script appends
  its argv and its whole environment (in order, as the server passed it) to events.jsonl in the
  group's directory; after the group the server is stopped and the calls are compared per
  scenario (a call belongs to the scenario whose xid is QUERY4_TXID, or, without a query, whose
  MAC is LEASE4_HWADDR, or whose answers gave LEASE4_ADDRESS), sorted by (xid, hook point,
  address); every call must belong to a scenario. Values that differ between runs
  by nature are normalised: *_CLTT (must be within the run, shown as <cltt>). Difference keys:
  events.count, events.N.argv, events.N.<VARIABLE> (missing, extra or different).
  kea-dhcp4 forks for every call before it answers (tens of milliseconds, far more on a loaded
  machine), so such groups set "reply_timeout" (seconds a round waits for its answers).

EXPECTED DIVERGENCES
  tests/difftest/expected_divergences*.json: a list of
      {"scenario": "<fnmatch on group/scenario>", "diff": "<fnmatch on the difference key, e.g.
       step2.reply or step1.opt56>", "reason": "why tandemd differs on purpose, or the issue"}
  A scenario counts as an expected divergence when every difference is covered by an entry.
  Difference keys: config (one server refused the config), stepN.reply (reply vs no reply or
  number of replies), stepN.<field> (type op htype hlen hops xid secs flags ciaddr yiaddr
  siaddr giaddr chaddr sname file dst), stepN.optC (option C missing, added or different).
"""
import argparse
import ctypes
import fnmatch
import glob
import ipaddress
import importlib.util
import json
import re
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER_IP = "198.18.0.1"
CLIENT_IP = "198.18.0.2"
SERVER_MAC = "02:00:c6:12:00:01"
CLIENT_MAC = "02:00:c6:12:00:02"
REPLY_TIMEOUT = float(os.environ.get("DIFFTEST_REPLY_TIMEOUT", "1.0"))
GRACE = 0.05  # after the last expected reply, for duplicates

MSG_TYPES = {"DISCOVER": 1, "OFFER": 2, "REQUEST": 3, "DECLINE": 4, "ACK": 5, "NAK": 6,
             "RELEASE": 7, "INFORM": 8}
MSG_NAMES = {v: k for k, v in MSG_TYPES.items()}
MAGIC = b"\x63\x82\x53\x63"
DEFAULT_PRL = [1, 3, 6, 15, 51, 54, 58, 59]

BASE_CONFIG = {
    "Dhcp4": {
        "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": False, "lfc-interval": 0},
        "valid-lifetime": 4000,
        "renew-timer": 1000,
        "rebind-timer": 2000,
        "subnet4": [{
            "id": 1, "subnet": "198.18.0.0/24",
            "pools": [{"pool": "198.18.0.100 - 198.18.0.199"}],
            "option-data": [{"name": "routers", "data": "198.18.0.1"},
                            {"name": "domain-name-servers", "data": "198.18.0.53"}],
        }],
    }
}


# ---- scenario loading --------------------------------------------------------------------------

def load_groups():
    sdir = os.path.join(HERE, "scenarios")
    sys.path.insert(0, sdir)
    groups = []
    for path in sorted(glob.glob(os.path.join(sdir, "*.py"))):
        name = os.path.basename(path)[:-3]
        if name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location("difftest_scn_" + name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for g in mod.GROUPS:
            g = dict(g)
            g["file"] = name
            groups.append(g)
    seen = set()
    for g in groups:
        if g["id"] in seen:
            raise SystemExit(f"duplicate group id {g['id']}")
        seen.add(g["id"])
        sids = [s["id"] for s in g["scenarios"]]
        if len(sids) != len(set(sids)):
            raise SystemExit(f"duplicate scenario id in group {g['id']}")
    if len(groups) > 255:
        raise SystemExit("more than 255 groups: widen the MAC/xid scheme")
    return groups


def merge(base, frag):
    if isinstance(base, dict) and isinstance(frag, dict):
        out = dict(base)
        for k, v in frag.items():
            if v is None:
                out.pop(k, None)  # None removes a key of the base config
            else:
                out[k] = merge(base[k], v) if k in base else v
        return out
    return frag


def group_config(g, logfile):
    if "config_full" in g:
        cfg = json.loads(json.dumps(g["config_full"]))
    else:
        cfg = {"Dhcp4": merge(BASE_CONFIG["Dhcp4"], g.get("config", {}))}
    cfg["Dhcp4"]["loggers"] = [{"name": "kea-dhcp4", "severity": "DEBUG", "debuglevel": 99,
                                "output_options": [{"output": logfile}]}]
    return cfg


def selected(groups, patterns):
    if not patterns:
        return groups
    out = []
    for g in groups:
        scn = [s for s in g["scenarios"]
               if any(fnmatch.fnmatch(f"{g['id']}/{s['id']}", p) for p in patterns)]
        if scn:
            out.append(dict(g, scenarios=scn))
    return out


# ---- wire format ------------------------------------------------------------------------------

def ip_bytes(a):
    return socket.inet_aton(a)


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


def mac_of(gi, si, client):
    return f"02:{gi:02x}:{si >> 8:02x}:{si & 0xff:02x}:00:{client:02x}"


class Unresolved(Exception):
    pass


def decode_dhcp(data):
    """BOOTP/DHCP message -> dict; options as [code, hex] in wire order (raw, not merged)."""
    if len(data) < 236:
        return None
    op, htype, hlen, hops, xid, secs, flags = struct.unpack("!BBBBIHH", data[:12])
    r = {"op": op, "htype": htype, "hlen": hlen, "hops": hops, "xid": xid, "secs": secs,
         "flags": flags,
         "ciaddr": socket.inet_ntoa(data[12:16]), "yiaddr": socket.inet_ntoa(data[16:20]),
         "siaddr": socket.inet_ntoa(data[20:24]), "giaddr": socket.inet_ntoa(data[24:28]),
         "chaddr": data[28:44].hex(), "sname": data[44:108].rstrip(b"\0").hex(),
         "file": data[108:236].rstrip(b"\0").hex(), "options": [], "len": len(data)}
    if data[236:240] != MAGIC:
        r["type"] = "BOOTP-no-cookie"
        return r
    i = 240
    while i < len(data):
        c = data[i]
        if c == 255:
            break
        if c == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            r["options"].append([c, "TRUNCATED"])
            break
        n = data[i + 1]
        r["options"].append([c, data[i + 2:i + 2 + n].hex()])
        i += 2 + n
    mt = [v for c, v in r["options"] if c == 53]
    r["type"] = MSG_NAMES.get(int(mt[0], 16), mt[0]) if mt and len(mt[0]) == 2 else ("BOOTP" if not mt else mt[0])
    return r


def opt_value(code, v, mac):
    if isinstance(v, bytes):
        return v
    if isinstance(v, list):
        return bytes(v)
    if isinstance(v, int):
        return struct.pack("!I", v)
    if isinstance(v, str):
        if code == 61 and v == "auto":
            return b"\x01" + mac_bytes(mac)
        return bytes.fromhex(v.replace(":", ""))
    raise ValueError(f"option {code}: cannot encode {v!r}")


class Player:
    """Builds the packets of one scenario and resolves its symbolic references."""

    def __init__(self, gi, si, scn):
        self.gi, self.si, self.scn = gi, si, scn
        self.results = []  # per step: {"replies": [...]} or {"unresolved": ...}

    def mac(self, client=0):
        if client == 0 and "mac" in self.scn:
            return self.scn["mac"]
        return mac_of(self.gi, self.si, client)

    def resolve(self, v):
        if not isinstance(v, str) or not v.startswith("$"):
            return v
        if v == "$server":
            return SERVER_IP
        if v.startswith("$mac"):
            return self.mac(int(v[4:] or 0))
        ref, _, field = v[1:].partition(".")
        n = int(ref)
        if n < 1 or n > len(self.results):
            raise Unresolved(f"{v}: no step {n} yet")
        reps = self.results[n - 1].get("replies") or []
        if not reps:
            raise Unresolved(f"{v}: no reply to step {n}")
        rep = reps[0]
        opts = dict((c, h) for c, h in rep["options"])
        if field in ("yiaddr", "ciaddr", "siaddr", "giaddr"):
            return rep[field]
        if field == "xid":
            return rep["xid"]
        if field == "server_id":
            if 54 not in opts or len(opts[54]) != 8:
                raise Unresolved(f"{v}: no server id in step {n}'s reply")
            return socket.inet_ntoa(bytes.fromhex(opts[54]))
        if field == "lease_time":
            if 51 not in opts:
                raise Unresolved(f"{v}: no lease time in step {n}'s reply")
            return int(opts[51], 16)
        if field.startswith("opt"):
            c = int(field[3:])
            if c not in opts:
                raise Unresolved(f"{v}: no option {c} in step {n}'s reply")
            return opts[c]
        raise ValueError(f"unknown reference {v}")

    def payload(self, step, xid):
        r = lambda k, d=None: self.resolve(step.get(k, d))
        if "raw" in step:
            return bytes.fromhex(step["raw"])
        mac = self.mac(step.get("client", 0))
        t = step.get("type", "DISCOVER")
        chaddr = bytes.fromhex(step["chaddr"]) if "chaddr" in step else mac_bytes(mac)
        flags = step.get("flags", 0x8000 if step.get("broadcast") else 0)
        hdr = struct.pack("!BBBBIHH", step.get("op", 1), step.get("htype", 1),
                          step.get("hlen", 6), step.get("hops", 0), xid, step.get("secs", 0), flags)
        for f in ("ciaddr", "yiaddr", "siaddr", "giaddr"):
            hdr += ip_bytes(r(f, "0.0.0.0"))
        hdr += chaddr.ljust(16, b"\0")[:16]
        hdr += step.get("sname", "").encode().ljust(64, b"\0")[:64]
        hdr += step.get("file", "").encode().ljust(128, b"\0")[:128]
        opts = []
        if t is not None:
            opts.append((53, bytes([MSG_TYPES[t] if isinstance(t, str) else t])))
        if "client_id" in step:
            opts.append((61, opt_value(61, r("client_id"), mac)))
        if "requested" in step:
            opts.append((50, ip_bytes(r("requested"))))
        if "server_id" in step:
            opts.append((54, ip_bytes(r("server_id"))))
        if "lease_time" in step:
            opts.append((51, struct.pack("!I", r("lease_time"))))
        if "max_size" in step:
            opts.append((57, struct.pack("!H", step["max_size"])))
        if "hostname" in step:
            opts.append((12, step["hostname"].encode()))
        if t is not None and not step.get("no_prl"):
            opts.append((55, bytes(step.get("prl", DEFAULT_PRL))))
        for code, v in step.get("options", []):
            opts.append((code, opt_value(code, self.resolve(v), mac)))
        if "relay_info" in step:
            opts.append((82, bytes.fromhex(step["relay_info"])))
        body = bytes.fromhex(step.get("cookie", MAGIC.hex())) + b"".join(bytes([c, len(v)]) + v for c, v in opts)
        if not step.get("no_end"):
            body += b"\xff"
        data = hdr + body
        if step.get("pad", True) and len(data) < 300:
            data = data.ljust(300, b"\0")
        if "append" in step:
            data += bytes.fromhex(step["append"])
        if "truncate" in step:
            data = data[:step["truncate"]]
        return data

    def frame(self, step, xid):
        """The Ethernet frame for a step (scapy builds the IP/UDP layers and checksums)."""
        from scapy.layers.l2 import Ether
        from scapy.layers.inet import IP, UDP
        data = self.payload(step, xid)
        giaddr = self.resolve(step.get("giaddr", "0.0.0.0"))
        ciaddr = self.resolve(step.get("ciaddr", "0.0.0.0"))
        via = step.get("via", "relay" if giaddr != "0.0.0.0" else "broadcast")
        if via == "relay":
            src, dst, sport = giaddr, SERVER_IP, 67
        elif via == "unicast":
            src, dst, sport = ciaddr, SERVER_IP, 68
        else:
            src, dst, sport = (ciaddr if step.get("from_ciaddr") else "0.0.0.0"), "255.255.255.255", 68
        src = self.resolve(step.get("src_ip", src))
        dst = self.resolve(step.get("dst_ip", dst))
        sport = step.get("sport", sport)
        dport = step.get("dport", 67)
        if via == "relay" or step.get("hlen", 6) != 6 or "chaddr" in step:
            esrc = CLIENT_MAC
        else:
            esrc = self.mac(step.get("client", 0))
        edst = "ff:ff:ff:ff:ff:ff" if dst == "255.255.255.255" else SERVER_MAC
        pkt = Ether(src=esrc, dst=edst) / IP(src=src, dst=dst, ttl=64) / UDP(sport=sport, dport=dport) / data
        return bytes(pkt)


# ---- one server's run (inside the client namespace) -------------------------------------------

class Receiver(threading.Thread):
    """Collects DHCP replies (UDP from port 67, BOOTREPLY) on eth0, keyed by xid."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock
        self.lock = threading.Lock()
        self.by_xid = {}
        self.stop = False

    def run(self):
        from scapy.layers.l2 import Ether
        from scapy.layers.inet import IP, UDP
        while not self.stop:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            try:
                e = Ether(data)
            except Exception:
                continue
            if IP not in e or UDP not in e or e[UDP].sport != 67:
                continue
            payload = bytes(e[UDP].payload)
            d = decode_dhcp(payload)
            if d is None or d["op"] != 2:
                continue
            d["dst"] = {"ip": e[IP].dst, "port": e[UDP].dport,
                        "l2": "broadcast" if e.dst == "ff:ff:ff:ff:ff:ff" else "unicast"}
            d["src"] = {"ip": e[IP].src, "port": e[UDP].sport}
            with self.lock:
                self.by_xid.setdefault(d["xid"], []).append(d)

    def take(self, xid):
        with self.lock:
            return self.by_xid.pop(xid, [])

    def has(self, xid):
        with self.lock:
            return xid in self.by_xid


def ns_has_socket(ns, pid):
    out = subprocess.run(["ip", "netns", "exec", ns, "ss", "-H", "-a", "-p", "-u", "-0"],
                         capture_output=True, text=True).stdout
    return f"pid={pid}," in out


def stop_proc(p, timeout=5):
    if p.poll() is not None:
        return
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


EVENT_RECORDER = """#!/usr/bin/python3
# Records one run_script call: argv and the environment exactly as execve() got it.
import json, os, sys, time
env = [kv.split("=", 1) for kv in open("/proc/self/environ", "rb").read().decode("utf-8", "replace").split("\\0") if kv]
rec = json.dumps({"t": time.time(), "argv": sys.argv[1:], "env": env})
fd = os.open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "events.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(fd, (rec + "\\n").encode())
os.close(fd)
"""


def substitute(v, old, new):
    if isinstance(v, dict):
        return {k: substitute(x, old, new) for k, x in v.items()}
    if isinstance(v, list):
        return [substitute(x, old, new) for x in v]
    return new if v == old else v


def read_events(path, settle=3.0):
    """The recorded calls, once no new one has arrived for 0.5 s (scripts run asynchronously)."""
    end, last, size = time.time() + settle, time.time(), -1
    while time.time() < end:
        n = os.path.getsize(path) if os.path.exists(path) else 0
        if n != size:
            size, last = n, time.time()
        elif time.time() - last > 0.5:
            break
        time.sleep(0.1)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run_server(args):
    """Child mode: runs every group against one server; writes the recording as JSON."""
    # A SIGTERM from the parent must still stop the server (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    groups = selected(load_groups(), args.only)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    sock.bind(("eth0", 0))
    sock.settimeout(0.2)
    # The client namespace owns every client/relay address (local routes), so replies sent to
    # them through the server's IP stack arrive; these sockets swallow them (no ICMP back).
    sinks = []
    for port in (67, 68):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        s.bind(("0.0.0.0", port))
        sinks.append(s)
    rx = Receiver(sock)
    rx.start()
    all_groups = [g["id"] for g in load_groups()]
    out = {"server": args.kind, "groups": {}}
    for g in groups:
        gi = all_groups.index(g["id"]) + 1
        gdir = os.path.join(args.workdir, g["id"])
        os.makedirs(gdir, exist_ok=True)
        cfg = group_config(g, os.path.join(gdir, "server.log"))
        events_path = os.path.join(gdir, "events.jsonl")
        if g.get("events"):
            script = os.path.join(gdir, "event-recorder.py")
            with open(script, "w") as f:
                f.write(EVENT_RECORDER)
            os.chmod(script, 0o755)
            if os.path.exists(events_path):
                os.unlink(events_path)
            cfg = substitute(cfg, "$EVENT_SCRIPT", script)
        cpath = os.path.join(gdir, "dhcp4.json")
        with open(cpath, "w") as f:
            json.dump(cfg, f, indent=1)
        env = dict(os.environ, KEA_PIDFILE_DIR=gdir, KEA_LOCKFILE_DIR=gdir)
        chk = subprocess.run([args.bin, "-t", cpath], cwd=gdir, env=env, capture_output=True, text=True)
        gres = {"config_ok": chk.returncode == 0, "scenarios": {}}
        out["groups"][g["id"]] = gres
        if chk.returncode != 0:
            gres["config_error"] = (chk.stdout + chk.stderr).strip().splitlines()[-1:] or [""]
            log(args, f"{g['id']}: config refused: {gres['config_error'][0]}")
            continue
        t_start = time.time()
        p = subprocess.Popen(["ip", "netns", "exec", args.srv_ns, args.bin, "-c", cpath], cwd=gdir, env=env,
                             stdout=open(os.path.join(gdir, "stdout.log"), "w"), stderr=subprocess.STDOUT)
        try:
            end = time.time() + 15
            while not ns_has_socket(args.srv_ns, p.pid):
                if p.poll() is not None or time.time() > end:
                    gres["start_error"] = f"server did not start (rc {p.poll()})"
                    break
                time.sleep(0.05)
            if "start_error" in gres:
                log(args, f"{g['id']}: {gres['start_error']}")
                continue
            time.sleep(0.4)
            play_group(args, rx, sock, gi, g, gres)
            if g.get("events"):
                time.sleep(g.get("events_wait", 0))
            if p.poll() is not None:
                gres["exit"] = f"server exited with {p.returncode} during the group"
        finally:
            stop_proc(p)
        if g.get("events"):
            gres["events"] = read_events(events_path)
            gres["events_window"] = [t_start, time.time()]
    rx.stop = True
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


def play_group(args, rx, sock, gi, g, gres):
    players = [Player(gi, si, s) for si, s in enumerate(g["scenarios"])]
    rounds = max(len(s["steps"]) for s in g["scenarios"])
    for k in range(rounds):
        pending = []
        active = [pl for pl in players if k < len(pl.scn["steps"])]
        delay = max([pl.scn["steps"][k].get("sleep", 0) for pl in active] + [0])
        if delay:
            time.sleep(delay)
        for pl in active:
            step = pl.scn["steps"][k]
            xid = step.get("xid", (gi << 24) | (pl.si << 8) | (k + 1))
            try:
                xid = pl.resolve(xid)
                frame = pl.frame(step, xid)
            except Unresolved as e:
                pl.results.append({"unresolved": str(e)})
                continue
            rx.take(xid)  # nothing stale
            sock.send(frame)
            pending.append((pl, xid))
            time.sleep(0.001)  # keep the arrival order = the send order
        end = time.time() + g.get("reply_timeout", REPLY_TIMEOUT)
        while time.time() < end and not all(rx.has(x) for _, x in pending):
            time.sleep(0.01)
        time.sleep(GRACE)
        for pl, xid in pending:
            pl.results.append({"replies": rx.take(xid)})
    for pl in players:
        gres["scenarios"][pl.scn["id"]] = pl.results


def log(args, msg):
    if getattr(args, "verbose", False) or getattr(args, "kind", None):
        print(f"[difftest {getattr(args, 'kind', '')}] {msg}", file=sys.stderr, flush=True)


# ---- comparison ------------------------------------------------------------------------------

HEADER_FIELDS = ["type", "op", "htype", "hlen", "hops", "xid", "secs", "flags", "ciaddr", "yiaddr",
                 "siaddr", "giaddr", "chaddr", "sname", "file", "dst"]


def options_by_code(rep):
    d = {}
    for c, h in rep["options"]:
        d[c] = d.get(c, "") + h
    return d


def fmt_opt(h):
    return h if len(h) <= 40 else h[:40] + "..."


def normalised(rep):
    """Link-layer detail that no client can tell apart: an IP broadcast reaches the client
    whether the frame goes to ff:ff:ff:ff:ff:ff (tandemd) or to chaddr (Kea's raw socket)."""
    d = rep["dst"]
    dst = f"{d['ip']}:{d['port']}" + (f"/{d['l2']}" if d["ip"] != "255.255.255.255" else "")
    return dict(rep, dst=dst)


def compare_step(n, a, b, names):
    """Differences between two step results: list of (key, text)."""
    diffs = []
    if "unresolved" in a or "unresolved" in b:
        if ("unresolved" in a) != ("unresolved" in b):
            diffs.append((f"step{n}.reply", f"step {n}: {names[0]} {a.get('unresolved', 'sent')}, "
                                              f"{names[1]} {b.get('unresolved', 'sent')}"))
        return diffs
    ra, rb = a["replies"], b["replies"]
    desc = lambda r: ", ".join(x["type"] for x in r) if r else "no reply"
    if len(ra) != len(rb):
        diffs.append((f"step{n}.reply", f"step {n}: {names[0]} {desc(ra)}, {names[1]} {desc(rb)}"))
        return diffs
    for x, y in zip(ra, rb):
        x, y = normalised(x), normalised(y)
        if x["type"] != y["type"]:
            ya = lambda r: f" {r['yiaddr']}" if r["yiaddr"] != "0.0.0.0" else ""
            diffs.append((f"step{n}.type", f"step {n}: {names[0]} {x['type']}{ya(x)}, {names[1]} {y['type']}{ya(y)}"))
            continue
        for f in HEADER_FIELDS:
            if x.get(f) != y.get(f):
                vx, vy = x.get(f), y.get(f)
                if "raw" in x and f in x["raw"]:
                    vx = x["raw"][f] if f != "dst" else f"{vx} ({x['raw'][f]})"
                    vy = y["raw"][f] if f != "dst" else f"{vy} ({y['raw'][f]})"
                diffs.append((f"step{n}.{f}", f"step {n} {x['type']}: {f}: {names[0]} {vx}, {names[1]} {vy}"))
        ox, oy = options_by_code(x), options_by_code(y)
        for c in sorted(set(ox) | set(oy)):
            if ox.get(c) != oy.get(c):
                diffs.append((f"step{n}.opt{c}", f"step {n} {x['type']}: option {c}: {names[0]} "
                                                 f"{fmt_opt(ox[c]) if c in ox else '(absent)'}, "
                                                 f"{names[1]} {fmt_opt(oy[c]) if c in oy else '(absent)'}"))
    return diffs


IP_RE = re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")
ADDR_FIELDS = ("yiaddr", "ciaddr", "siaddr", "giaddr")


def literal_addresses(g, s):
    """Addresses a scenario's outcome may legitimately depend on: those written in the group's
    config or in the scenario's own steps, and the server's."""
    def no_pools(v):  # pool bounds are where allocation starts, not a literal outcome
        if isinstance(v, dict):
            return {k: no_pools(x) for k, x in v.items() if k != "pool"}
        if isinstance(v, list):
            return [no_pools(x) for x in v]
        return v
    text = json.dumps(no_pools(g.get("config_full", g.get("config", {})))) + json.dumps(s["steps"])
    return set(IP_RE.findall(text)) | {SERVER_IP, CLIENT_IP, "0.0.0.0", "255.255.255.255"}


def canonical(steps, literal):
    """Addresses a server picked from a pool on its own are named A1, A2... in the order the
    scenario first saw them, so that one allocation-order difference earlier in a group does
    not show in every later scenario; the structure (the ACK is for the offered address, the
    renewal keeps it) is still compared. Groups with "strict_addresses" compare raw values."""
    names = {}

    def sym(a):
        if a in literal:
            return a
        if a not in names:
            names[a] = f"A{len(names) + 1}"
        return f"{names[a]}({a})"

    out = []
    for st in steps:
        if "replies" not in st:
            out.append(st)
            continue
        reps = []
        for r in st["replies"]:
            r = dict(r)
            for f in ADDR_FIELDS:
                r[f] = sym(r[f])
            r["dst"] = dict(r["dst"], ip=sym(r["dst"]["ip"]))
            reps.append(r)
        out.append({"replies": reps})
    # Equal symbols must compare equal whatever the raw address: strip it for comparison.
    strip = lambda v: v.split("(")[0] if isinstance(v, str) and v.startswith("A") and "(" in v else v
    for st in out:
        for r in st.get("replies", []):
            r["raw"] = {f: r[f] for f in ADDR_FIELDS}
            r["raw"]["dst"] = r["dst"]["ip"]
            for f in ADDR_FIELDS:
                r[f] = strip(r[f])
            r["dst"] = dict(r["dst"], ip=strip(r["dst"]["ip"]))
    return out


def event_owner(gi, ev, by_address=None):
    """Scenario index of a recorded call: by the query's xid, else by the lease's MAC, else
    (a declined lease has no MAC) by the lease's address among the scenario's answers."""
    env = dict(ev["env"])
    txid = env.get("QUERY4_TXID", "")
    if txid.isdigit() and int(txid) >> 24 == gi:
        return (int(txid) >> 8) & 0xFFFF
    for key in ("LEASE4_HWADDR", "LEASES4_AT0_HWADDR", "DELETED_LEASES4_AT0_HWADDR"):
        m = env.get(key, "").split(":")
        if len(m) == 6 and m[0] == "02" and int(m[1], 16) == gi:
            return int(m[2] + m[3], 16)
    addr = env.get("LEASE4_ADDRESS") or env.get("LEASES4_AT0_ADDRESS")
    if by_address and addr in by_address:
        return by_address[addr]
    return None


def addresses_of(g, gres):
    """yiaddr of every reply of a group's recording -> scenario index (the first to get it)."""
    out = {}
    for si, s in enumerate(g["scenarios"]):
        for st in gres["scenarios"].get(s["id"], []):
            for rep in st.get("replies") or []:
                if rep.get("yiaddr", "0.0.0.0") != "0.0.0.0":
                    out.setdefault(rep["yiaddr"], si)
    return out


def normalised_events(evs, window):
    out = []
    for ev in evs:
        env = []
        for k, v in ev["env"]:
            if k.endswith("_CLTT") and v.isdigit():
                v = "<cltt>" if window[0] - 2 <= int(v) <= window[1] + 2 else f"<cltt out of the run: {v}>"
            env.append((k, v))
        d = dict(env)
        out.append({"argv": ev["argv"], "env": env,
                    "key": (int(d.get("QUERY4_TXID") or 0), ev["argv"][:1], d.get("LEASE4_ADDRESS", ""),
                            d.get("LEASES4_AT0_ADDRESS", ""))})
    return sorted(out, key=lambda e: e["key"])


def compare_events(g, gi, si, ga, gb, names):
    lists = []
    for g_ in (ga, gb):
        by_address = addresses_of(g, g_)
        mine = [e for e in g_.get("events", []) if event_owner(gi, e, by_address) == si]
        lists.append(normalised_events(mine, g_.get("events_window", [0, 0])))
    a, b = lists
    diffs = []
    if si == 0:
        for name, g_ in zip(names, (ga, gb)):
            by_address = addresses_of(g, g_)
            orphans = [e["argv"] for e in g_.get("events", []) if event_owner(gi, e, by_address) is None]
            if orphans:
                diffs.append(("events.orphans", f"{name}: calls of no scenario: {orphans}"))
    if len(a) != len(b):
        diffs.append(("events.count", f"{names[0]}: {len(a)} calls {[e['argv'] for e in a]}, "
                                      f"{names[1]}: {len(b)} calls {[e['argv'] for e in b]}"))
    for n, (x, y) in enumerate(zip(a, b), 1):
        if x["argv"] != y["argv"]:
            diffs.append((f"events.{n}.argv", f"{x['argv']} / {y['argv']}"))
            continue
        if [k for k, _ in x["env"]] != [k for k, _ in y["env"]] and sorted(x["env"]) == sorted(y["env"]):
            diffs.append((f"events.{n}.order", "same variables in another order"))
        dx, dy = dict(x["env"]), dict(y["env"])
        for k in list(dx) + [k for k in dy if k not in dx]:
            if dx.get(k) != dy.get(k):
                diffs.append((f"events.{n}.{k}", f"{x['argv'][0]}: {names[0]} {dx.get(k, '<missing>')!r}, "
                                                 f"{names[1]} {dy.get(k, '<missing>')!r}"))
    return diffs


def compare(groups, ra, rb, names):
    """Per scenario id: list of (key, text) differences."""
    out = {}
    all_ids = [g_["id"] for g_ in load_groups()]
    for g in groups:
        ga, gb = ra["groups"].get(g["id"]), rb["groups"].get(g["id"])
        for s in g["scenarios"]:
            sid = f"{g['id']}/{s['id']}"
            diffs = []
            if ga is None or gb is None:
                diffs.append(("run", "group missing from a recording"))
            elif ga["config_ok"] != gb["config_ok"]:
                diffs.append(("config", f"config accepted by {names[0]}: {ga['config_ok']} "
                                        f"({ga.get('config_error', [''])[0]}), by {names[1]}: {gb['config_ok']} "
                                        f"({gb.get('config_error', [''])[0]})"))
            elif not ga["config_ok"]:
                pass  # both refuse it: identical
            elif "start_error" in ga or "start_error" in gb:
                diffs.append(("run", f"start: {ga.get('start_error', 'ok')} / {gb.get('start_error', 'ok')}"))
            else:
                sa, sb = ga["scenarios"].get(s["id"], []), gb["scenarios"].get(s["id"], [])
                if not g.get("strict_addresses"):
                    lit = literal_addresses(g, s)
                    sa, sb = canonical(sa, lit), canonical(sb, lit)
                for n, (x, y) in enumerate(zip(sa, sb), 1):
                    diffs += compare_step(n, x, y, names)
                if g.get("events"):
                    gi = all_ids.index(g["id"]) + 1
                    diffs += compare_events(g, gi, g["scenarios"].index(s), ga, gb, names)
                for g_ in (ga, gb):
                    if "exit" in g_:
                        diffs.append(("run", g_["exit"]))
            out[sid] = diffs
    return out


def load_expected():
    entries = []
    for path in sorted(glob.glob(os.path.join(HERE, "expected_divergences*.json"))):
        with open(path) as f:
            for e in json.load(f):
                for k in ("scenario", "reason"):
                    if k not in e:
                        raise SystemExit(f"{path}: entry without '{k}': {e}")
                e = dict(e, source=os.path.basename(path), used=0)
                entries.append(e)
    return entries


def classify(diffs, expected):
    """identical / expected / unexpected per scenario; marks used expectations."""
    res = {}
    for sid, ds in diffs.items():
        if not ds:
            res[sid] = ("identical", [])
            continue
        uncovered = []
        for key, text in ds:
            hit = [e for e in expected if fnmatch.fnmatch(sid, e["scenario"]) and fnmatch.fnmatch(key, e.get("diff", "*"))]
            for e in hit:
                e["used"] += 1
            if not hit:
                uncovered.append((key, text))
        res[sid] = ("unexpected", uncovered) if uncovered else ("expected", ds)
    return res


def describe(rep):
    o = options_by_code(rep)
    extra = " ".join(f"{c}={fmt_opt(h)}" for c, h in sorted(o.items()) if c not in (53,))
    d = rep["dst"]
    return (f"{rep['type']} yi={rep['yiaddr']} ci={rep['ciaddr']} si={rep['siaddr']} gi={rep['giaddr']} "
            f"fl={rep['flags']:#x} -> {d['ip']}:{d['port']}/{d.get('l2')} [{extra}]")


def dump(path, patterns):
    with open(path) as f:
        rec = json.load(f)
    for gid, g in rec["groups"].items():
        if not g["config_ok"]:
            print(f"{gid}: config refused: {g.get('config_error')}")
            continue
        for sid, steps in g["scenarios"].items():
            if patterns and not any(fnmatch.fnmatch(f"{gid}/{sid}", p) for p in patterns):
                continue
            print(f"{gid}/{sid}")
            for n, st in enumerate(steps, 1):
                if "unresolved" in st:
                    print(f"  {n}: unresolved ({st['unresolved']})")
                elif not st["replies"]:
                    print(f"  {n}: no reply")
                for r in st.get("replies", []):
                    print(f"  {n}: {describe(r)}")
    return 0


# ---- topology and orchestration (root namespace) ------------------------------------------------

def sh(*cmd, check=True):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


def make_topology(prefix, kind):
    srv, cli = f"{prefix}-{kind}-srv", f"{prefix}-{kind}-cli"
    for ns in (srv, cli):
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "-n", cli, "link", "add", "dtc0", "type", "veth", "peer", "name", "dts0", "netns", srv)
    sh("ip", "-n", cli, "link", "set", "dtc0", "name", "eth0")
    sh("ip", "-n", srv, "link", "set", "dts0", "name", "eth0")
    sh("ip", "-n", srv, "link", "set", "eth0", "address", SERVER_MAC)
    sh("ip", "-n", cli, "link", "set", "eth0", "address", CLIENT_MAC)
    sh("ip", "-n", srv, "addr", "add", f"{SERVER_IP}/24", "dev", "eth0")
    sh("ip", "-n", cli, "addr", "add", f"{CLIENT_IP}/24", "dev", "eth0")
    sh("ip", "-n", srv, "link", "set", "eth0", "up")
    sh("ip", "-n", cli, "link", "set", "eth0", "up", "promisc", "on")
    # Every address of 198.18.0.0/15 but the server's is local in the client namespace, so it
    # answers ARP for any client, relay or off-network address the server replies to (the
    # server's own address must stay remote, or its packets would be martians there).
    sh("ip", "-n", srv, "route", "add", "198.18.0.0/15", "via", CLIENT_IP)
    for net in ipaddress.ip_network("198.18.0.0/15").address_exclude(ipaddress.ip_network(SERVER_IP + "/32")):
        sh("ip", "-n", cli, "route", "add", "local", str(net), "dev", "lo", "table", "local")
    return srv, cli


def main():
    ap = argparse.ArgumentParser(description="DHCPv4 differential test: Kea 2.2 vs tandemd")
    ap.add_argument("--tandemd", help="tandemd binary")
    ap.add_argument("--kea", default="/usr/sbin/kea-dhcp4")
    ap.add_argument("--only", action="append", help="fnmatch on group/scenario (repeatable)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--workdir")
    ap.add_argument("--prefix", default=f"dt-{os.getpid()}", help="namespace name prefix")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--show-expected", action="store_true", help="also print expected divergences")
    ap.add_argument("--dump", metavar="RECORDING", help="print a recording (<workdir>/<server>.json) readably")
    ap.add_argument("--compare-only", metavar="WORKDIR", help="compare the recordings of an earlier --keep run")
    ap.add_argument("--write-expected", nargs=2, metavar=("FILE", "REASON"),
                    help="append an entry for every unexpected divergence to FILE (a JSON list)")
    # child mode
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--bin", help=argparse.SUPPRESS)
    ap.add_argument("--srv-ns", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        return run_server(args)
    if args.dump:
        return dump(args.dump, args.only)
    groups = selected(load_groups(), args.only)
    if args.list:
        for g in groups:
            for s in g["scenarios"]:
                print(f"{g['id']}/{s['id']}")
        return 0
    if args.compare_only:
        return report(args, groups, args.compare_only, ["kea", "tandemd"], time.time())
    if os.geteuid() != 0:
        print("difftest: needs root (network namespaces)", file=sys.stderr)
        return 77
    if not args.tandemd or not os.access(args.tandemd, os.X_OK):
        print("difftest: --tandemd BINARY required", file=sys.stderr)
        return 2
    if not os.access(args.kea, os.X_OK):
        print(f"difftest: {args.kea} not found", file=sys.stderr)
        return 77
    workdir = args.workdir or tempfile.mkdtemp(prefix="difftest-")
    os.makedirs(workdir, exist_ok=True)
    servers = [("kea", os.path.abspath(args.kea)), ("tandemd", os.path.abspath(args.tandemd))]
    made, procs = [], []
    t0 = time.time()
    try:
        for kind, binary in servers:
            srv, cli = make_topology(args.prefix, kind)
            made += [srv, cli]
            wd = os.path.join(workdir, kind)
            os.makedirs(wd, exist_ok=True)
            cmd = ["ip", "netns", "exec", cli, sys.executable, os.path.abspath(__file__), "--child",
                   "--kind", kind, "--bin", binary, "--srv-ns", srv, "--workdir", wd,
                   "--out", os.path.join(workdir, f"{kind}.json")]
            for p in args.only or []:
                cmd += ["--only", p]
            procs.append(subprocess.Popen(cmd))
        for p in procs:
            p.wait()
        if any(p.returncode != 0 for p in procs):
            print(f"difftest: a run failed ({[p.returncode for p in procs]})", file=sys.stderr)
            return 1
        return report(args, groups, workdir, [k for k, _ in servers], t0)
    finally:
        for p in procs:
            if p.poll() is None:
                stop_proc(p)
        for ns in made:
            sh("ip", "netns", "del", ns, check=False)
        if args.keep or args.workdir:
            print(f"difftest: work directory {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, groups, workdir, names, t0):
    """Compares the two recordings, prints the divergences and the summary line."""
    if True:
        recs = []
        for kind in names:
            with open(os.path.join(workdir, f"{kind}.json")) as f:
                recs.append(json.load(f))
        diffs = compare(groups, recs[0], recs[1], names)
        expected = load_expected()
        res = classify(diffs, expected)
        counts = {"identical": 0, "expected": 0, "unexpected": 0}
        for sid, (verdict, ds) in res.items():
            counts[verdict] += 1
            if verdict == "unexpected" or (verdict == "expected" and args.show_expected):
                print(f"{verdict.upper()} {sid}")
                for key, text in ds:
                    print(f"    [{key}] {text}")
        if args.write_expected:
            path, reason = args.write_expected
            entries = json.load(open(path)) if os.path.exists(path) else []
            for sid, (verdict, ds) in res.items():
                if verdict == "unexpected":
                    for key in sorted({k for k, _ in ds}):
                        entries.append({"scenario": sid, "diff": key, "reason": reason})
            with open(path, "w") as f:  # one entry a line: merges of parallel additions stay simple
                f.write("[\n" + ",\n".join(json.dumps(e) for e in entries) + "\n]\n")
        if not args.only:
            for e in expected:
                if not e["used"]:
                    print(f"note: expected divergence no longer seen: {e['source']}: {e['scenario']} {e.get('diff', '*')}")
        print(f"difftest: {len(res)} scenarios, {counts['identical']} identical, "
              f"{counts['expected']} expected divergences, {counts['unexpected']} unexpected divergences "
              f"({time.time() - t0:.0f} s)")
        return 1 if counts["unexpected"] else 0


if __name__ == "__main__":
    sys.exit(main() or 0)
