#!/usr/bin/python3
# pyOuroboros example: a clone of the oecho program (the seed's example).
# 3-clause BSD. The client opens a flow to "oecho" and sends a brief
# message; the server echoes it back.
#
#   irm i b t local n local l local
#   irm n r oecho l local
#   irm b prog ./oecho.py n oecho
#   ./oecho.py -l &
#   ./oecho.py

from ouroboros.dev import *
import argparse


def client():
    with flow_alloc("oecho") as f:
        f.writeline("Hello, PyOuroboros!")
        print(f.readline())


def server():
    # flush=True: what a terminal shows at once reaches a pipe or a log
    # at once too (stdout is block-buffered when it is not a terminal)
    print("Starting the server.", flush=True)
    while True:
        with flow_accept() as f:
            print("New flow.", flush=True)
            line = f.readline()
            print("Message from client is " + line, flush=True)
            f.writeline(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description='A simple echo client/server')
    parser.add_argument('-l', '--listen', help='run as a server', action='store_true')
    args = parser.parse_args()
    server() if args.listen is True else client()
