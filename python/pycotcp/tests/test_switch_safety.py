"""pyco-vde-setup and pyco-wrapper -c only ever remove what they created.

stop, start and -c on a directory of user files, a file, symlinks and /
refuse with a one-line reason and a non-zero status, and leave everything
as it was.  The refusals are first checked under progs/guarded.py, which
turns any deletion, chmod, kill or process start into exit 99, so even a
broken tool cannot harm the machine (that is how / is tried); then, on
paths inside the test's directory, for real.
"""
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from conftest import finish, prog

VDESETUP = [sys.executable, "-m", "pycotcp.vdesetup"]
GUARDED = [sys.executable, prog("guarded.py")]
TARGETS = ["userdir", "userfile", "dirlink", "filelink", "danglinglink",
           "/"]


def snapshot(top):
    """Every path under top with its type, mode and content."""
    out = {}
    for d, dirs, files in os.walk(top):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                what = "-> " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    what = f.read()
            else:
                what = None
            out[os.path.relpath(p, top)] = (stat.S_IFMT(st.st_mode),
                                            stat.S_IMODE(st.st_mode), what)
    return out


@pytest.fixture
def user(tmp_path):
    """User data around the paths handed to the tools; (paths, check)."""
    home = tmp_path / "home"
    d = home / "userdir"
    (d / "sub").mkdir(parents=True)
    (d / "notes.txt").write_text("precious\n")
    (d / "sub" / "thesis.tex").write_text("years of work\n")
    os.chmod(d, 0o755)
    (home / "userfile").write_text("a file\n")
    os.symlink(str(d), str(home / "dirlink"))
    os.symlink(str(home / "userfile"), str(home / "filelink"))
    os.symlink(str(home / "nothing"), str(home / "danglinglink"))
    before = snapshot(str(home))
    root = os.lstat("/")

    def path(name):
        return name if name == "/" else str(home / name)

    def check():
        assert snapshot(str(home)) == before
        now = os.lstat("/")
        assert (now.st_mode, now.st_uid, now.st_ino) == \
            (root.st_mode, root.st_uid, root.st_ino)
    return path, check


@pytest.fixture
def env(tmp_path):
    return {"PYCO_STATE_DIR": str(tmp_path / "state")}


