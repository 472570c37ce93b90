"""DISCOVER choices, DECLINE (4.3.3), RELEASE (4.3.4), INFORM (4.3.5), broadcast flag, lease
times (option 51 against min/max), T1/T2, pools at a network address."""
from _dsl import *

FREE = "198.18.0.{}"


def free(i):
    return FREE.format(160 + i)


discover_s = [
    scn("discover-plain", discover()),
    scn("discover-twice", discover(), discover()),
    scn("discover-requested-free", discover(requested=free(0))),
    scn("discover-requested-out-of-pool", discover(requested="198.18.0.50")),
    scn("discover-requested-foreign", discover(requested="198.18.1.7")),
    scn("discover-requested-network", discover(requested="198.18.0.0")),
    scn("discover-requested-others", dora(client=1), discover(requested="$2.yiaddr")),
    scn("discover-after-ack", dora(), discover()),
    scn("discover-after-ack-requesting-other", dora(), discover(requested=free(1))),
    scn("discover-broadcast-flag", discover(broadcast=True), selecting(1, broadcast=True)),
    scn("discover-with-ciaddr", discover(ciaddr="198.18.0.77")),
    scn("discover-with-server-id", discover(server_id="198.18.0.9")),
    scn("discover-with-own-server-id", discover(server_id=SERVER)),
    scn("discover-hostname", discover(hostname="host-a", prl=[1, 3, 6, 12]), selecting(1, hostname="host-a", prl=[1, 3, 6, 12])),
    scn("discover-hostname-bad-chars", discover(hostname="h_st a!", prl=[12]), selecting(1, hostname="h_st a!", prl=[12])),
    scn("discover-secs-hops", discover(secs=7, hops=1)),
    scn("dora-then-request-again", dora(), selecting(1)),
]

decline_s = [
    scn("decline-own", dora(), decline(requested=offered(2), server_id=SERVER),
        request(client=1, server_id=SERVER, requested=offered(2)), discover()),
    scn("decline-own-then-renew", dora(), decline(requested=offered(2), server_id=SERVER), renewing(2)),
    scn("decline-no-server-id", dora(), decline(requested=offered(2)), renewing(2)),
    scn("decline-wrong-server-id", dora(), decline(requested=offered(2), server_id="198.18.0.9"), renewing(2)),
    scn("decline-no-option50", dora(), decline(server_id=SERVER), renewing(2)),
    scn("decline-ciaddr-instead", dora(), decline(ciaddr=offered(2), server_id=SERVER), renewing(2)),
    scn("decline-not-own", dora(client=1), decline(requested=offered(2), server_id=SERVER),
        renewing(2, client=1)),
    scn("decline-unknown-address", decline(requested=free(2), server_id=SERVER),
        request(client=1, server_id=SERVER, requested=free(2))),
    scn("decline-offered-only", discover(), decline(requested=offered(1), server_id=SERVER), selecting(1)),
    scn("decline-relayed", dora(), decline(requested=offered(2), server_id=SERVER, giaddr="198.18.0.2"),
        renewing(2)),
]

release_s = [
    scn("release-own", dora(), release(ciaddr=offered(2), server_id=SERVER), renewing(2)),
    scn("release-then-discover", dora(), release(ciaddr=offered(2), server_id=SERVER), discover()),
    scn("release-then-other-client", dora(), release(ciaddr=offered(2), server_id=SERVER),
        request(client=1, server_id=SERVER, requested=offered(2))),
    scn("release-no-server-id", dora(), release(ciaddr=offered(2)), renewing(2)),
    scn("release-wrong-server-id", dora(), release(ciaddr=offered(2), server_id="198.18.0.9"), renewing(2)),
    scn("release-unicast", dora(), release(ciaddr=offered(2), server_id=SERVER, via="unicast"), renewing(2)),
    scn("release-not-own", dora(client=1), release(ciaddr=offered(2), server_id=SERVER), renewing(2, client=1)),
    scn("release-ciaddr-zero-option50", dora(), release(requested=offered(2), server_id=SERVER), renewing(2)),
    scn("release-unknown", release(ciaddr=free(3), server_id=SERVER), request(client=1, server_id=SERVER, requested=free(3))),
    scn("release-twice", dora(), release(ciaddr=offered(2), server_id=SERVER),
        release(ciaddr=offered(2), server_id=SERVER), discover()),
]

