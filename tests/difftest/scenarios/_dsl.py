"""Helpers for difftest scenario files: `from _dsl import *`.

Steps are plain dicts (see the keys in ../difftest.py); these functions only save typing.
"""
import copy

SERVER = "198.18.0.1"   # the server's address in both topologies (its server identifier)
NET = "198.18.0.0/24"    # the base subnet (id 1), pool .100 - .199
POOL = "198.18.0.100 - 198.18.0.199"
DEFAULT_SUBNET_OPTIONS = [{"name": "routers", "data": "198.18.0.1"},
                          {"name": "domain-name-servers", "data": "198.18.0.53"}]


def discover(**kw):
    return {"type": "DISCOVER", **kw}


def request(**kw):
    return {"type": "REQUEST", **kw}


def decline(**kw):
    return {"type": "DECLINE", **kw}


def release(**kw):
    return {"type": "RELEASE", **kw}


def inform(**kw):
    return {"type": "INFORM", **kw}


def bootp(**kw):
    return {"type": None, **kw}


def offered(n=1):
    """The yiaddr of step n's reply."""
    return f"${n}.yiaddr"


def selecting(n=1, **kw):
    """REQUEST in SELECTING state for the address offered in step n (RFC 2131 4.3.2)."""
    return request(server_id=SERVER, requested=offered(n), **kw)


def dora(**kw):
    """DISCOVER + SELECTING REQUEST; kw go to both packets."""
    return [discover(**kw), selecting(1, **kw)]


def renewing(n, **kw):
    """RENEWING (RFC 2131 4.3.2): unicast to the server, ciaddr = the address ACKed in step n."""
    return request(ciaddr=offered(n), via="unicast", **kw)


def rebinding(n, **kw):
    """REBINDING: broadcast, ciaddr = the address ACKed in step n."""
    return request(ciaddr=offered(n), **kw)


def init_reboot(addr, **kw):
    """INIT-REBOOT (RFC 2131 4.3.2): broadcast, option 50, no server id, ciaddr 0."""
    return request(requested=addr, **kw)


def subnet(id=1, net=NET, pool=POOL, options=None, **kw):
    """A subnet4 entry like the base config's, with overrides (Kea key names as kw with _ for -)."""
    s = {"id": id, "subnet": net, "pools": [{"pool": p} for p in ([pool] if isinstance(pool, str) else pool)],
         "option-data": copy.deepcopy(DEFAULT_SUBNET_OPTIONS if options is None else options)}
    for k, v in kw.items():
        s[k.replace("_", "-")] = v
    return s


def scn(id, *steps, **kw):
    """A scenario: scn("dora", discover(), selecting())."""
    flat = []
    for s in steps:
        flat += s if isinstance(s, list) else [s]
    return dict(id=id, steps=flat, **kw)
