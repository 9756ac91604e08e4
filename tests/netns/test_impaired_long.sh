#!/bin/bash
# Ouroboros - the impaired path of test_impaired.sh, harder and longer:
# 30% loss in bursts, 20% duplication, 20+-15 ms delay with overtaking,
# and bits flipped (so corruption is tolerated, and counted), 10 000
# packets. Topology and checks in impaired.sh.
#
#   ns a --vde-- [s1] --wirefilter-- [s2] --vde-- ns b
#
# ctest: TIMEOUT 600 RUN_SERIAL
# ctest: LABELS long
. "$(dirname "$0")/lib.sh"
IMPAIR="-l 30 -L 3 -D 20 -d 20+15 -N -n 200"
COUNT=10000
FC_FLAGS="-l -C"
MIN_BACK=20   # about 40% come back intact
. "$(dirname "$0")/impaired.sh"
echo PASS
