"""Client names (Kea 2.2's Dhcpv4Srv::processClientName): the Host Name option (12) and the
Client FQDN option (81, RFC 4702) in OFFER and ACK, under every ddns-replace-client-name mode,
ddns-qualifying-suffix, ddns-generated-prefix, hostname-char-set/-replacement, reserved host
names and the scopes (global, shared network, subnet) these are set at. Kea answers option 81
and rewrites names even with DNS updates off (dhcp-ddns enable-updates false, the default)."""
from _dsl import *


def fqdn(flags, name=b"", rcode=(0, 0)):
    """Option 81 payload: flags, RCODE1, RCODE2, then the name as given (bytes or str)."""
    if isinstance(name, str):
        name = name.encode()
    return [81, (bytes([flags, rcode[0], rcode[1]]) + name).hex()]


def wire(*labels, full=True):
    """A name in DNS wire format (RFC 1035 3.1); without the root label when full is False."""
    out = b""
    for label in labels:
        b = label.encode() if isinstance(label, str) else label
        out += bytes([len(b)]) + b
    return out + (b"\x00" if full else b"")


PRL = [1, 3, 6, 12, 15, 51, 54, 81]
M_RES = "02:dd:00:00:00:01"      # reservation with a host name
M_RES2 = "02:dd:00:00:00:02"     # reservation with a qualified host name


def named(id, mac=None, **kw):
    """DISCOVER + REQUEST with the same name options."""
    kw.setdefault("prl", PRL)
    return scn(id, dora(**kw), **({"mac": mac} if mac else {}))


def opt81(id, flags, name=b"", rcode=(0, 0), **kw):
    return named(id, options=[fqdn(flags, name, rcode)], **kw)


RESERVATIONS = [{"hw-address": M_RES, "hostname": "Res-Host"},
                {"hw-address": M_RES2, "hostname": "res2.Example.NET"}]

# Names the client may send, tried under every configuration below.
common_s = [
    named("none"),
    named("hostname-plain", hostname="host-a"),
    named("hostname-upper-fqdn", hostname="Host-A.Example.COM"),
    named("hostname-trailing-dot", hostname="host-b."),
    named("hostname-root", hostname="."),
    named("hostname-spaces", hostname="  spaced  "),
    named("hostname-bad-chars", hostname="my_laptop!"),
    named("hostname-all-bad", hostname="___"),
    named("hostname-empty-label", hostname="a..b"),
    named("hostname-long-label", hostname="h" * 64),
    named("hostname-trailing-nul", options=[[12, b"host-c\x00".hex()]]),
    named("hostname-suffix-embedded", hostname="host.example.org"),
    opt81("fqdn-ascii-partial", 0x00, "host-d"),
    opt81("fqdn-ascii-full", 0x01, "Host-E.Example.Com."),
    opt81("fqdn-ascii-partial-dotted", 0x01, "host-f.sub"),
    opt81("fqdn-ascii-bad-chars", 0x01, "my_host!.example.com."),
    opt81("fqdn-n", 0x08, "host-g"),
    opt81("fqdn-s", 0x01, "host-h"),
    opt81("fqdn-ns-invalid", 0x09, "host-i"),
    opt81("fqdn-mbz", 0xf1, "host-j"),
    opt81("fqdn-rcode-ff", 0x00, "host-k", rcode=(255, 255)),
    opt81("fqdn-rcode-other", 0x01, "host-k2", rcode=(3, 7)),
    opt81("fqdn-e-partial", 0x05, wire("Host-L", full=False)),
    opt81("fqdn-e-full", 0x05, wire("host-m", "example", "com")),
    opt81("fqdn-e-empty", 0x05),
    opt81("fqdn-empty", 0x01),
    opt81("fqdn-e-bad-label", 0x05, bytes([0x45]) + b"x" * 5),
    opt81("fqdn-e-trailing-junk", 0x04, wire("host-n") + b"\x03abc"),
    named("fqdn-truncated", options=[[81, "01"]]),
    named("fqdn-and-hostname", hostname="host-o", options=[fqdn(0x01, "host-p")]),
    opt81("fqdn-ascii-escapes", 0x00, "we ird\\.x"),
    opt81("fqdn-ascii-empty-label", 0x01, "a..b"),
    opt81("fqdn-ascii-root", 0x01, "."),
    opt81("fqdn-e-root", 0x05, b"\x00"),
    opt81("fqdn-ascii-nul", 0x01, b"host-q\x00"),
    opt81("fqdn-ascii-nul-only", 0x01, b"\x00"),
    opt81("fqdn-partial-with-suffix", 0x01, "host-w.example.org"),
    opt81("fqdn-all-bad", 0x01, "___"),
    opt81("fqdn-all-bad-label", 0x01, "a.___.b"),
    named("hostname-nul-only", options=[[12, "00"]]),
    named("hostname-with-suffix", hostname="host-x.example.org."),
    named("hostname-escaped-dot", hostname="a\\.b"),
    named("no-prl-hostname", hostname="host-r", no_prl=True),
    named("no-prl-fqdn", options=[fqdn(0x01, "host-s")], no_prl=True),
    named("res-none", mac=M_RES),
    named("res-hostname", mac=M_RES, hostname="other"),
    opt81("res-fqdn", 0x01, "other", mac=M_RES),
    opt81("res2-fqdn-e", 0x05, wire("other", full=False), mac=M_RES2),
    named("res2-hostname", mac=M_RES2, hostname="x"),
]


