#!/usr/bin/env python3
"""The end-of-test verdict of the HA chaos tests (ha_chaos_*_test.sh, issue 11 "Proven under
faults"): no ACKed lease lost and no address held by two clients, checked in every store.

  ha_chaos_verify.py CAPTURE.pcap --store NAME=SERVER_ID=leases.json ... [--acked-by-only]

CAPTURE.pcap: tcpdump of the servers' replies as the clients saw them (any link type that
scripts/robust-dhcp-acks.py reads). Each --store is one peer: its name, its server identifier
(option 54 of its replies) and its lease4-get-all answer as a file. Checks:
  lost      for each client (chaddr), the LAST DHCPACK it got names an address; that lease
            (address + hardware address, state default, not expired) must be in every store,
            or, with --acked-by-only, at least in the store of the server that sent the ACK
            (peers that by design stop exchanging updates, e.g. the terminated state);
  double    no address is held by two different clients: not inside a store (a store is
            keyed by address, so this is a check of the dump) and not across stores (the same
            address active in two stores with different hardware addresses = split brain).
Prints one JSON object with the counts and up to 5 examples of each problem; exit 1 if any.
"""
import argparse
import importlib.util
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "robust_dhcp_acks", os.path.join(HERE, "..", "..", "scripts", "robust-dhcp-acks.py"))
_acks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_acks)


def acks_with_server(pcap):
    """(yiaddr, chaddr, server-id) of every DHCPACK, in capture order."""
    for mtype, yiaddr, chaddr, sid in _acks.dhcp_replies(pcap):
        if mtype == 5:
            yield yiaddr, chaddr, sid


def load_store(path):
    """address -> hw-address of the active leases in a lease4-get-all answer."""
    with open(path) as f:
        text = f.read().strip()
    ans = json.loads(text) if text else {}
    if isinstance(ans, list):
        ans = ans[0] if ans else {}
    now = time.time()
    active = {}
    for l in (ans.get("arguments") or {}).get("leases", []):
        if l.get("state", 0) != 0:
            continue
        if l.get("cltt", 0) + l.get("valid-lft", 0) <= now:
            continue
        active[l["ip-address"]] = l.get("hw-address", "").lower()
    return active


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("--store", action="append", required=True, help="NAME=SERVER_ID=leases.json")
    ap.add_argument("--acked-by-only", action="store_true")
    a = ap.parse_args()

    stores, by_sid = {}, {}
    for spec in a.store:
        name, sid, path = spec.split("=", 2)
        stores[name] = load_store(path)
        by_sid[sid] = name

    last = {}  # chaddr -> (yiaddr, server-id)
    acks = 0
    for y, c, sid in acks_with_server(a.pcap):
        acks += 1
        last[c] = (y, sid)

    lost = []
    for c, (y, sid) in sorted(last.items()):
        where = list(stores) if not a.acked_by_only else [by_sid.get(sid)]
        for name in where:
            if name is None:
                lost.append(f"{y} {c}: ACKed by unknown server {sid}")
                continue
            have = stores[name].get(y)
            if have != c:
                lost.append(f"{y} {c} (ACKed by {by_sid.get(sid, sid)}): on {name} "
                            + ("missing" if have is None else f"held by {have}"))

    double = []
    names = list(stores)
    for i, n1 in enumerate(names):
        for n2 in names[i + 1:]:
            for addr, hw in stores[n1].items():
                other = stores[n2].get(addr)
                if other is not None and other != hw:
                    double.append(f"{addr}: {hw} on {n1}, {other} on {n2}")

    out = {"acks": acks, "clients": len(last),
           "stores": {n: len(s) for n, s in stores.items()},
           "lost": len(lost), "double": len(double),
           "lost_examples": lost[:5], "double_examples": double[:5]}
    print(json.dumps(out))
    return 1 if (lost or double or not last) else 0


if __name__ == "__main__":
    sys.exit(main())
