"""The seed's example QoS, QoSSpec(loss=0, cypher_s=256): a file crosses
an impaired eth-dix layer (wirefilter: 5% loss, 2% duplication, 10+-5
ms, reordering) between two network namespaces intact, through
tests/netns/python_frct.sh. Needs root (namespaces, taps): skipped
otherwise, and shown as a skip."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "tests",
                                      "netns", "python_frct.sh"))


@pytest.mark.timeout(150)
def test_seed_qos_file_across_lossy_layer():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    for tool in ("ip", "wirefilter", "vde_plug2tap"):
        if shutil.which(tool) is None:
            pytest.skip("%s is not installed" % tool)
    if not os.environ.get("OURO_BIN"):
        pytest.skip("OURO_BIN (the build's bin/) is not set")
    env = dict(os.environ, PYOURO_PYTHON=sys.executable)
    p = subprocess.run(["bash", SCRIPT], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=140)
    assert p.returncode == 0, p.stdout[-4000:]
    assert "PASS" in p.stdout, p.stdout[-4000:]
