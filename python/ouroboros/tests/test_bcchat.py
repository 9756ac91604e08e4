"""The broadcast chat example (python/examples/bcchat.py) across three
network namespaces, each with its own IRMd, over a broadcast layer on
eth-dix, through tests/netns/python_bcchat.sh: four chats, every line
typed shows up once at each other chat. Needs root (namespaces, raw
Ethernet): skipped otherwise, and shown as a skip."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "tests",
                                      "netns", "python_bcchat.sh"))


@pytest.mark.timeout(120)
def test_bcchat_example_across_namespaces():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    if not os.environ.get("OURO_BIN"):
        pytest.skip("OURO_BIN (the build's bin/) is not set")
    env = dict(os.environ, PYOURO_PYTHON=sys.executable)
    p = subprocess.run(["bash", SCRIPT, "20"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=110)
    assert p.returncode == 0, p.stdout[-4000:]
    assert "80 lines, each once at 3 chats" in p.stdout, p.stdout[-4000:]
