"""Relayed traffic (RFC 2131 4.1, RFC 1542, RFC 3046 option 82, RFC 3527 link selection,
RFC 3011 subnet selection): subnet choice by giaddr, relay ip-addresses, replies to the relay."""
from _dsl import *

RELAY_SUBNETS = [
    subnet(),
    subnet(11, "198.19.1.0/24", "198.19.1.100 - 198.19.1.150", [{"name": "routers", "data": "198.19.1.1"}]),
    subnet(12, "198.19.2.0/24", "198.19.2.100 - 198.19.2.150", [{"name": "routers", "data": "198.19.2.1"}]),
    subnet(13, "198.19.3.0/24", "198.19.3.100 - 198.19.3.150", [{"name": "routers", "data": "198.19.3.1"}],
           relay={"ip-addresses": ["198.19.9.1"]}),
]
G1 = "198.19.1.1"
OPT82 = "0106706f72742d31" + "020a72656c61792d74657374"  # circuit-id "port-1", remote-id "relay-test"
LINKSEL_2 = "0504c6130200"                                 # RFC 3527 sub-option 5: 198.19.2.0


def rdora(gi=G1, **kw):
    return [discover(giaddr=gi, **kw), request(giaddr=gi, server_id=SERVER, requested=offered(1), **kw)]


relay_s = [
    scn("dora-subnet11", rdora()),
    scn("dora-subnet12", rdora("198.19.2.1")),
    scn("dora-relay-ip-addresses", rdora("198.19.9.1")),
    scn("dora-unknown-giaddr", rdora("198.19.8.1")),
    scn("dora-giaddr-on-local-subnet", rdora("198.18.0.2")),
    scn("dora-option82", rdora(relay_info=OPT82)),
    scn("dora-option82-unknown-giaddr", rdora("198.19.8.1", relay_info=OPT82)),
    scn("dora-broadcast-flag", rdora(broadcast=True)),
    scn("dora-hops", rdora(hops=3)),
    scn("relay-link-selection", rdora(relay_info=OPT82 + LINKSEL_2)),
    scn("relay-subnet-selection-118", rdora(options=[[118, "c6130200"]])),
    scn("local-subnet-selection-118", discover(options=[[118, "c6130200"]])),
    scn("relay-nak-init-reboot", init_reboot("198.19.2.120", giaddr=G1)),
    scn("relay-nak-init-reboot-known", rdora(), init_reboot("198.19.2.120", giaddr=G1)),
    scn("relay-nak-broadcast-flag", rdora(), init_reboot("198.19.2.120", giaddr=G1, broadcast=True)),
    scn("relay-renew", rdora(), request(giaddr=G1, ciaddr=offered(2))),
    scn("relay-init-reboot-own", rdora(), init_reboot(offered(2), giaddr=G1)),
    scn("relay-release", rdora(), release(giaddr=G1, ciaddr=offered(2), server_id=SERVER),
        request(giaddr=G1, ciaddr=offered(2))),
    scn("relay-decline", rdora(), decline(giaddr=G1, requested=offered(2), server_id=SERVER),
        request(giaddr=G1, ciaddr=offered(2))),
    scn("relay-inform", inform(giaddr=G1, ciaddr="198.19.1.20")),
    scn("relay-inform-other-subnet-ciaddr", inform(giaddr=G1, ciaddr="198.19.2.20")),
    scn("relay-discover-requested-in-other-subnet", discover(giaddr=G1, requested="198.19.2.110")),
    scn("relay-from-other-source-ip", rdora(src_ip="198.19.2.1")),
    scn("relay-source-port-68", rdora(sport=68)),
    scn("relay-renew-unicast-from-client", rdora(), request(ciaddr=offered(2), via="unicast")),
]

GROUPS = [
    {"id": "relay", "config": {"subnet4": RELAY_SUBNETS}, "scenarios": relay_s},
    {"id": "relay-auth", "config": {"subnet4": RELAY_SUBNETS, "authoritative": True},
     "scenarios": [
         scn("nak-init-reboot-unknown", init_reboot("198.19.2.120", giaddr=G1)),
         scn("nak-init-reboot-option82", init_reboot("198.19.2.121", giaddr=G1, relay_info=OPT82)),
         scn("nak-selecting-foreign", discover(giaddr=G1), request(giaddr=G1, server_id=SERVER, requested="198.19.2.122")),
     ]},
    {"id": "no-local-subnet", "config": {"subnet4": RELAY_SUBNETS[1:]},
     "scenarios": [
         scn("local-discover", discover()),
         scn("local-inform", inform(ciaddr="198.19.1.30", via="unicast")),
         scn("local-renew-ciaddr-in-other-subnet", request(ciaddr="198.19.1.120", via="unicast")),
         scn("relayed-discover", discover(giaddr=G1)),
     ]},
]
