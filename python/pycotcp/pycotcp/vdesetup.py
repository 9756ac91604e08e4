"""pyco-vde-setup: start, stop and list VDE switches for pycotcp stacks."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from pycotcp import switch


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyco-vde-setup", allow_abbrev=False,
        description="Manage VDE switches for Internet-of-Threads stacks.")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    s = sub.add_parser("start", help="start a switch",
                       description="Start a vde_switch at CTL, which must not "
                       "exist (nor CTL.pid, CTL.mgmt): the switch creates "
                       "it.  As root, a "
                       "tap device carrying ADDR/BITS is added (in NETNS if "
                       "given) so kernel programs reach the stacks; "
                       "--no-tap starts a switch only.")
    s.add_argument("args", nargs="+", metavar="ADDR/BITS CTL",
                   help="tap address and switch control directory "
                   "(just CTL with --no-tap)")
    s.add_argument("--no-tap", action="store_true",
                   help="no tap device: stacks talk only among themselves")
    s.add_argument("--netns", metavar="NS",
                   help="network namespace of the switch and its tap")
    s.add_argument("--tap", default="pyco0", metavar="NAME",
                   help="tap device name (default pyco0)")
    s.add_argument("--hub", action="store_true",
                   help="act as a hub instead of a learning switch")
    s.add_argument("--jumbo", action="store_true",
                   help="carry jumbo frames (vdeplug4's switch instead of "
                   "vde_switch, which cuts frames at 1518 bytes; the tap "
                   "gets MTU %d)" % switch.JUMBO_MTU)
    t = sub.add_parser("stop", help="stop a switch started by start and "
                       "remove its files (only them)",
                       description="Stop the switch that start made at CTL "
                       "and remove the files it made.  Any other path (one "
                       "without this tool's record, or whose directory was "
                       "replaced) is refused and left untouched.")
    t.add_argument("ctl", metavar="CTL")
    sub.add_parser("status", help="list the switches started")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Entry point of pyco-vde-setup."""
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "start":
            if args.no_tap:
                if len(args.args) not in (1, 2):
                    raise switch.SwitchError("usage: start [ADDR/BITS] CTL "
                                             "--no-tap")
                rec = switch.start(args.args[-1], None, tap=False,
                                   hub=args.hub, jumbo=args.jumbo)
            else:
                if len(args.args) != 2:
                    raise switch.SwitchError("usage: start ADDR/BITS CTL")
                rec = switch.start(args.args[1], args.args[0], tap=True,
                                   tapname=args.tap, netns=args.netns,
                                   hub=args.hub, jumbo=args.jumbo)
            where = " with tap %s %s%s" % (
                rec["tap"], rec["address"],
                " in netns " + rec["netns"] if rec["netns"] else "") \
                if rec["tap"] else ""
            print("%sswitch %s started (pid %d)%s" % (
                "jumbo " if rec["jumbo"] else "", rec["ctl"], rec["pid"],
                where))
        elif args.cmd == "stop":
            rec = switch.stop(args.ctl)
            kept = "; kept %s: not made by the switch" % ", ".join(
                rec["kept"]) if rec["kept"] else ""
            print("switch %s stopped%s" % (rec["ctl"], kept))
        else:
            for rec in switch.status():
                print("%s\tpid %s\t%s%s\ttap %s %s%s" % (
                    rec["ctl"], rec.get("pid"),
                    "running" if rec["running"] else "dead",
                    " jumbo" if rec.get("jumbo") else "",
                    rec.get("tap") or "-", rec.get("address") or "",
                    "\tnetns " + rec["netns"] if rec.get("netns") else ""))
    except (switch.SwitchError, ValueError, OSError) as e:
        print("pyco-vde-setup: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
