"""Client identification: reservations (hw-address, client-id; in and out of the pool), client
identifier present/absent/changed, match-client-id false, echo-client-id, parameter request
list variations."""
from _dsl import *

# Each reservation scenario has its own reserved client (MAC 02:aa:00:00:NN:01, NN = its
# number) and its own reserved address, so that the scenarios of a group, which run
# interleaved, never share a client.


def rmac(n, last=1):
    return f"02:aa:00:00:{n:02x}:{last:02x}"


def rcid(n):
    return "01" + rmac(n).replace(":", "")


def res(n, **kw):
    """A reservation for scenario n: hw-address by default, client-id with by="client-id"."""
    by = kw.pop("by", "hw-address")
    r = {"client-id": ":".join(rcid(n)[i:i + 2] for i in range(0, len(rcid(n)), 2))} if by == "client-id" \
        else {"hw-address": rmac(n)}
    r.update(kw)
    return r


RES_SCENARIOS = [
    # (scenario, reservation)
    (scn("hw-out-of-pool", dora(), renewing(2), mac=rmac(1)), res(1, **{"ip-address": "198.18.0.21"})),
    (scn("hw-in-pool", dora(), renewing(2), mac=rmac(2)), res(2, **{"ip-address": "198.18.0.121"})),
    (scn("hw-out-of-pool-init-reboot", init_reboot("198.18.0.22"), mac=rmac(3)), res(3, **{"ip-address": "198.18.0.22"})),
    (scn("hw-in-pool-init-reboot", init_reboot("198.18.0.122"), mac=rmac(4)), res(4, **{"ip-address": "198.18.0.122"})),
    (scn("hw-requests-other-address", discover(requested="198.18.0.170"),
         request(server_id=SERVER, requested="198.18.0.170"), mac=rmac(5)), res(5, **{"ip-address": "198.18.0.23"})),
    (scn("hw-init-reboot-other-address", init_reboot("198.18.0.171"), mac=rmac(6)), res(6, **{"ip-address": "198.18.0.123"})),
    (scn("hw-renew-other-address", request(ciaddr="198.18.0.172", via="unicast"), mac=rmac(7)),
     res(7, **{"ip-address": "198.18.0.24"})),
    (scn("cid-dora", dora(client_id=rcid(8)), renewing(2, client_id=rcid(8)), mac=rmac(8)),
     res(8, by="client-id", **{"ip-address": "198.18.0.30"})),
    (scn("cid-without-client-id", dora(), mac=rmac(9)), res(9, by="client-id", **{"ip-address": "198.18.0.31"})),
    (scn("cid-other-mac-same-cid", dora(client_id=rcid(10)), mac=rmac(10, 0x33)),
     res(10, by="client-id", **{"ip-address": "198.18.0.32"})),
    (scn("host-no-address", dora(prl=[1, 3, 6, 12, 15]), mac=rmac(11)),
     res(11, hostname="reserved-host", **{"next-server": "198.18.0.5", "server-hostname": "boot-srv",
                                          "boot-file-name": "/pxe/boot.img",
                                          "option-data": [{"name": "domain-name-servers", "data": "198.18.0.54"}]})),
    (scn("host-no-address-inform", inform(ciaddr="198.18.0.60", via="unicast", prl=[1, 3, 6, 12]), mac=rmac(12)),
     res(12, hostname="reserved-host", **{"next-server": "198.18.0.5",
                                          "option-data": [{"name": "domain-name-servers", "data": "198.18.0.54"}]})),
    (scn("other-client-requests-reserved-out", discover(), request(server_id=SERVER, requested="198.18.0.25")),
     res(13, **{"ip-address": "198.18.0.25"})),
    (scn("other-client-requests-reserved-in", discover(), request(server_id=SERVER, requested="198.18.0.125")),
     res(14, **{"ip-address": "198.18.0.125"})),
    (scn("other-client-init-reboot-reserved", init_reboot("198.18.0.126")), res(15, **{"ip-address": "198.18.0.126"})),
    (scn("other-client-discover-requested-reserved", discover(requested="198.18.0.127")),
     res(16, **{"ip-address": "198.18.0.127"})),
    (scn("reserved-address-leased-to-other", request(server_id=SERVER, requested="198.18.0.130", client=3),
         discover(chaddr=rmac(17).replace(":", "")),
         request(chaddr=rmac(17).replace(":", ""), server_id=SERVER, requested="$2.yiaddr")),
     res(17, **{"ip-address": "198.18.0.130"})),
    (scn("hw-dora-then-select-other", dora(), request(server_id=SERVER, requested="198.18.0.173"), mac=rmac(18)),
     res(18, **{"ip-address": "198.18.0.26"})),
    (scn("hw-dora-then-init-reboot-other", dora(), init_reboot("198.18.0.174"), mac=rmac(19)),
     res(19, **{"ip-address": "198.18.0.27"})),
    (scn("hw-in-pool-reserved-address-leased", request(server_id=SERVER, requested="198.18.0.131", client=3),
         discover(chaddr=rmac(20).replace(":", ""))), res(20, **{"ip-address": "198.18.0.131"})),
]
res_s = [s for s, _ in RES_SCENARIOS]
RESERVATIONS = [r for _, r in RES_SCENARIOS]
AUTH_ONLY = ("hw-init-reboot-other-address", "other-client-init-reboot-reserved", "hw-out-of-pool-init-reboot",
             "hw-renew-other-address", "hw-in-pool-init-reboot", "hw-dora-then-init-reboot-other")

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
     "scenarios": [s for s in res_s if s["id"] in AUTH_ONLY]},
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
