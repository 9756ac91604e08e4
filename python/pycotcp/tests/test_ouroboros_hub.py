"""PycoTCP over an Ouroboros broadcast layer (pyco-wrapper -f
ouroboros://hub, the libvdeplug_ouroboros plugin): http.server and
urllib, through tests/vdeplug/test_pyco.sh, here where this package is
installed (the C suite runs before it is). Needs the C build: OURO_BIN
(scripts/test-pycotcp.sh sets it from its build argument)."""

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "tests",
                                      "vdeplug", "test_pyco.sh"))


@pytest.mark.timeout(200)
def test_http_over_ouroboros_hub():
    if not os.environ.get("OURO_BIN"):
        pytest.skip("OURO_BIN (the C build's bin/) is not set")
    env = dict(os.environ, PYCO_PYTHON=sys.executable)
    p = subprocess.run(["bash", SCRIPT], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=190)
    if p.returncode == 77:
        pytest.skip(p.stdout.strip().splitlines()[-1])
    assert p.returncode == 0, p.stdout[-4000:]
    assert "vdeplug pyco http over ouroboros://: ok" in p.stdout, \
        p.stdout[-4000:]
