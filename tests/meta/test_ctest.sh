#!/usr/bin/env bash
# Ouroboros - the ctest registration itself: every test has a time limit
# of at most 600 s, 3600 s if labelled "long" (its own TIMEOUT or
# ctest's default from DartConfiguration.tcl, see cmake/OuroTest.cmake),
# so a hang fails that test by name; every harness script (tests/*/test_*.sh) can be skipped
# with exit 77 (SKIP_RETURN_CODE), and a skip is never counted as a pass.
set -u
build=$(cd "${OURO_BIN:-$(dirname "$0")/../../build/bin}/.." && pwd)
command -v python3 >/dev/null || { echo "SKIP: no python3" >&2; exit 77; }

cd "$build" || exit 1
ctest --show-only=json-v1 >json.tmp.$$ || { rm -f json.tmp.$$; exit 1; }
python3 - json.tmp.$$ DartConfiguration.tcl <<'PY'
import json, re, sys
MAX = 600
tests = json.load(open(sys.argv[1]))["tests"]
default = None
for line in open(sys.argv[2]):
    m = re.match(r"TimeOut:\s*(\d+)", line)
    if m:
        default = int(m.group(1))
bad = []
for t in tests:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    limit = props.get("TIMEOUT", default)
    cap = 3600 if "long" in props.get("LABELS", []) else MAX
    if not limit or float(limit) > cap:
        bad.append("%s: time limit %s s (no TIMEOUT, default %s)"
                   % (t["name"], limit, default))
    cmd = t.get("command", [])
    if any(re.search(r"/tests/[^/]+/test_[^/]+\.sh$", c) for c in cmd) \
            and props.get("SKIP_RETURN_CODE") != 77:
        bad.append("%s: a harness script without SKIP_RETURN_CODE 77"
                   % t["name"])
for b in bad:
    print("FAIL:", b, file=sys.stderr)
print("%d tests checked, default limit %s s" % (len(tests), default))
sys.exit(1 if bad else 0)
PY
rc=$?
rm -f json.tmp.$$
[ $rc -eq 0 ] && echo PASS
exit $rc
