"""VDE switch management shared by pyco-vde-setup and pyco-wrapper -c.

A switch is a vde_switch daemon with its control directory CTL, its
management socket CTL.mgmt and its pid in CTL.pid; a JSON record per switch
in the state directory lets ``status`` list and ``stop`` find them.  With a
tap device the switch runs in the chosen network namespace (current one if
none) and the tap gets the address, so kernel programs reach the stacks.

vde_switch cuts frames at 1518 bytes.  A jumbo switch is vdeplug4's
instead (``vde_plug null:// switch://CTL``, or ``tap://NAME`` for the tap),
which carries frames up to 9216 bytes of payload; its tap gets MTU
JUMBO_MTU.  It has no management socket.
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import subprocess
import time
from typing import List, Optional


JUMBO_MTU = 9000


class SwitchError(Exception):
    """A switch could not be started or stopped; the message says why."""


def state_dir() -> str:
    """Where switch records live (created on demand, private to the user)."""
    base = os.environ.get("PYCO_STATE_DIR")
    if not base:
        base = "/run/pycotcp" if os.geteuid() == 0 and os.path.isdir("/run") \
            else os.path.join(os.environ.get("XDG_RUNTIME_DIR")
                              or "/tmp", "pycotcp-%d" % os.getuid())
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base


def _record_path(ctl: str) -> str:
    name = os.path.abspath(ctl).strip("/").replace("/", "_")
    return os.path.join(state_dir(), name + ".json")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def is_running(ctl: str) -> bool:
    """True if a switch answers at ctl (its control socket exists)."""
    return os.path.exists(os.path.join(ctl, "ctl"))


def _run(cmd: List[str], what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SwitchError("%s failed: %s" % (what, (r.stderr or r.stdout
                                                    ).strip()))


def _command(ctl: str, pidfile: str, mgmt: Optional[str], tapname: str,
             tap: bool, hub: bool, jumbo: bool) -> List[str]:
    if jumbo:
        return ["vde_plug", "-d", "-p", pidfile,
                "tap://" + tapname if tap else "null://",
                ("hub://" if hub else "switch://") + ctl]
    cmd = ["vde_switch", "-d", "-s", ctl, "-M", mgmt, "-p", pidfile]
    if hub:
        cmd.append("-x")
    if tap:
        cmd += ["-t", tapname]
    return cmd


def start(ctl: str, address: Optional[str] = None, tap: bool = False,
          tapname: str = "pyco0", netns: Optional[str] = None,
          hub: bool = False, jumbo: bool = False) -> dict:
    """Start a switch at ctl; with tap, give the tap device address; with
    jumbo, a switch (and tap) that carry jumbo frames."""
    ctl = os.path.abspath(ctl)
    prog = "vde_plug" if jumbo else "vde_switch"
    if shutil.which(prog) is None:
        raise SwitchError("%s not found: install the %s package" % (
            prog, "vdeplug" if jumbo else "vde2"))
    if is_running(ctl):
        raise SwitchError("a switch is already running at %s" % ctl)
    parent = os.path.dirname(ctl)
    if not os.path.isdir(parent):
        raise SwitchError("directory %s does not exist" % parent)
    iface = None
    if tap:
        if os.geteuid() != 0:
            raise SwitchError("a tap device needs root; use --no-tap")
        if address is None:
            raise SwitchError("a tap device needs an address ADDR/BITS")
        iface = ipaddress.ip_interface(address)
        if "/" not in address:
            raise SwitchError("give the tap address as ADDR/BITS")
        if netns and not os.path.exists("/run/netns/" + netns):
            raise SwitchError("no network namespace %r" % netns)
    pidfile = ctl + ".pid"
    mgmt = None if jumbo else ctl + ".mgmt"
    cmd = _command(ctl, pidfile, mgmt, tapname, tap, hub, jumbo)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    _run(cmd, prog)
    pid = None
    for _ in range(100):
        try:
            with open(pidfile) as f:
                pid = int(f.read().strip())
            if is_running(ctl):
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    if pid is None or not is_running(ctl):
        if pid is not None:
            _kill(pid)
        raise SwitchError("%s did not start at %s" % (prog, ctl))
    rec = {"ctl": ctl, "pid": pid, "mgmt": mgmt, "pidfile": pidfile,
           "tap": tapname if tap else None, "netns": netns,
           "address": str(iface) if iface else None,
           "jumbo": jumbo}
    try:
        if tap:
            pre = ["ip", "netns", "exec", netns] if netns else []
            if jumbo:
                _run(pre + ["ip", "link", "set", tapname, "mtu",
                            str(JUMBO_MTU)], "ip link set mtu")
            _run(pre + ["ip", "addr", "add", str(iface), "dev", tapname],
                 "ip addr add")
            _run(pre + ["ip", "link", "set", tapname, "up"], "ip link set")
    except SwitchError:
        _kill(pid)
        _cleanup(rec)
        raise
    with open(_record_path(ctl), "w") as f:
        json.dump(rec, f)
    return rec


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        if not _alive(pid):
            return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _cleanup(rec: dict) -> None:
    for p in (rec.get("mgmt"), rec.get("pidfile")):
        if p:
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
    ctl = rec.get("ctl")
    if ctl and os.path.isdir(ctl):
        shutil.rmtree(ctl, ignore_errors=True)


def _find_pid(ctl: str) -> Optional[int]:
    """pid of the vde_switch serving ctl, from its pid file or /proc."""
    try:
        with open(ctl + ".pid") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        pass
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        c = os.fsencode(ctl)
        prog = os.path.basename(argv[0]) if argv else b""
        if (prog == b"vde_switch" and c in argv) or \
                (prog == b"vde_plug" and (b"switch://" + c in argv or
                                          b"hub://" + c in argv)):
            return int(d)
    return None


def stop(ctl: str) -> dict:
    """Stop the switch at ctl and remove its files."""
    ctl = os.path.abspath(ctl)
    path = _record_path(ctl)
    try:
        with open(path) as f:
            rec = json.load(f)
    except (OSError, ValueError):
        rec = {"ctl": ctl, "mgmt": ctl + ".mgmt", "pidfile": ctl + ".pid",
               "pid": _find_pid(ctl)}
        if rec["pid"] is None and not os.path.exists(ctl):
            raise SwitchError("no switch at %s" % ctl)
    if rec.get("pid"):
        _kill(rec["pid"])
    _cleanup(rec)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    return rec


def status() -> List[dict]:
    """Records of the switches started, each with 'running'."""
    out = []
    d = state_dir()
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(d, name)) as f:
                rec = json.load(f)
        except (OSError, ValueError):
            continue
        rec["running"] = bool(rec.get("pid")) and _alive(rec["pid"])
        out.append(rec)
    return out