def one_line_refusal(rc, out, err, tool="pyco-vde-setup"):
    assert "GUARD" not in err, "the tool touched something: " + err
    assert rc == 1, (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(tool + ": "), err


@pytest.mark.parametrize("name", TARGETS)
def test_stop_refuses_what_it_did_not_start(procs, user, env, name):
    path, check = user
    rc, out, err = finish(procs.start(GUARDED + ["vdesetup", "stop",
                                                 path(name)], env=env))
    one_line_refusal(rc, out, err)
    check()
    if name != "/":
        rc, out, err = finish(procs.start(VDESETUP + ["stop", path(name)],
                                          env=env))
        one_line_refusal(rc, out, err)
        check()


@pytest.mark.parametrize("name", TARGETS)
def test_start_refuses_existing_paths(procs, user, env, name):
    path, check = user
    rc, out, err = finish(procs.start(GUARDED + ["vdesetup", "start",
                                                 "--no-tap", path(name)],
                                      env=env))
    one_line_refusal(rc, out, err)
    check()
    if name != "/":
        p = procs.start(VDESETUP + ["start", "--no-tap", path(name)],
                        env=env)
        rc, out, err = finish(p)
        if rc == 0:             # a broken tool started a switch: stop it
            _kill_pidfile(path(name) + ".pid")
        one_line_refusal(rc, out, err)
        check()


@pytest.mark.parametrize("name", TARGETS)
def test_wrapper_create_refuses_existing_paths(procs, user, env, name):
    path, check = user
    args = ["-e", "print('RAN')", "-a", "10.40.0.1/24", "-f", path(name),
            "-c"]
    rc, out, err = finish(procs.start(GUARDED + ["wrapper"] + args,
                                      env=env))
    one_line_refusal(rc, out, err, "pyco-wrapper")
    assert "RAN" not in out
    check()
    if name != "/":
        rc, out, err = finish(procs.start([sys.executable, "-m",
                                           "pycotcp.wrapper"] + args,
                                          env=env))
        one_line_refusal(rc, out, err, "pyco-wrapper")
        check()


def _kill_pidfile(pidfile):
    try:
        with open(pidfile) as f:
            os.kill(int(f.read()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


def _start(procs, ctl, env):
    rc, out, err = finish(procs.start(VDESETUP + ["start", "--no-tap", ctl],
                                      env=env))
    assert rc == 0 and "started" in out, err
    with open(ctl + ".pid") as f:
        return int(f.read())


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone(pid, secs=5):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_stop_keeps_user_files_in_the_switch_directory(procs, tmp_path,
                                                       env):
    ctl = str(tmp_path / "sw.ctl")
    pid = _start(procs, ctl, env)
    with open(os.path.join(ctl, "mine.txt"), "w") as f:
        f.write("dropped here by the user\n")
    rc, out, err = finish(procs.start(VDESETUP + ["stop", ctl], env=env))
    assert rc == 0 and "stopped" in out, err
    assert "kept" in out and "mine.txt" not in err, out
    assert _gone(pid)
    assert os.listdir(ctl) == ["mine.txt"]
    assert not os.path.lexists(ctl + ".mgmt")
    assert not os.path.lexists(ctl + ".pid")


def test_stop_after_a_crash_kills_no_stranger(procs, tmp_path, env):
    """The switch died (SIGKILL: its files stay) and its pid now names
    another process: stop removes the switch's files, kills nothing."""
    ctl = str(tmp_path / "sw.ctl")
    pid = _start(procs, ctl, env)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid)
    stranger = procs.start(["sleep", "60"])
    state = env["PYCO_STATE_DIR"]
    recs = [n for n in os.listdir(state) if n.endswith(".json")]
    assert len(recs) == 1
    with open(os.path.join(state, recs[0])) as f:
        rec = json.load(f)
    rec["pid"] = stranger.pid
    with open(os.path.join(state, recs[0]), "w") as f:
        json.dump(rec, f)
    with open(ctl + ".pid", "w") as f:
        f.write("%d\n" % stranger.pid)
    rc, out, err = finish(procs.start(VDESETUP + ["stop", ctl], env=env))
    assert rc == 0 and "stopped" in out, err
    assert stranger.poll() is None, "stop killed an unrelated process"
    for p in (ctl, ctl + ".mgmt", ctl + ".pid"):
        assert not os.path.lexists(p), p


@pytest.mark.parametrize("how", ["dir", "symlink"])
def test_stop_replaced_directory_refused(procs, tmp_path, env, how):
    """The switch died and its directory was replaced by the user's (the
    new one may get the same inode number), or by a symlink to it: not
    ours."""
    ctl = str(tmp_path / "sw.ctl")
    pid = _start(procs, ctl, env)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid)
    for n in os.listdir(ctl):
        os.unlink(os.path.join(ctl, n))
    os.rmdir(ctl)
    data = str(tmp_path / "user") if how == "symlink" else ctl
    os.mkdir(data)
    with open(os.path.join(data, "data"), "w") as f:
        f.write("user data\n")
    if how == "symlink":
        os.symlink(data, ctl)
    rc, out, err = finish(procs.start(VDESETUP + ["stop", ctl], env=env))
    one_line_refusal(rc, out, err)
    with open(os.path.join(ctl, "data")) as f:
        assert f.read() == "user data\n"
    assert os.path.lexists(ctl)


def test_stop_other_path_with_a_similar_name(procs, tmp_path, env):
    """a/s.ctl and a_s.ctl are different switches (records must not
    collide): stop on the user's a_s.ctl leaves the a/s.ctl switch."""
    (tmp_path / "a").mkdir()
    ctl = str(tmp_path / "a" / "s.ctl")
    pid = _start(procs, ctl, env)
    try:
        other = tmp_path / "a_s.ctl"
        other.mkdir()
        (other / "keep").write_text("x")
        rc, out, err = finish(procs.start(VDESETUP + ["stop", str(other)],
                                          env=env))
        one_line_refusal(rc, out, err)
        assert (other / "keep").read_text() == "x"
        assert _alive(pid) and os.path.exists(os.path.join(ctl, "ctl"))
    finally:
        rc, out, err = finish(procs.start(VDESETUP + ["stop", ctl],
                                          env=env))
    assert rc == 0, err
    assert _gone(pid) and not os.path.lexists(ctl)


def test_state_directory_must_be_private(procs, tmp_path):
    state = tmp_path / "shared"
    state.mkdir()
    os.chmod(state, 0o777)
    ctl = str(tmp_path / "sw.ctl")
    rc, out, err = finish(procs.start(VDESETUP + ["start", "--no-tap", ctl],
                                      env={"PYCO_STATE_DIR": str(state)}))
    if rc == 0:
        _kill_pidfile(ctl + ".pid")
    one_line_refusal(rc, out, err)
    assert "writable by others" in err
    assert not os.path.lexists(ctl)


def test_start_over_a_dead_switch_of_ours(procs, tmp_path, env):
    """The files a killed switch left are this tool's: start cleans them
    and starts again; status and stop follow the new switch."""
    ctl = str(tmp_path / "sw.ctl")
    pid = _start(procs, ctl, env)
    os.kill(pid, signal.SIGKILL)
    assert _gone(pid) and os.path.exists(os.path.join(ctl, "ctl"))
    rc, out, err = finish(procs.start(VDESETUP + ["status"], env=env))
    assert ctl in out and "dead" in out, out
    pid2 = _start(procs, ctl, env)
    assert pid2 != pid
    rc, out, err = finish(procs.start(VDESETUP + ["stop", ctl], env=env))
    assert rc == 0 and "kept" not in out, (out, err)
    assert _gone(pid2) and not os.path.lexists(ctl)
