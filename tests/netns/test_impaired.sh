#!/bin/bash
# Ouroboros - eth-dix over two VDE switches with a wirefilter between
# them (10% loss and 10% duplication each way, 5+-3 ms delay, packets
# may overtake each other): nothing crashes or hangs, what arrives is
# echoed intact. Topology and checks in impaired.sh.
#
#   ns a --vde-- [s1] --wirefilter-- [s2] --vde-- ns b
#
# ctest: TIMEOUT 120 RUN_SERIAL
. "$(dirname "$0")/lib.sh"
IMPAIR="-l 10 -D 10 -d 5+3 -N"
COUNT=2000
FC_FLAGS=-l
MIN_BACK=50   # 81% expected
. "$(dirname "$0")/impaired.sh"
echo PASS
