#!/usr/bin/python3
# pyOuroboros example: an echo server for many clients with one FlowSet.
# 3-clause BSD.
#
# The server accepts flows in a helper thread and serves all of them from
# one thread that waits on a FlowSet; every packet is echoed back.
#
#   irm n r oecho-set l local
#   irm b prog ./oecho_set.py n oecho-set
#   ./oecho_set.py -l &
#   ./oecho_set.py -c 50 -m 20        # 50 concurrent clients, 20 lines each

import argparse
import sys
import threading

from ouroboros.dev import *
from ouroboros.event import FEventQueue, FEventType, FlowSet

NAME = "oecho-set"


def server(name):
    fset = FlowSet()
    fq = FEventQueue()

    def acceptor():
        while True:
            f = flow_accept()
            fset.add(f)     # picked up by the next wait

    threading.Thread(target=acceptor, daemon=True).start()
    print("Serving %s." % name, flush=True)
    while True:
        try:
            fset.wait(fq, timeo=0.1)
        except TimeoutError:
            continue
        for f, t in fq:
            if t == FEventType.FlowPkt:
                try:
                    f.write(f.read())
                except FlowDownError:
                    f.dealloc()      # also leaves the set
            elif t & (FEventType.FlowDealloc | FEventType.FlowDown
                      | FEventType.FlowPeer):
                f.dealloc()


def client(name, n_clients, n_msgs):
    errors = []

    def one(i):
        try:
            with flow_alloc(name, timeo=10) as f:
                f.set_rcv_timeout(10)
                for j in range(n_msgs):
                    msg = "client %d line %d ✓" % (i, j)
                    f.writeline(msg)
                    got = f.readline()
                    if got != msg:
                        errors.append("%d: %r != %r" % (i, got, msg))
                        return
        except Exception as e:      # report, do not hide
            errors.append("%d: %r" % (i, e))

    threads = [threading.Thread(target=one, args=(i,))
               for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        print(e, file=sys.stderr)
    print("%d clients x %d lines: %d failed"
          % (n_clients, n_msgs, len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="FlowSet echo server / client")
    p.add_argument("-l", "--listen", action="store_true", help="server")
    p.add_argument("-n", "--name", default=NAME)
    p.add_argument("-c", "--clients", type=int, default=10)
    p.add_argument("-m", "--messages", type=int, default=10)
    a = p.parse_args()
    if a.listen:
        server(a.name)
    else:
        sys.exit(client(a.name, a.clients, a.messages))
