"""RFC 2131 section 4.3 answers: SELECTING, INIT-REBOOT, RENEWING, REBINDING, DECLINE, RELEASE,
INFORM, broadcast flag, client identifiers, lease times, PRL, BOOTP and malformed packets.

Addresses of the base subnet 198.18.0.0/24 (pool .100 - .199) used on purpose:
  .50 in the subnet, outside the pool; .0 network; .255 broadcast; .1 the server;
  198.18.1.x and 10.x: not on the network.
Scenarios of a group run interleaved (round k = step k of each), so each scenario that names a
fixed pool address uses its own (.150 and up), away from the allocator's start (.100 up).
"""
from _dsl import *

IN_POOL_FREE = "198.18.0.{}"   # .150 + i: free pool addresses named by one scenario each
OUT_OF_POOL = "198.18.0.50"
FOREIGN = "198.18.1.20"        # on no configured network


def free(i):
    return IN_POOL_FREE.format(150 + i)


def groups_for(auth):
    tag = "auth" if auth else "nonauth"
    cfg = {"authoritative": auth}
    s = []
    # ---- SELECTING (4.3.2, server id present) ----
    s.append(scn("selecting-ok", dora()))
    s.append(scn("selecting-wrong-server-id", discover(), request(server_id="198.18.0.9", requested=offered(1))))
    s.append(scn("selecting-wrong-server-id-then-discover", discover(),
                 request(server_id="198.18.0.9", requested=offered(1)), discover()))
    s.append(scn("selecting-other-address-free", discover(), request(server_id=SERVER, requested=free(0))))
    s.append(scn("selecting-out-of-pool", discover(), request(server_id=SERVER, requested=OUT_OF_POOL)))
    s.append(scn("selecting-foreign", discover(), request(server_id=SERVER, requested=FOREIGN)))
    s.append(scn("selecting-server-address", discover(), request(server_id=SERVER, requested=SERVER)))
    s.append(scn("selecting-network-address", discover(), request(server_id=SERVER, requested="198.18.0.0")))
    s.append(scn("selecting-broadcast-address", discover(), request(server_id=SERVER, requested="198.18.0.255")))
    s.append(scn("selecting-no-option50", discover(), request(server_id=SERVER)))
    s.append(scn("selecting-ciaddr-instead-of-50", discover(), request(server_id=SERVER, ciaddr=offered(1))))
    s.append(scn("selecting-without-discover", request(server_id=SERVER, requested=free(1))))
    s.append(scn("selecting-address-of-other-client", dora(client=1),
                 discover(), request(server_id=SERVER, requested="$2.yiaddr")))
    # ---- INIT-REBOOT (4.3.2: no server id, option 50, ciaddr 0) ----
    s.append(scn("init-reboot-own", dora(), init_reboot(offered(2))))
    s.append(scn("init-reboot-free-not-own", dora(), init_reboot(free(2))))
    s.append(scn("init-reboot-unknown-client-free", init_reboot(free(3))))
    s.append(scn("init-reboot-unknown-client-out-of-pool", init_reboot(OUT_OF_POOL)))
    s.append(scn("init-reboot-unknown-client-foreign", init_reboot(FOREIGN)))
    s.append(scn("init-reboot-known-out-of-pool", dora(), init_reboot(OUT_OF_POOL)))
    s.append(scn("init-reboot-known-foreign", dora(), init_reboot(FOREIGN)))
    s.append(scn("init-reboot-other-clients-address", dora(client=1), init_reboot("$2.yiaddr")))
    s.append(scn("init-reboot-known-other-clients-address", dora(client=1), dora(), init_reboot("$2.yiaddr")))
    s.append(scn("init-reboot-after-release", dora(), release(ciaddr=offered(2), server_id=SERVER),
                 init_reboot(offered(2))))
    s.append(scn("init-reboot-offered-only", discover(), init_reboot(offered(1))))
    s.append(scn("init-reboot-broadcast-flag", dora(), init_reboot(offered(2), broadcast=True)))
    # ---- REQUEST with neither option 50 nor ciaddr, nor server id ----
    s.append(scn("request-bare", request()))
    s.append(scn("request-bare-known", dora(), request()))
    # ---- RENEWING (unicast, ciaddr) / REBINDING (broadcast, ciaddr) ----
    s.append(scn("renewing-own", dora(), renewing(2)))
    s.append(scn("rebinding-own", dora(), rebinding(2)))
    s.append(scn("rebinding-own-broadcast-flag", dora(), rebinding(2, broadcast=True)))
    s.append(scn("renewing-unknown-free", request(ciaddr=free(4), via="unicast")))
    s.append(scn("rebinding-unknown-free", request(ciaddr=free(5))))
    s.append(scn("renewing-other-clients-address", dora(client=1), renewing(2)))
    s.append(scn("rebinding-other-clients-address", dora(client=1), rebinding(2)))
    s.append(scn("renewing-out-of-pool", request(ciaddr=OUT_OF_POOL, via="unicast")))
    s.append(scn("rebinding-out-of-pool", request(ciaddr=OUT_OF_POOL)))
    s.append(scn("rebinding-foreign", request(ciaddr=FOREIGN)))
    s.append(scn("renewing-foreign", request(ciaddr=FOREIGN, via="unicast")))
    s.append(scn("renewing-with-option50", dora(), renewing(2, requested=offered(2))))
    s.append(scn("renewing-with-server-id", dora(), renewing(2, server_id=SERVER)))
    s.append(scn("renewing-after-release", dora(), release(ciaddr=offered(2), server_id=SERVER), renewing(2)))
    s.append(scn("request-ciaddr-broadcast-address", request(ciaddr="255.255.255.255")))
    s.append(scn("request-ciaddr-broadcast-address-with-50", request(ciaddr="255.255.255.255", requested=free(6))))
    s.append(scn("selecting-ciaddr-broadcast-address", discover(),
                 request(server_id=SERVER, requested=offered(1), ciaddr="255.255.255.255")))
    return {"id": f"rfc2131-request-{tag}", "config": cfg, "scenarios": s}


GROUPS = [groups_for(False), groups_for(True)]
