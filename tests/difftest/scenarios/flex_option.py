"""The flex_option hook (libdhcp_flex_option.so, built into tandemd): options added when absent,
superseded, removed, computed from the query with Kea's expressions, guarded by client
classes, csv-format, and sub-options of option 43 (container created and removed)."""
from _dsl import *

FLEX_LIB = "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_flex_option.so"


def flex(options):
    return [{"library": FLEX_LIB, "parameters": {"options": options}}]


def vc(text):
    return [[60, text.encode().hex()]]


def hostname(text):
    return [[12, text.encode().hex()]]


CLASSES = [{"name": "juniper", "test": "substring(option[60].hex, 0, 7) == 'Juniper'"}]

RULES = [
    # Boot file from the host name when the client sends one (empty value: nothing added).
    {"code": 67, "add": "ifelse(option[host-name].exists, option[host-name].text + '.boot', '')"},
    # Added only when absent: the subnet's domain-name stays.
    {"code": 15, "add": "'flex.example'"},
    # Superseded: the DNS servers, from a hex literal.
    {"code": 6, "supersede": "0xC6120063"},
    # csv-format: text encoded by the option's definition.
    {"name": "ntp-servers", "supersede": "'198.18.0.7, 198.18.0.8'", "csv-format": True},
    # Removed for one class only.
    {"code": 12, "remove": "option[60].exists", "client-class": "juniper"},
    # The client's MAC as text into option 43's sub-option 1 (container created).
    {"code": 43, "sub-options": [
        {"code": 1, "add": "'ztp/' + hexstring(pkt4.mac, '-') + '.conf'", "client-class": "juniper"}]},
    # The relay's circuit id echoed into the message option when relayed.
    {"code": 56, "add": "ifelse(relay4[1].exists, 'circuit ' + relay4[1].hex, '')"},
]

RELAY_SUBNET = subnet(11, "198.19.1.0/24", "198.19.1.100 - 198.19.1.150", [{"name": "routers", "data": "198.19.1.1"}])

flex_s = [
    scn("hostname-boot-file", dora(options=hostname("pc1"))),
    scn("no-hostname", dora()),
    scn("juniper-removes-hostname", dora(options=vc("Juniper-ex2300") + hostname("sw1"), prl=[1, 3, 6, 12, 15, 43])),
    scn("not-juniper-keeps-hostname", dora(options=vc("MSFT 5.0") + hostname("pc2"), prl=[1, 3, 6, 12, 15, 43])),
    scn("relayed-circuit", discover(giaddr="198.19.1.1", relay_info="0105706f727437")),
    scn("inform", inform(ciaddr="198.18.0.20", options=hostname("pc3"))),
    scn("nak", init_reboot("198.18.0.250")),
]

GROUPS = [
    {"id": "flex-option", "config": {"client-classes": CLASSES, "authoritative": True,
                                     "hooks-libraries": flex(RULES),
                                     "subnet4": [subnet(options=[{"name": "routers", "data": "198.18.0.1"},
                                                                 {"name": "domain-name", "data": "subnet.example"}]),
                                                 RELAY_SUBNET]},
     "scenarios": flex_s},
]
