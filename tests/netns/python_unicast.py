"""pyOuroboros sets up a unicast layer: run inside one host (namespace)
by tests/netns/python_unicast.sh, one step per call, with the host's
IRMd (OUROBOROS_RUNDIR).

  boot NAME LAYER LOWER...        bootstrap NAME (type unicast, every
                                  unicast option given), bind it to its
                                  name and the layer's, register its
                                  name in the lower layers
  enroll NAME LAYER DST LOWER...  register NAME's name in the lower
                                  layers, enroll it through DST, bind it
  connect NAME DST                dt and mgmt adjacencies to DST
  routes NAME N                   until NAME's stat holds N routes (30 s)
  stat NAME                       its address, neighbours, routes
"""

import sys
import time

from ouroboros import irm

OPTS = dict(addr=4, eid=8, ttl=30, routing="lfa", congestion="mb-ecn",
            hash="SHA3_256", dht_alpha=3, dht_k=4, dht_t_expire=3600,
            dht_t_refresh=300, dht_t_replicate=300, ls_t_recalc=4,
            ls_t_update=15, ls_t_timeo=60)


def ipcp(name):
    for i in irm.list_ipcps():
        if i.name == name:
            return i
    raise SystemExit("no IPCP %s" % name)


def bind(name, layer):
    pid = ipcp(name).pid
    irm.bind_process(pid, name)
    irm.bind_process(pid, layer)


def table(name, prefix):
    return {k[len(prefix):]: v for k, v in irm.ipcp_stat(name)
            if k.startswith(prefix) and k[len(prefix):].isdigit()}


def main(argv):
    op, name = argv[0], argv[1]
    if op == "boot":
        layer, lower = argv[2], argv[3:]
        for lo in lower:
            irm.register_name(name, layer=lo)
        irm.bootstrap_ipcp(name, layer, type="unicast", **OPTS)
        bind(name, layer)
        i = ipcp(name)
        assert i.layer == layer and i.state == irm.IPCPState.OPERATIONAL, i
    elif op == "enroll":
        layer, dst, lower = argv[2], argv[3], argv[4:]
        for lo in lower:
            irm.register_name(name, layer=lo)
        irm.enroll_ipcp(name, dst, type="unicast")
        bind(name, layer)
        i = ipcp(name)
        assert i.layer == layer, "enrolled in %r, not %r" % (i.layer, layer)
    elif op == "connect":
        irm.connect_ipcp(name, argv[2], "dt", qos="raw")
        irm.connect_ipcp(name, argv[2], "mgmt")
    elif op == "routes":
        end = time.monotonic() + 30
        while len(table(name, "route.")) < int(argv[2]):
            if time.monotonic() > end:
                raise SystemExit("%s: routes %s" %
                                 (name, table(name, "route.")))
            time.sleep(0.2)
    elif op == "stat":
        st = dict(irm.ipcp_stat(name))
        print("%s: address %d, neighbours %s, routes %s" % (
            name, st["address"], sorted(table(name, "nbr.dt.")),
            table(name, "route.")))
    else:
        raise SystemExit("unknown step " + op)


if __name__ == "__main__":
    main(sys.argv[1:])
