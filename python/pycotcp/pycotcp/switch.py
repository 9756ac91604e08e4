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

Only what this module created is ever removed: ``start`` refuses a CTL,
CTL.pid or CTL.mgmt that already exists (the switch makes them), and
records the identity (device, inode, mode, owner) of the directory the
switch made;
``stop`` refuses any path without such a record, or whose directory is no
longer that one, kills only a process whose command line is the switch
serving CTL, and removes only sockets in CTL, the directory if it is then
empty, the management socket and the pid file holding the switch's pid.
Nothing is removed recursively and no existing directory is chmod-ed.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import shutil
import signal
import stat
import subprocess
import time
from typing import List, Optional


JUMBO_MTU = 9000


class SwitchError(Exception):
    """A switch could not be started or stopped; the message says why."""


def state_dir() -> str:
    """Where switch records live (created on demand, private to the user);
    a directory another user could write to is refused, since a record
    tells ``stop`` what to remove."""
    base = os.environ.get("PYCO_STATE_DIR")
    if not base:
        base = "/run/pycotcp" if os.geteuid() == 0 and os.path.isdir("/run") \
            else os.path.join(os.environ.get("XDG_RUNTIME_DIR")
                              or "/tmp", "pycotcp-%d" % os.getuid())
    os.makedirs(base, mode=0o700, exist_ok=True)
    st = os.lstat(base)
    if not stat.S_ISDIR(st.st_mode):
        raise SwitchError("state directory %s is not a directory" % base)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise SwitchError("state directory %s is owned or writable by others;"
                          " use a private one (PYCO_STATE_DIR)" % base)
    return base


def _record_path(ctl: str) -> str:
    # a digest: distinct paths never share a record (a/b vs a_b)
    digest = hashlib.sha256(os.fsencode(ctl)).hexdigest()[:32]
    return os.path.join(state_dir(), digest + ".json")


def _load_record(ctl: str) -> Optional[dict]:
    """This tool's record of a switch at ctl (an absolute path), or None."""
    try:
        with open(_record_path(ctl)) as f:
            rec = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise SwitchError("unreadable switch record for %s: %s" % (ctl, e))
    if not isinstance(rec, dict) or rec.get("ctl") != ctl or \
            not isinstance(rec.get("dir"), list):
        return None
    return rec


def _alive(pid: int) -> bool:
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _serves(pid: int, ctl: str) -> bool:
    """True if process pid is alive and is a switch serving ctl."""
    if not isinstance(pid, int) or pid <= 1 or not _alive(pid):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    c = os.fsencode(ctl)
    prog = os.path.basename(argv[0]) if argv else b""
    if prog == b"vde_switch":
        return any(a in (b"-s", b"--sock") and b == c
                   for a, b in zip(argv, argv[1:]))
    if prog == b"vde_plug":
        return b"switch://" + c in argv or b"hub://" + c in argv
    return False


def _switch_pid(rec: dict) -> Optional[int]:
    """pid of the live switch of a record, or None (dead, or reused)."""
    pid = rec.get("pid")
    return pid if _serves(pid, rec["ctl"]) else None


def is_running(ctl: str) -> bool:
    """True if a switch answers at ctl (its control socket exists)."""
    try:
        return stat.S_ISSOCK(os.stat(os.path.join(ctl, "ctl")).st_mode)
    except OSError:
        return False


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


def _refuse_existing(ctl: str, paths: List[str]) -> None:
    if is_running(ctl):
        raise SwitchError("a switch is already running at %s" % ctl)
    for p in paths:
        if os.path.lexists(p):
            raise SwitchError("%s already exists and is not a switch this "
                              "tool started; give a path that does not exist"
                              " (the switch creates it)" % p)


