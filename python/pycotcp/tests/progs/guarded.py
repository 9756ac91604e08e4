"""Run pyco-vde-setup or pyco-wrapper with every destructive call disabled.

usage: guarded.py vdesetup|wrapper ARGS...

os.unlink/remove/rmdir/chmod/rename..., shutil.rmtree, os.kill and process
creation (subprocess, os.exec*, os.fork) are replaced by a guard that
writes "GUARD: call" to stderr and exits 99, so a test can run the tools
on paths such as / and check they refuse before touching anything, even
when the code under test is broken.
"""
import os
import shutil
import subprocess
import sys


def _guard(name):
    def refuse(*args, **kw):
        sys.stderr.write("GUARD: %s%r\n" % (name, args))
        sys.stderr.flush()
        os._exit(99)
    return refuse


for _n in ("unlink", "remove", "rmdir", "removedirs", "chmod", "lchmod",
           "fchmod", "chown", "lchown", "rename", "renames", "replace",
           "kill", "killpg", "truncate", "fork", "execv", "execve",
           "execvp", "execvpe", "posix_spawn", "posix_spawnp", "system"):
    if hasattr(os, _n):
        setattr(os, _n, _guard("os." + _n))
shutil.rmtree = _guard("shutil.rmtree")
shutil.move = _guard("shutil.move")
subprocess.run = _guard("subprocess.run")
subprocess.Popen = _guard("subprocess.Popen")
subprocess.call = _guard("subprocess.call")
subprocess.check_call = _guard("subprocess.check_call")

if __name__ == "__main__":
    tool = sys.argv[1]
    if tool == "vdesetup":
        from pycotcp.vdesetup import main
    elif tool == "wrapper":
        from pycotcp.wrapper import main
    else:
        sys.exit("guarded.py: unknown tool %r" % tool)
    sys.exit(main(sys.argv[2:]))
