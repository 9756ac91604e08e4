"""pyOuroboros sets up a unicast layer end to end: ouroboros.irm
bootstraps, enrolls and connects three unicast IPCPs in three network
namespaces over eth-dix (every unicast bootstrap option given), then the
oecho example runs across the layer, two hops
(tests/netns/python_unicast.sh). Needs root: skipped otherwise."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "tests",
                                      "netns", "python_unicast.sh"))


@pytest.mark.timeout(150)
def test_unicast_layer_from_python():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 (ip) is not installed")
    if not os.environ.get("OURO_BIN"):
        pytest.skip("OURO_BIN (the build's bin/) is not set")
    env = dict(os.environ, PYOURO_PYTHON=sys.executable)
    p = subprocess.run(["bash", SCRIPT], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=140)
    assert p.returncode == 0, p.stdout[-4000:]
    assert "oecho over unicast, two hops: Hello, PyOuroboros!" in p.stdout, \
        p.stdout[-4000:]