def start(ctl: str, address: Optional[str] = None, tap: bool = False,
          tapname: str = "pyco0", netns: Optional[str] = None,
          hub: bool = False, jumbo: bool = False) -> dict:
    """Start a switch at ctl; with tap, give the tap device address; with
    jumbo, a switch (and tap) that carry jumbo frames.  ctl, ctl.pid and
    ctl.mgmt must not exist (except the files of a dead switch this tool
    started there, which are removed first)."""
    ctl = os.path.abspath(ctl)
    prog = "vde_plug" if jumbo else "vde_switch"
    if shutil.which(prog) is None:
        raise SwitchError("%s not found: install the %s package" % (
            prog, "vdeplug" if jumbo else "vde2"))
    old = _load_record(ctl)
    if old is not None:
        if _switch_pid(old) is not None:
            raise SwitchError("a switch is already running at %s" % ctl)
        _remove_files(old)          # a dead switch of ours: its leftovers
        _forget(ctl)
    pidfile = ctl + ".pid"
    mgmt = None if jumbo else ctl + ".mgmt"
    _refuse_existing(ctl, [ctl, pidfile] + ([mgmt] if mgmt else []))
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
    cmd = _command(ctl, pidfile, mgmt, tapname, tap, hub, jumbo)
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    state_dir()                     # refuse a shared one before starting
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
    if pid is None or not is_running(ctl) or not _serves(pid, ctl):
        if pid is not None and _serves(pid, ctl):
            _kill(pid)              # it removes its own files
        raise SwitchError("%s did not start at %s" % (prog, ctl))
    st = os.lstat(ctl)
    rec = {"ctl": ctl, "pid": pid, "mgmt": mgmt, "pidfile": pidfile,
           "dir": _identity(st),
           "tap": tapname if tap else None, "netns": netns,
           "address": str(iface) if iface else None,
           "jumbo": jumbo}
    try:
        with open(_record_path(ctl), "w") as f:
            json.dump(rec, f)
        if tap:
            pre = ["ip", "netns", "exec", netns] if netns else []
            if jumbo:
                _run(pre + ["ip", "link", "set", tapname, "mtu",
                            str(JUMBO_MTU)], "ip link set mtu")
            _run(pre + ["ip", "addr", "add", str(iface), "dev", tapname],
                 "ip addr add")
            _run(pre + ["ip", "link", "set", tapname, "up"], "ip link set")
    except (SwitchError, OSError):
        _kill(pid)
        _remove_files(rec)
        _forget(ctl)
        raise
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
    for _ in range(100):
        if not _alive(pid):
            return
        time.sleep(0.02)


def _unlink_if(path: str, dir_fd: Optional[int], want) -> bool:
    """Unlink path (relative to dir_fd) if its lstat passes want(st)."""
    try:
        st = os.stat(path, dir_fd=dir_fd, follow_symlinks=False)
        if want(st):
            os.unlink(path, dir_fd=dir_fd)
            return True
    except FileNotFoundError:
        return True
    except OSError:
        pass
    return False


def _is_sock(st: os.stat_result) -> bool:
    return stat.S_ISSOCK(st.st_mode)


def _remove_files(rec: dict) -> List[str]:
    """Remove what the switch of rec made and left behind (it removes its
    files itself when it gets SIGTERM); return what was kept."""
    kept = []
    ctl = rec["ctl"]
    try:
        fd = os.open(ctl, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        fd = None
    except OSError:
        fd = None
        kept.append(ctl)
    if fd is not None:
        try:
            st = os.fstat(fd)
            if _identity(st) != rec["dir"]:
                kept.append(ctl)
            else:
                for e in os.scandir(fd):
                    if not _unlink_if(e.name, fd, _is_sock):
                        kept.append(os.path.join(ctl, e.name))
        finally:
            os.close(fd)
        if ctl not in kept:
            try:
                os.rmdir(ctl)
            except FileNotFoundError:
                pass
            except OSError:
                kept.append(ctl)
    if rec.get("mgmt") and not _unlink_if(rec["mgmt"], None, _is_sock):
        kept.append(rec["mgmt"])
    pidfile = rec.get("pidfile")
    if pidfile and os.path.lexists(pidfile):
        try:
            if os.path.islink(pidfile):
                raise ValueError
            with open(pidfile) as f:
                mine = int(f.read(32).strip()) == rec.get("pid")
        except (OSError, ValueError):
            mine = False
        if not (mine and _unlink_if(pidfile, None,
                                    lambda s: stat.S_ISREG(s.st_mode))):
            kept.append(pidfile)
    return kept


def _forget(ctl: str) -> None:
    try:
        os.unlink(_record_path(ctl))
    except FileNotFoundError:
        pass


def _identity(st: os.stat_result) -> List[int]:
    # an inode number is reused at once by a new directory: the mode the
    # switch gave its directory (2700) and the owner tell them apart
    return [st.st_dev, st.st_ino, st.st_mode, st.st_uid]


def _identity_ok(rec: dict) -> bool:
    """True if rec's directory is gone or still the one its switch made."""
    try:
        st = os.lstat(rec["ctl"])
    except FileNotFoundError:
        return True
    return stat.S_ISDIR(st.st_mode) and _identity(st) == rec["dir"]


def stop(ctl: str) -> dict:
    """Stop the switch this tool started at ctl and remove its files (and
    only them); rec["kept"] lists what was left in place."""
    ctl = os.path.abspath(ctl)
    rec = _load_record(ctl)
    if rec is None:
        raise SwitchError("%s: no switch started by pyco-vde-setup there "
                          "(no record in %s); nothing done"
                          % (ctl, state_dir()))
    if not _identity_ok(rec):
        raise SwitchError("%s is no longer the directory its switch made "
                          "(replaced, or a symlink); nothing done" % ctl)
    pid = _switch_pid(rec)
    if pid is not None:
        _kill(pid)
    rec["kept"] = _remove_files(rec)
    _forget(ctl)
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
        if not isinstance(rec, dict) or not isinstance(rec.get("ctl"), str):
            continue
        rec["running"] = _switch_pid(rec) is not None
        out.append(rec)
    return out
