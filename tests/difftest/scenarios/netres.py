"""Shared networks (allocation moving to the next subnet, renewals and INIT-REBOOT across
subnets, options of the address's subnet and of the network) and host reservations by every
identifier (duid, circuit-id, flex-id, client-id, hw-address), identifier order, reserved host
names and ip-reservations-unique false."""
from _dsl import *

RELAY = "198.19.9.1"          # the shared network's relay address
NETWORK = {
    "name": "floor",
    "relay": {"ip-addresses": [RELAY]},
    "option-data": [{"name": "domain-name", "data": "floor.example"},
                    {"name": "routers", "data": "198.19.1.1"}],
    "subnet4": [
        {"id": 21, "subnet": "198.19.1.0/24", "pools": [{"pool": "198.19.1.10 - 198.19.1.11"}]},
        {"id": 22, "subnet": "198.19.2.0/24", "pools": [{"pool": "198.19.2.10 - 198.19.2.20"}],
         "option-data": [{"name": "routers", "data": "198.19.2.1"}], "valid-lifetime": 900,
         "reservations": [{"hw-address": "02:bb:00:00:00:01", "ip-address": "198.19.2.99",
                           "hostname": "Net-Printer"}]},
    ],
}


def rd(client=0, **kw):
    kw.setdefault("giaddr", RELAY)
    return discover(client=client, **kw)


def rr(n, client=0, **kw):
    return request(giaddr=RELAY, client=client, server_id=SERVER, requested=offered(n), **kw)


shared_s = [
    # Subnet 21 holds two addresses: the third client gets subnet 22, its router and lifetime.
    scn("fill-then-next-subnet", rd(0), rr(1, 0), rd(1), rr(3, 1), rd(2), rr(5, 2),
        request(giaddr=RELAY, client=2, ciaddr=offered(6)),
        init_reboot(offered(6), giaddr=RELAY, client=2),
        init_reboot("198.19.1.10", giaddr=RELAY, client=2),
        init_reboot("198.19.2.19", giaddr=RELAY, client=2),
        rd(3), rr(11, 3)),
    scn("requested-in-second-subnet", rd(0, requested="198.19.2.15"), rr(1, 0)),
    scn("reservation-in-second-subnet", dora(giaddr=RELAY), mac="02:bb:00:00:00:01"),
    scn("unknown-relay", rd(0, giaddr="198.19.8.1")),
]

DUID = "000300010aabbccddeef"
M_HW = "02:cc:00:00:00:01"     # reserved by hw-address -> 198.18.0.31, and by its client-id -> .32
CID_HW = "01" + M_HW.replace(":", "")
M_NAME = "02:cc:00:00:00:02"   # hostname-only reservation
OPT82_P7 = "0106706f72742d37"  # circuit-id "port-7"

HOSTS = [
    {"duid": "00:03:00:01:0a:ab:bc:cd:de:ef", "ip-address": "198.18.0.21"},
    {"flex-id": "'flexible'", "ip-address": "198.18.0.22"},
    {"hw-address": M_HW, "ip-address": "198.18.0.31"},
    {"client-id": CID_HW, "ip-address": "198.18.0.32"},
    {"hw-address": M_NAME, "hostname": "Mixed-Case-Host"},
]
RELAYED_HOSTS = [{"circuit-id": "'port-7'", "ip-address": "198.19.1.77"}]

ids_s = [
    scn("duid-dora", dora(client_id="ff00000001" + DUID)),
    scn("duid-bytes-in-plain-client-id", discover(client_id="01" + DUID)),
    scn("duid-without-iaid-room", discover(client_id="ff000000")),
    scn("hw-and-client-id-both-reserved", dora(client_id=CID_HW), mac=M_HW),
    scn("client-id-only-other-mac", discover(client_id=CID_HW)),
    scn("hostname-reservation-no-prl", discover(no_prl=True), mac=M_NAME),
    scn("hostname-reservation-dora", dora(), mac=M_NAME),
    scn("circuit-id-dora", discover(giaddr="198.19.1.1", relay_info=OPT82_P7),
        request(giaddr="198.19.1.1", relay_info=OPT82_P7, server_id=SERVER, requested=offered(1))),
    scn("circuit-id-other-port", discover(giaddr="198.19.1.1", relay_info="0106706f72742d38")),
]

ID_SUBNETS = [subnet(reservations=HOSTS),
              subnet(11, "198.19.1.0/24", "198.19.1.100 - 198.19.1.150", [{"name": "routers", "data": "198.19.1.1"}],
                     reservations=RELAYED_HOSTS)]

M_A, M_B = "02:dd:00:00:00:01", "02:dd:00:00:00:02"
SHARED_IP = [{"hw-address": M_A, "ip-address": "198.18.0.40"}, {"hw-address": M_B, "ip-address": "198.18.0.40"}]
# Both hosts reserve .40: the first to ask gets it; the second, asking after the first's
# ACK, falls back to a dynamic address; a stranger is refused it.
unique_s = [
    scn("shared-address", dora(chaddr=M_A.replace(":", "")),
        discover(chaddr=M_B.replace(":", "")),
        request(chaddr=M_B.replace(":", ""), server_id=SERVER, requested=offered(3)),
        discover(requested="198.18.0.40"),
        request(server_id=SERVER, requested="198.18.0.40")),
]

GROUPS = [
    {"id": "shared-network", "config": {"shared-networks": [NETWORK]}, "scenarios": shared_s},
    {"id": "host-ids", "config": {"subnet4": ID_SUBNETS}, "scenarios": ids_s},
    {"id": "host-ids-client-id-first",
     "config": {"host-reservation-identifiers": ["client-id", "duid", "hw-address"], "subnet4": ID_SUBNETS},
     "scenarios": [s for s in ids_s if s["id"] in ("hw-and-client-id-both-reserved", "duid-dora")]},
    {"id": "ip-reservations-not-unique",
     "config": {"ip-reservations-unique": False, "subnet4": [subnet(reservations=SHARED_IP)]},
     "scenarios": unique_s},
]
