#!/bin/bash
# Ouroboros - pyOuroboros over the layers that carry data: the Python
# oecho example (python/examples/oecho.py) between two namespaces, and
# the C tools next to it, over eth-dix, eth-llc, udp4 and udp6:
#
#   +---------------------+                          +---------------------+
#   | ns a: irmd, LAYER   |<---veth 10.200.1.0/24--->| ns b: irmd, LAYER   |
#   | oecho.py, oecho,    |                          | oecho.py -l, oecho  |
#   | operf, ocbr         |                          | -l, operf -l, ocbr  |
#   +---------------------+                          +---------------------+
#
# Run by python/ouroboros/tests/test_layers.py with PYOURO_PYTHON set to
# the python3 that has pyOuroboros (not a ctest of its own: the C suite
# runs before the module is installed). Usage: python_layers.sh TYPE
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/layer.sh"

[ -n "${PYOURO_PYTHON:-}" ] || fail "PYOURO_PYTHON is not set"
layer_setup "${1:-eth-dix}"
layer_tools
echo PASS
