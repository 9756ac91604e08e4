#!/usr/bin/python3
# pyOuroboros example: a chat over a broadcast layer. 3-clause BSD.
#
# Every line typed goes, prefixed with the nick, to everyone else joined
# to the layer (on this host and on every other member of the layer);
# every line they type is printed here. Ends on end of input or Ctrl-C.
#
#   irm ipcp bootstrap type broadcast name bc layer chat
#   ./bcchat.py chat alice          # in one terminal
#   ./bcchat.py chat bob            # in another (or on another member)
#
# A thread prints what arrives; the main thread reads stdin (in slices,
# so that it leaves at once when the layer goes away).

import argparse
import getpass
import os
import select
import sys
import threading

from ouroboros.dev import flow_join
from ouroboros.errors import (FlowDownError, FlowTimeoutError,
                              MessageTooLongError, OuroborosError)


def receive(f, done, lost):
    """Print every message until done; a lost layer sets lost."""
    f.set_rcv_timeout(0.2)          # to see done in time
    while not done.is_set():
        try:
            msg = f.read()
        except FlowTimeoutError:
            continue
        except OuroborosError:      # down: its IPCP went away
            lost.set()
            return
        print(msg.decode("utf-8", errors="replace"), flush=True)


def lines(fd, lost):
    """The lines of fd, without their newline, until its end or lost
    (waiting in slices, so that a lost layer is seen at once)."""
    buf = b""
    while not lost.is_set():
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        data = os.read(fd, 4096)
        if not data:
            break
        *full, buf = (buf + data).split(b"\n")
        for line in full:
            yield line.decode("utf-8", errors="replace")
    if buf and not lost.is_set():
        yield buf.decode("utf-8", errors="replace")


def chat(layer, nick):
    try:
        f = flow_join(layer, timeo=5)
    except OuroborosError as e:
        print("bcchat: %s" % e, file=sys.stderr)
        return 1

    done = threading.Event()
    lost = threading.Event()
    t = threading.Thread(target=receive, args=(f, done, lost), daemon=True)
    t.start()
    try:
        print("* %s joined %s; end of input or Ctrl-C leaves" % (nick,
              layer), file=sys.stderr, flush=True)
        for line in lines(sys.stdin.fileno(), lost):
            try:
                f.writeline("%s: %s" % (nick, line))
            except MessageTooLongError:
                print("bcchat: line too long for %s, not sent" % layer,
                      file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    except FlowDownError:
        lost.set()
    done.set()
    t.join()
    f.dealloc()
    if lost.is_set():
        print("bcchat: %s went away" % layer, file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description="Chat over a broadcast layer.")
    p.add_argument("layer", help="the broadcast layer to join")
    p.add_argument("nick", nargs="?", help="your name in the chat "
                   "(default: your user name)")
    args = p.parse_args()
    nick = args.nick or getpass.getuser() or "pid%d" % os.getpid()
    sys.exit(chat(args.layer, nick))


if __name__ == "__main__":
    main()
