"""The run_script hook (libdhcp_run_script.so, built into tandemd): the operator's script is
called on lease events with the hook point as its argument and Kea's environment variables.
Kea runs the real library; both servers call difftest's recording script, and the calls
(argv and the whole environment, in order) are compared per scenario (see EVENT SCRIPTS in
difftest.py)."""
from _dsl import *

RUN_SCRIPT_LIB = "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_run_script.so"
HOOK = [{"library": RUN_SCRIPT_LIB, "parameters": {"name": "$EVENT_SCRIPT", "sync": False}}]

G1 = "198.19.1.1"
OPT82 = "0105706f727431" + "0206aabbccddeeff"   # circuit-id "port1", remote-id
RELAY_SUBNET = subnet(11, "198.19.1.0/24", "198.19.1.100 - 198.19.1.150",
                      [{"name": "routers", "data": "198.19.1.1"}])


def rdora(**kw):
    return [discover(giaddr=G1, **kw), request(giaddr=G1, server_id=SERVER, requested=offered(1), **kw)]


def hostname(text):
    return [[12, text.encode().hex()]]


events_s = [
    scn("discover-only", discover()),
    scn("dora", dora()),
    scn("dora-client-id-hostname", dora(client_id="auto", options=hostname("pc1"))),
    scn("renew", dora(), renewing(2)),
    scn("rebind", dora(), rebinding(2)),
    scn("init-reboot-own", dora(), init_reboot(offered(2))),
    scn("init-reboot-moved", dora(), init_reboot("198.18.0.250")),
    scn("release", dora(), release(ciaddr=offered(2), server_id=SERVER)),
    scn("decline", dora(), decline(requested=offered(2), server_id=SERVER)),
    scn("relayed-option82", rdora(relay_info=OPT82)),
    scn("relayed-renew", rdora(), request(giaddr=G1, ciaddr=offered(2))),
    scn("inform", inform(ciaddr="198.18.0.20")),
    scn("request-other-server", discover(), request(server_id="198.18.0.77", requested=offered(1))),
    scn("move-address", dora(), request(server_id=SERVER, requested="198.18.0.190")),
    scn("relayed-init-reboot-unknown-not-authoritative", init_reboot("198.19.2.120", giaddr="198.19.2.1")),
]

# Expiry and recovery: short lifetimes, the reclaim timer every second, and a last step after
# both have passed (so that the server still runs when they happen).
expiry_s = [
    scn("expire", dora(), inform(ciaddr="198.18.0.21"), inform(ciaddr="198.18.0.21", sleep=6)),
    scn("decline-recover", dora(), decline(requested=offered(2), server_id=SERVER)),
    scn("renew-after-expiry", dora(), inform(ciaddr="198.18.0.22"), renewing(2, sleep=6)),
]

GROUPS = [
    {"id": "run-script", "events": True, "reply_timeout": 20,
     "config": {"hooks-libraries": HOOK, "authoritative": True,
                "subnet4": [subnet(), RELAY_SUBNET,
                            subnet(12, "198.19.2.0/24", "198.19.2.100 - 198.19.2.150",
                                   [{"name": "routers", "data": "198.19.2.1"}], authoritative=False)]},
     "scenarios": events_s},
    {"id": "run-script-expiry", "events": True, "reply_timeout": 20,
     "config": {"hooks-libraries": HOOK, "valid-lifetime": 2, "min-valid-lifetime": 1, "max-valid-lifetime": 2,
                "renew-timer": None, "rebind-timer": None, "decline-probation-period": 2,
                "expired-leases-processing": {"reclaim-timer-wait-time": 1, "hold-reclaimed-time": 3600}},
     "scenarios": expiry_s},
]