# For the other settings, the names that tell the rules apart (the difftest has a time budget).
CORE = {"none", "hostname-plain", "hostname-trailing-dot", "hostname-root", "hostname-bad-chars", "hostname-all-bad",
        "fqdn-ascii-partial", "fqdn-ascii-full", "fqdn-n", "fqdn-s", "fqdn-e-partial", "fqdn-e-empty",
        "fqdn-partial-with-suffix", "fqdn-ascii-nul-only", "res-none", "res-fqdn", "res2-hostname"}
core_s = [x for x in common_s if x["id"] in CORE]


def group(id, cfg, scenarios=None):
    base = {"subnet4": [subnet(reservations=RESERVATIONS)]}
    base.update(cfg)
    return {"id": id, "config": base, "scenarios": scenarios or common_s}


# What the other messages do with names: INFORM, a NAKed request, a renewal with a new name,
# a RELEASE then a new DORA.
other_s = [
    scn("inform-hostname", inform(ciaddr="198.18.0.50", via="unicast", hostname="host-t", prl=PRL)),
    scn("inform-fqdn", inform(ciaddr="198.18.0.51", via="unicast", options=[fqdn(0x01, "host-u")], prl=PRL)),
    scn("inform-res", inform(ciaddr="198.18.0.52", via="unicast", prl=PRL), mac=M_RES),
    scn("inform-res-hostname", inform(ciaddr="198.18.0.53", via="unicast", hostname="x", prl=PRL), mac=M_RES),
    scn("nak-fqdn", init_reboot("198.18.5.5", options=[fqdn(0x01, "host-v")], prl=PRL)),
    scn("renew-new-name", dora(hostname="first", prl=PRL), renewing(2, hostname="second", prl=PRL),
        renewing(2, options=[fqdn(0x01, "third")], prl=PRL), renewing(2, prl=PRL)),
]

# Network-level settings over the global ones, and a subnet's over its network's.
NET2 = {"name": "net2", "ddns-qualifying-suffix": "net.example", "ddns-generated-prefix": "netgen",
        "relay": {"ip-addresses": ["198.19.7.1"]},
        "subnet4": [{"id": 31, "subnet": "198.19.7.0/24", "pools": [{"pool": "198.19.7.10 - 198.19.7.20"}]}]}
NET3 = {"name": "net3", "ddns-qualifying-suffix": "net3.example", "ddns-replace-client-name": "always",
        "relay": {"ip-addresses": ["198.19.8.1"]},
        "subnet4": [{"id": 32, "subnet": "198.19.8.0/24", "pools": [{"pool": "198.19.8.10 - 198.19.8.20"}],
                     "ddns-qualifying-suffix": "sub.example", "ddns-generated-prefix": "subgen",
                     "hostname-char-set": "[^a-z]", "hostname-char-replacement": "Q"}]}
scope_s = [
    scn("net-hostname", dora(hostname="n1", giaddr="198.19.7.1", prl=PRL)),
    scn("net-fqdn-generated", dora(options=[fqdn(0x01)], giaddr="198.19.7.1", prl=PRL)),
    scn("net-none", dora(giaddr="198.19.7.1", prl=PRL)),
    scn("subnet-hostname", dora(hostname="n2", giaddr="198.19.8.1", prl=PRL)),
    scn("subnet-fqdn-generated", dora(options=[fqdn(0x05)], giaddr="198.19.8.1", prl=PRL)),
    scn("global-hostname", dora(hostname="n3_x", prl=PRL)),
    scn("global-none", dora(prl=PRL)),
]

GROUPS = [
    group("names-default", {}),
    group("names-suffix", {"ddns-qualifying-suffix": "Example.org", "hostname-char-replacement": "x"}),
    group("names-suffix-dot", {"ddns-qualifying-suffix": "example.org.", "hostname-char-set": ""}, core_s),
    group("replace-always", {"ddns-replace-client-name": "always", "ddns-generated-prefix": "gen",
                             "ddns-qualifying-suffix": "example.org"}),
    group("replace-when-present", {"ddns-replace-client-name": "when-present"}, core_s),
    group("replace-when-not-present", {"ddns-replace-client-name": "when-not-present",
                                       "ddns-qualifying-suffix": "example.org"}, core_s),
    group("updates-on", {"dhcp-ddns": {"enable-updates": True}, "ddns-qualifying-suffix": "example.org"}),
    group("updates-on-override", {"dhcp-ddns": {"enable-updates": True}, "ddns-override-no-update": True,
                                  "ddns-override-client-update": True}, core_s),
    group("other-default", {}, other_s),
    group("other-replace", {"ddns-replace-client-name": "always", "ddns-qualifying-suffix": "example.org"}, other_s),
    group("scopes", {"ddns-qualifying-suffix": "global.example", "ddns-replace-client-name": "when-not-present",
                     "shared-networks": [NET2, NET3]}, scope_s),
    group("old-dhcp-ddns-keys", {"dhcp-ddns": {"enable-updates": False, "qualifying-suffix": "old.example",
                                               "replace-client-name": "TRUE",
                                               "generated-prefix": "oldgen", "hostname-char-replacement": "z"}},
          core_s),
    group("old-dhcp-ddns-keys-overridden", {"dhcp-ddns": {"enable-updates": False, "qualifying-suffix": "old.example"},
                                            "ddns-qualifying-suffix": "new.example",
                                            "ddns-replace-client-name": "When-Not-Present"}, core_s),
    group("updates-on-subnet-off", {"dhcp-ddns": {"enable-updates": True},
                                    "subnet4": [subnet(reservations=RESERVATIONS, ddns_send_updates=False)]},
          core_s),
]
