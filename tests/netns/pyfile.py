#!/usr/bin/python3
# Ouroboros - a file across a flow with pyOuroboros, the seed's example
# QoS: QoSSpec(loss=0, cypher_s=256), "a new flow with FRCP
# retransmission enabled and encrypted". Run by python_frct.sh.
#
#   pyfile.py recv OUT          accept one flow, write what comes to OUT,
#                               answer with its SHA-256, print RECV
#   pyfile.py send NAME FILE    send FILE to NAME, print SENT and the
#                               receiver's answer

import hashlib
import sys

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


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3])
    else:
        recv(sys.argv[2])
