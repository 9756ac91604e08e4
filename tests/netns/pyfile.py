#!/usr/bin/python3
# Ouroboros - a file across a flow with pyOuroboros, the seed's example
# QoS: QoSSpec(loss=0, cypher_s=256), "a new flow with FRCP
# retransmission enabled and encrypted". Run by python_frct.sh.
#
#   pyfile.py recv OUT          accept one flow, write what comes to OUT,
#                               answer with its SHA-256, print RECV
#   pyfile.py send NAME FILE    send FILE to NAME, print SENT and the
#                               receiver's answer
#   pyfile.py hold              accept one flow, print ACCEPTED, then
#                               wait (the test stops this process)
#   pyfile.py peer NAME MS      a reliable flow to NAME with a peer
#                               timeout of MS ms; say hello, then read:
#                               print PEER and how long it took when the
#                               read raises FlowPeerError (exit 0), any
#                               other outcome exits 1

import hashlib
import sys
import time

from ouroboros.dev import *

CHUNK = 65536


def send(name, path):
    with open(path, "rb") as fh:
        data = fh.read()
    with flow_alloc(name, QoSSpec(loss=0, cypher_s=256)) as f:
        f.write(len(data).to_bytes(8, "big"))
        for i in range(0, len(data), CHUNK):
            f.write(data[i:i + CHUNK])
        f.set_rcv_timeout(120)
        ack = f.read().decode()
        print("SENT", len(data), hashlib.sha256(data).hexdigest(),
              "ANSWER", ack, flush=True)


def recv(out):
    print("READY", flush=True)
    with flow_accept() as f:
        q = f.get_qos()
        f.set_rcv_timeout(60)
        n = int.from_bytes(f.read(), "big")
        h = hashlib.sha256()
        got = 0
        with open(out, "wb") as o:
            while got < n:
                b = f.read()
                o.write(b)
                h.update(b)
                got += len(b)
        f.write(h.hexdigest().encode())
        print("RECV", got, h.hexdigest(), "loss", q.loss, "cypher_s",
              q.cypher_s, flush=True)
        try:
            f.read()  # until the sender, which has the answer, goes
        except OuroborosError:
            pass


def hold():
    print("READY", flush=True)
    with flow_accept() as f:
        f.set_rcv_timeout(5)
        f.read()
        print("ACCEPTED", flush=True)
        time.sleep(600)


def peer(name, ms):
    with flow_alloc(name, QoSSpec(loss=0, timeout=ms)) as f:
        f.write(b"hello")
        f.set_rcv_timeout(ms / 1000 * 4 + 20)
        t0 = time.monotonic()
        try:
            f.read()
        except FlowPeerError:
            print("PEER after %d ms" % ((time.monotonic() - t0) * 1000),
                  flush=True)
            try:
                f.write(b"more")
            except FlowPeerError:
                print("WRITE FlowPeerError", flush=True)
                return 0
            print("the write after FLOW_PEER succeeded", flush=True)
            return 1
        except OuroborosError as e:
            print("read raised", type(e).__name__, e, flush=True)
            return 1
        print("read returned", flush=True)
        return 1


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "hold":
        hold()
    elif sys.argv[1] == "peer":
        sys.exit(peer(sys.argv[2], int(sys.argv[3])))
    else:
        recv(sys.argv[2])
