"""Client identification: reservations (hw-address, client-id; in and out of the pool), client
identifier present/absent/changed, match-client-id false, echo-client-id, parameter request
list variations."""
from _dsl import *

M_OUT = "02:aa:00:00:00:01"    # reserved 198.18.0.20 (out of pool)
M_IN = "02:aa:00:00:00:02"     # reserved 198.18.0.120 (in pool)
M_CID = "02:aa:00:00:00:03"    # reserved by client-id 01:02:aa:00:00:00:03 -> 198.18.0.30
M_HOST = "02:aa:00:00:00:04"   # reservation without address: hostname, options, boot fields
M_TAKEN = "02:aa:00:00:00:05"  # reserved 198.18.0.130, which another client leases first
CID = "0102aa00000003"

RESERVATIONS = [
    {"hw-address": M_OUT, "ip-address": "198.18.0.20"},
    {"hw-address": M_IN, "ip-address": "198.18.0.120"},
    {"client-id": "01:02:aa:00:00:00:03", "ip-address": "198.18.0.30"},
    {"hw-address": M_HOST, "hostname": "reserved-host", "next-server": "198.18.0.5",
     "server-hostname": "boot-srv", "boot-file-name": "/pxe/boot.img",
     "option-data": [{"name": "domain-name-servers", "data": "198.18.0.54"}]},
    {"hw-address": M_TAKEN, "ip-address": "198.18.0.130"},
]

res_s = [
    scn("hw-out-of-pool", dora(), renewing(2), mac=M_OUT),
    scn("hw-in-pool", dora(), renewing(2), mac=M_IN),
    scn("hw-out-of-pool-init-reboot", init_reboot("198.18.0.20"), mac=M_OUT),
    scn("hw-in-pool-init-reboot", init_reboot("198.18.0.120"), mac=M_IN),
    scn("hw-requests-other-address", discover(requested="198.18.0.170"), request(server_id=SERVER, requested="198.18.0.170"),
        mac=M_OUT),
    scn("hw-init-reboot-other-address", init_reboot("198.18.0.171"), mac=M_IN),
    scn("hw-renew-other-address", request(ciaddr="198.18.0.172", via="unicast"), mac=M_OUT),
    scn("cid-dora", dora(client_id=CID), renewing(2, client_id=CID), mac=M_CID),
    scn("cid-without-client-id", dora(), mac=M_CID),
    scn("cid-other-mac-same-cid", dora(client_id=CID), mac="02:aa:00:00:00:33"),
    scn("host-no-address", dora(prl=[1, 3, 6, 12, 15]), mac=M_HOST),
    scn("host-no-address-inform", inform(ciaddr="198.18.0.60", via="unicast", prl=[1, 3, 6, 12]), mac=M_HOST),
    scn("other-client-requests-reserved-out", discover(), request(server_id=SERVER, requested="198.18.0.20")),
    scn("other-client-requests-reserved-in", discover(), request(server_id=SERVER, requested="198.18.0.120")),
    scn("other-client-init-reboot-reserved", init_reboot("198.18.0.120", client=1)),
    scn("other-client-discover-requested-reserved", discover(requested="198.18.0.120", client=2)),
    scn("reserved-address-leased-to-other", request(server_id=SERVER, requested="198.18.0.130", client=3),
        discover(chaddr=M_TAKEN.replace(":", "")),
        request(chaddr=M_TAKEN.replace(":", ""), server_id=SERVER, requested="$2.yiaddr")),
]

cid_s = [
    scn("cid-dora-renew-without-cid", dora(client_id="auto"), renewing(2)),
    scn("cid-none-then-cid", dora(), renewing(2, client_id="auto")),
    scn("cid-changed", dora(client_id="01aabbcc"), discover(client_id="01ddeeff")),
    scn("cid-changed-renew", dora(client_id="01aabbcc"), renewing(2, client_id="01ddeeff")),
    scn("cid-same-cid-other-mac", dora(client_id="ff00112233"), discover(client=1, client_id="ff00112233")),
    scn("cid-same-cid-other-mac-renew", dora(client_id="ff00112244"), renewing(2, client=1, client_id="ff00112244")),
    scn("cid-one-byte", dora(client_id="01")),
    scn("cid-empty", discover(options=[[61, ""]])),
    scn("cid-long", dora(client_id="ff" + "ab" * 60)),
    scn("no-chaddr-cid-only", discover(chaddr="", hlen=0, client_id="0199887766")),
    scn("no-chaddr-no-cid", discover(chaddr="", hlen=0)),
    scn("htype-6", dora(htype=6)),
    scn("hlen-16", discover(hlen=16, chaddr="02aa0000000600000000000000000001")),
    scn("hlen-17", discover(hlen=17)),
]

prl_s = [
    scn("prl-absent", dora(no_prl=True)),
    scn("prl-empty", dora(prl=[])),
    scn("prl-subnet-mask-only", dora(prl=[1])),
    scn("prl-routers-only", dora(prl=[3])),
    scn("prl-unknown-codes", dora(prl=[200, 201, 3])),
    scn("prl-duplicates", dora(prl=[3, 3, 6, 6])),
    scn("prl-all-configured", dora(prl=[1, 2, 3, 6, 12, 15, 28, 42, 119])),
    scn("prl-reversed", dora(prl=[59, 58, 54, 51, 15, 6, 3, 1])),
    scn("prl-asks-lease-time-only", dora(prl=[51])),
    scn("prl-with-server-id-only", dora(prl=[54])),
    scn("prl-with-pad-and-end", dora(prl=[0, 3, 255])),
    scn("prl-twice", discover(options=[[55, [3]], [55, [6]]])),
]

GROUPS = [
    {"id": "reservations", "config": {"subnet4": [subnet(reservations=RESERVATIONS)]}, "scenarios": res_s},
    {"id": "reservations-auth", "config": {"authoritative": True, "subnet4": [subnet(reservations=RESERVATIONS)]},
     "scenarios": [s for s in res_s if s["id"] in ("hw-init-reboot-other-address", "other-client-init-reboot-reserved",
                                                   "hw-out-of-pool-init-reboot", "hw-renew-other-address")]},
    {"id": "reservations-out-of-pool", "config": {"subnet4": [subnet(reservations=RESERVATIONS,
                                                                    reservations_out_of_pool=True)]},
     "scenarios": res_s},
    {"id": "client-id", "scenarios": cid_s},
    {"id": "client-id-no-match", "config": {"match-client-id": False}, "scenarios": cid_s},
    {"id": "client-id-no-echo", "config": {"echo-client-id": False},
     "scenarios": [scn("echo-off", dora(client_id="auto")), scn("echo-off-nak", init_reboot("198.18.1.1", client_id="auto")),
                   scn("echo-off-inform", inform(ciaddr="198.18.0.40", via="unicast", client_id="auto"))]},
    {"id": "prl",
     "config": {"option-data": [{"name": "domain-name", "data": "example.test"},
                                {"name": "ntp-servers", "data": "198.18.0.123"},
                                {"name": "time-offset", "data": "3600"},
                                {"name": "broadcast-address", "data": "198.18.0.255"},
                                {"name": "domain-search", "data": "example.test, test"},
                                {"name": "host-name", "data": "configured-name"}]},
     "scenarios": prl_s},
]
