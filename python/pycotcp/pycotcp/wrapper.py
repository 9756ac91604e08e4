"""pyco-wrapper: run an unmodified Python program inside its own stack.

The program's ``import socket`` gets pycotcp.socket, whose AF_INET/AF_INET6
sockets live in a stack plugged into a VDE switch with the given addresses.
Our options may come before or after the program and its arguments; put
program arguments that collide with ours after ``--``.
"""
from __future__ import annotations

import argparse
import os
import runpy
import signal
import sys
import traceback
from typing import List, Optional

USAGE = ("pyco-wrapper (SCRIPT | -m MODULE | -e CODE) [ARGS...] -a ADDR[/BITS] "
         "-f SWITCH [-d DEV] [-l BACKEND] [-c] [-g GATEWAY] [-6 ADDR6[/BITS]] "
         "[-- ARGS...]")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyco-wrapper", usage=USAGE, allow_abbrev=False,
        description="Run a Python script or module with its own TCP/IP "
        "stack and IP addresses on a VDE switch.  Everything that is not an "
        "option below is passed to the program; arguments after '--' are "
        "passed verbatim.",
        epilog="Example: pyco-wrapper -m http.server 8000 -a 10.40.0.1/24 "
        "-f /tmp/sw.ctl -c")
    p.add_argument("-m", dest="module", metavar="MODULE",
                   help="run a library module as a script (like python -m)")
    p.add_argument("-e", "--exec", dest="code", metavar="CODE",
                   help="run Python code given as a string (like python -c)")
    p.add_argument("-a", "--address", metavar="ADDR[/BITS]",
                   help="IPv4 (or IPv6) address of the stack; /24 (/64) if "
                   "no prefix is given")
    p.add_argument("-n", "--netmask", metavar="MASK",
                   help="netmask for -a, e.g. 255.255.255.0 (instead of "
                   "/BITS)")
    p.add_argument("-6", "--address6", action="append", default=[],
                   metavar="ADDR6[/BITS]",
                   help="an IPv6 address (repeatable; /64 by default)")
    p.add_argument("-d", "--device", default="vde0", metavar="DEV",
                   help="interface name (default vde0)")
    p.add_argument("-f", "--file", required=True, metavar="SWITCH",
                   help="VDE switch control directory, or a libvdeplug URL "
                   "(vde://, ptp://, vxvde://, tap://, slirp://...)")
    p.add_argument("-l", "--library", default="lwip", metavar="BACKEND",
                   help="stack back-end: lwip (default), vdestack, lwipv6; "
                   "picotcp and fdpicotcp are accepted and mapped to lwip")
    p.add_argument("-c", "--create", action="store_true",
                   help="create the switch (without tap) if no switch runs "
                   "at SWITCH, which must then not exist; it is stopped "
                   "and its files removed when the program ends")
    p.add_argument("-g", "--gateway", metavar="GATEWAY",
                   help="default gateway (IPv4 or IPv6)")
    p.add_argument("--mac", metavar="MAC", help="MAC address of the "
                   "interface (default: random, locally administered)")
    p.add_argument("--mtu", type=int, metavar="MTU",
                   help="interface MTU, 68..9216 (default 1500); above 1500 "
                   "the switch must carry jumbo frames (pyco-vde-setup "
                   "--jumbo, or vdeplug4's switch://; not vde_switch), "
                   "and -c creates such a switch")
    p.add_argument("--autoconf", action="store_true",
                   help="IPv6 stateless autoconfiguration (SLAAC)")
    p.add_argument("--hosts", metavar="FILE",
                   help="extra hosts file for name resolution "
                   "(sets PYCO_HOSTS)")
    return p


def _split(argv: List[str]):
    """Our options, then the program's argv."""
    if "--" in argv:
        i = argv.index("--")
        argv, tail = argv[:i], argv[i + 1:]
    else:
        tail = []
    args, rest = _parser().parse_known_args(argv)
    return args, rest + tail


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of pyco-wrapper."""
    args, prog = _split(sys.argv[1:] if argv is None else argv)
    if args.module is None and args.code is None and not prog:
        print("pyco-wrapper: no script or module to run\nusage: " + USAGE,
              file=sys.stderr)
        return 2
    if args.address is None and not args.address6 and not args.autoconf:
        print("pyco-wrapper: give an address with -a or -6 (or --autoconf)",
              file=sys.stderr)
        return 2
    if args.module is None and args.code is None and \
            not os.path.isfile(prog[0]):
        print("pyco-wrapper: no such script: %s" % prog[0], file=sys.stderr)
        return 2
    if args.hosts:
        os.environ["PYCO_HOSTS"] = os.path.abspath(args.hosts)

    from pycotcp import adapters, switch
    from pycotcp.pycotcp import DeviceInfo, Pyco

    created = None
    pyco = None
    signal.signal(signal.SIGTERM, _terminate)
    try:
        try:
            context = adapters.adapter_for(args.library)
            if args.create and "://" not in args.file and \
                    not switch.is_running(args.file):
                jumbo = args.mtu is not None and args.mtu > 1500
                created = switch.start(args.file, jumbo=jumbo)
            pyco = Pyco(context=context)
            dev = DeviceInfo(context=context).with_type("vde") \
                .with_name(args.device).with_path(args.file)
            if args.address:
                dev.with_address(args.address)
            if args.netmask:
                dev.with_netmask(args.netmask)
            for a6 in args.address6:
                dev.with_address6(a6)
            if args.gateway:
                dev.with_gateway(args.gateway)
            if args.mac:
                dev.with_mac(args.mac)
            if args.mtu is not None:
                dev.with_mtu(args.mtu)
            if args.autoconf:
                dev.with_autoconf(True)
            dev.create()
            pyco.start_handler()
        except (OSError, ValueError, switch.SwitchError) as e:
            print("pyco-wrapper: %s" % e, file=sys.stderr)
            return 1
        return _run(args, prog)
    finally:
        if pyco is not None:
            pyco.stop_handler()
        if created is not None:
            try:
                switch.stop(created["ctl"])
            except (switch.SwitchError, OSError) as e:
                print("pyco-wrapper: switch not stopped: %s" % e,
                      file=sys.stderr)


def _run(args, prog: List[str]) -> int:
    import pycotcp.socket as pysocket
    sys.modules["socket"] = pysocket
    try:
        if args.code is not None:
            sys.argv = ["-c"] + prog
            code = compile(args.code, "<string>", "exec")
            exec(code, {"__name__": "__main__", "__builtins__": __builtins__})
        elif args.module:
            sys.argv = [args.module] + prog
            runpy.run_module(args.module, run_name="__main__",
                             alter_sys=True)
        else:
            sys.argv = prog
            sys.path.insert(0, os.path.dirname(os.path.abspath(prog[0])))
            runpy.run_path(prog[0], run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
