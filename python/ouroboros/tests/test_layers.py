"""pyOuroboros over the layers that carry data (eth-dix, eth-llc, udp4,
udp6): the seed's oecho example between two network namespaces, each
with its own IRMd, through tests/netns/python_layers.sh. Needs root
(namespaces, raw Ethernet): skipped otherwise, and shown as a skip."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "tests",
                                      "netns", "python_layers.sh"))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("layer", ["eth-dix", "eth-llc", "udp4", "udp6"])
def test_oecho_example_across_namespaces(layer):
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    if not os.environ.get("OURO_BIN"):
        pytest.skip("OURO_BIN (the build's bin/) is not set")
    env = dict(os.environ, PYOURO_PYTHON=sys.executable)
    p = subprocess.run(["bash", SCRIPT, layer], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=110)
    assert p.returncode == 0, p.stdout[-4000:]
    assert "pyOuroboros oecho over %s: Hello, PyOuroboros!" % layer \
        in p.stdout, p.stdout[-4000:]