inform_s = [
    scn("inform-ciaddr-unicast", inform(ciaddr="198.18.0.40", via="unicast")),
    scn("inform-ciaddr-broadcast", inform(ciaddr="198.18.0.41")),
    scn("inform-ciaddr-broadcast-flag", inform(ciaddr="198.18.0.42", broadcast=True)),
    scn("inform-ciaddr-zero", inform()),
    scn("inform-ciaddr-zero-src-ip", inform(src_ip="198.18.0.43", dst_ip=SERVER)),
    scn("inform-ciaddr-zero-broadcast-flag", inform(broadcast=True)),
    scn("inform-foreign-ciaddr", inform(ciaddr="198.18.1.44", via="unicast")),
    scn("inform-relayed", inform(ciaddr="198.18.0.45", giaddr="198.18.0.2")),
    scn("inform-relayed-ciaddr-zero", inform(giaddr="198.18.0.2")),
    scn("inform-with-lease", dora(), inform(ciaddr=offered(2), via="unicast")),
    scn("inform-lease-time-asked", inform(ciaddr="198.18.0.46", via="unicast", lease_time=100, prl=[1, 3, 6, 51, 58, 59])),
    scn("inform-requested-option50", inform(ciaddr="198.18.0.47", via="unicast", requested="198.18.0.47")),
    scn("inform-server-id", inform(ciaddr="198.18.0.48", via="unicast", server_id=SERVER)),
    scn("inform-wrong-server-id", inform(ciaddr="198.18.0.49", via="unicast", server_id="198.18.0.9")),
    scn("inform-no-prl", inform(ciaddr="198.18.0.51", via="unicast", no_prl=True)),
    scn("inform-client-id", inform(ciaddr="198.18.0.52", via="unicast", client_id="auto")),
    scn("inform-out-of-pool-in-pool", inform(ciaddr=free(4), via="unicast")),
]

GROUPS = [
    {"id": "discover", "scenarios": discover_s},
    {"id": "decline", "scenarios": decline_s},
    {"id": "release", "scenarios": release_s},
    {"id": "inform", "scenarios": inform_s},
    {"id": "compat-ignore-server-id",  # newer Kea's flag: Kea 2.2 refuses the key
     "config": {"compatibility": {"ignore-dhcp-server-identifier": True}},
     "scenarios": [scn("selecting-other-server-id", discover(), request(server_id="198.18.0.9", requested=offered(1)))]},
    {"id": "compat-lenient-option-parsing",
     "config": {"compatibility": {"lenient-option-parsing": True}},
     "scenarios": [scn("dora", dora())]},
    {"id": "lifetime-min-max",
     "config": {"valid-lifetime": 4000, "min-valid-lifetime": 2000, "max-valid-lifetime": 6000},
     "scenarios": [scn(f"lease-time-{t}", discover(lease_time=t), selecting(1, lease_time=t), renewing(2, lease_time=t))
                   for t in (0, 1, 1000, 1999, 2000, 3000, 4000, 6000, 6001, 9000, 0xffffffff)]
                  + [scn("lease-time-short-option", discover(options=[[51, "0102"]])),
                     scn("lease-time-none", discover(), selecting(1))]},
    {"id": "lifetime-plain",
     "config": {"valid-lifetime": 4000},
     "scenarios": [scn(f"lease-time-{t}", discover(lease_time=t), selecting(1, lease_time=t))
                   for t in (0, 100, 4000, 8000, 0xffffffff)]},
    {"id": "tee-times-calculated",
     "config": {"valid-lifetime": 3000, "calculate-tee-times": True, "t1-percent": 0.4, "t2-percent": 0.8,
                "renew-timer": None, "rebind-timer": None},
     "scenarios": [scn("calc", dora()), scn("calc-lease-time", dora(lease_time=1001))]},
    {"id": "tee-times-none",
     "config_full": {"Dhcp4": {"interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
                               "lease-database": {"type": "memfile", "persist": False, "lfc-interval": 0},
                               "valid-lifetime": 3000, "subnet4": [subnet()]}},
     "scenarios": [scn("no-timers", dora()), scn("no-timers-inform", inform(ciaddr="198.18.0.40", via="unicast"))]},
    {"id": "tee-times-t1-only",
     "config": {"valid-lifetime": 3000, "renew-timer": 1000, "rebind-timer": None},
     "scenarios": [scn("t1-only", dora())]},
    {"id": "tee-times-above-lifetime",
     "config": {"valid-lifetime": 3000, "renew-timer": 4000, "rebind-timer": 5000},
     "scenarios": [scn("above", dora())]},
    {"id": "pool-at-network-address",
     "config": {"subnet4": [subnet(net="198.18.0.0/23", pool="198.18.1.0 - 198.18.1.3")]},
     "scenarios": [scn("first-offer", dora()), scn("second", dora()), scn("third", dora()),
                   scn("fourth", dora()), scn("fifth", dora())]},
    {"id": "pool-whole-subnet",
     "config": {"subnet4": [subnet(net="198.18.0.0/24", pool="198.18.0.0/24")]},
     "scenarios": [scn("first-offer", dora()), scn("request-network", discover(), request(server_id=SERVER, requested="198.18.0.0")),
                   scn("request-broadcast", discover(), request(server_id=SERVER, requested="198.18.0.255")),
                   scn("init-reboot-network", init_reboot("198.18.0.0")),
                   scn("discover-requested-broadcast", discover(requested="198.18.0.255"))]},
]
# None in a fragment means "remove this key" (see difftest.merge).
