"""Client classification (Kea 2.2 client-classes): tests on options, relay agent sub-options and
packet fields, built-in classes, class options against subnet/global ones, boot fields,
lifetimes, KNOWN/UNKNOWN pools, required classes, DROP."""
from _dsl import *

VC = 60


def vc(text):
    return [[VC, text.encode().hex()]]


CLASSES = [
    {"name": "pxe", "test": "substring(option[60].hex, 0, 9) == 'PXEClient'",
     "boot-file-name": "pxe.efi", "next-server": "198.18.0.9", "server-hostname": "tftp-host",
     "option-data": [{"name": "tftp-server-name", "data": "tftp.example"},
                     {"name": "domain-name", "data": "pxe.example", "always-send": True},
                     {"name": "domain-name-servers", "data": "198.18.0.54"}]},
    {"name": "short", "test": "option[60].text == 'short'", "valid-lifetime": 600,
     "min-valid-lifetime": 300, "max-valid-lifetime": 900},
    {"name": "cid-text", "test": "option[61].text == 'type=061, len=007: 01:02:00:00:00:00:07'",
     "boot-file-name": "cid-text.efi"},
    {"name": "req-text", "test": "option[50].text == 'type=050, len=004: 198.18.0.150 (ipv4-address)'",
     "boot-file-name": "req-text.efi"},
    {"name": "lt-text", "test": "option[51].text == 'type=051, len=004: 100 (uint32)'", "boot-file-name": "lt-text.efi"},
    {"name": "mms-text", "test": "option[57].text == 'type=057, len=002: 1500 (uint16)'", "boot-file-name": "mms-text.efi"},
    {"name": "prl-text", "test": "option[55].text == 'type=055, len=003: 1(uint8) 3(uint8) 15(uint8)'",
     "boot-file-name": "prl-text.efi"},
    {"name": "routers-text", "test": "option[3].text == 'type=003, len=008: 198.18.0.1 198.18.0.2'",
     "boot-file-name": "routers-text.efi"},
    {"name": "bool-text", "test": "option[19].text == 'type=019, len=001: true (boolean)'", "boot-file-name": "bool-text.efi"},
    {"name": "port7", "test": "relay4[1].hex == 'port7'", "boot-file-name": "port7.efi"},
    {"name": "port7-text", "test": "relay4[1].text == 'type=001, len=005: 70:6f:72:74:37'",
     "server-hostname": "port7-text"},
    {"name": "mac", "test": "hexstring(pkt4.mac, ':') == '02:00:00:00:00:0b'", "server-hostname": "by-mac"},
    {"name": "len", "test": "pkt.len == 0x0000011d", "server-hostname": "len-285"},
    {"name": "VENDOR_CLASS_docsis3.0", "boot-file-name": "modem.cfg"},
    {"name": "DROP", "test": "option[60].text == 'drop-me'"},
    {"name": "late", "test": "option[60].exists", "only-if-required": True,
     "option-data": [{"name": "ntp-servers", "data": "198.18.0.123", "always-send": True}],
     "valid-lifetime": 77},
    {"name": "notest", "only-if-required": True,
     "option-data": [{"name": "time-offset", "data": "3600", "always-send": True}]},
    {"name": "known", "test": "member('KNOWN')", "server-hostname": "known-host"},
    {"name": "error", "test": "addrtotext(option[60].hex) == 'x'", "boot-file-name": "error.efi"},
]


BASE_SUBNET = subnet(options=[{"name": "routers", "data": "198.18.0.1"},
                              {"name": "domain-name", "data": "subnet.example"}],
                     next_server="198.18.0.8", boot_file_name="subnet.efi")

RELAY_SUBNET = subnet(11, "198.19.1.0/24", "198.19.1.100 - 198.19.1.150", [{"name": "routers", "data": "198.19.1.1"}])

classify_s = [
    scn("pxe-options-boot", dora(options=vc("PXEClient:Arch:00007"), prl=[1, 3, 6, 15, 51, 54, 66])),
    scn("no-class", dora(options=vc("MSFT 5.0"))),
    scn("class-lifetime", discover(options=vc("short")),
        selecting(1, options=vc("short"), lease_time=100)),
    scn("class-lifetime-long-wish", discover(options=vc("short"), lease_time=5000)),
    scn("client-id-text", discover(client_id="01020000000007")),
    scn("requested-text", discover(requested="198.18.0.150")),
    scn("lease-time-text", discover(lease_time=100)),
    scn("max-size-text", discover(max_size=1500)),
    scn("prl-text", discover(prl=[1, 3, 15])),
    scn("routers-text", discover(options=[[3, "c6120001c6120002"]])),
    scn("bool-text", discover(options=[[19, "01"]])),
    scn("relay4-hex", discover(giaddr="198.19.1.1", relay_info="0105706f727437")),
    scn("mac-hexstring", discover(client=0, chaddr="02000000000b")),
    scn("pkt-len", discover(no_prl=True, options=[[12, "6c656e2d746573742d686f7374"]])),
    scn("vendor-class-builtin", discover(options=vc("docsis3.0"))),
    scn("drop", discover(options=vc("drop-me"))),
    scn("eval-error", discover(options=vc("abc"))),
    scn("inform", inform(ciaddr="198.18.0.20", options=vc("PXEClient"))),
]

required_s = [
    scn("required-pool", dora(options=vc("anything"))),
    scn("required-no-vc", dora()),
]

known_s = [
    scn("known-reserved", dora(chaddr="02000000000c")),
    scn("unknown", dora(chaddr="02000000000d")),
]

GROUPS = [
    {"id": "classify", "config": {"client-classes": CLASSES, "subnet4": [BASE_SUBNET, RELAY_SUBNET]},
     "scenarios": classify_s},
    {"id": "classify-required", "config": {
        "client-classes": CLASSES,
        "subnet4": [subnet(pool=[], options=[{"name": "routers", "data": "198.18.0.1"}],
                           pools=[{"pool": POOL, "require-client-classes": ["late", "notest"]}])]},
     "scenarios": required_s},
    {"id": "classify-known", "config": {
        "client-classes": CLASSES,
        "subnet4": [subnet(pool=[], pools=[{"pool": "198.18.0.100 - 198.18.0.110", "client-class": "known"},
                                             {"pool": "198.18.0.120 - 198.18.0.130", "client-class": "UNKNOWN"}],
                           reservations=[{"hw-address": "02:00:00:00:00:0c",
                                         "option-data": [{"name": "ntp-servers", "data": "198.18.0.99"}]}])]},
     "scenarios": known_s},
]
