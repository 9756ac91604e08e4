#!/usr/bin/python3
# pyOuroboros example: an asyncio echo server and client. 3-clause BSD.
#
# One event loop serves every flow (no thread per flow); the client runs
# many concurrent flows as asyncio tasks.
#
#   irm n r oecho-async l local
#   irm b prog ./oecho_async.py n oecho-async
#   ./oecho_async.py -l &
#   ./oecho_async.py -c 20 -m 10

import argparse
import asyncio
import sys

from ouroboros import aio

NAME = "oecho-async"


async def echo(f):
    with f:
        while True:
            try:
                line = await aio.readline(f)
            except aio.FlowDownError:
                return
            await aio.writeline(f, line)


async def server(name):
    print("Serving %s." % name, flush=True)
    tasks = set()
    while True:
        f = await aio.accept()
        t = asyncio.create_task(echo(f))
        tasks.add(t)
        t.add_done_callback(tasks.discard)


async def one(name, i, n_msgs):
    f = await aio.alloc(name, timeo=10)
    with f:
        for j in range(n_msgs):
            msg = "async client %d line %d ✓" % (i, j)
            await aio.writeline(f, msg)
            got = await asyncio.wait_for(aio.readline(f), 10)
            if got != msg:
                raise RuntimeError("%r != %r" % (got, msg))


async def client(name, n_clients, n_msgs):
    res = await asyncio.gather(*(one(name, i, n_msgs)
                                 for i in range(n_clients)),
                               return_exceptions=True)
    bad = [r for r in res if isinstance(r, BaseException)]
    for b in bad:
        print(repr(b), file=sys.stderr)
    print("%d async clients x %d lines: %d failed"
          % (n_clients, n_msgs, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="asyncio echo server / client")
    p.add_argument("-l", "--listen", action="store_true", help="server")
    p.add_argument("-n", "--name", default=NAME)
    p.add_argument("-c", "--clients", type=int, default=10)
    p.add_argument("-m", "--messages", type=int, default=10)
    a = p.parse_args()
    if a.listen:
        asyncio.run(server(a.name))
    else:
        sys.exit(asyncio.run(client(a.name, a.clients, a.messages)))
