#!/bin/bash
# Ouroboros - how a process announces itself to the IRMd: a Python
# interpreter running a script is announced as the script (resolved,
# also after options like -u), "python -c" as the interpreter, a C
# program as its executable; a script with 1000 arguments too.
# ctest: TIMEOUT 300
. "$(dirname "$0")/../harness.sh"

command -v python3 >/dev/null || skip "no python3"

irmd_start
dir=$OUROBOROS_RUNDIR
lib=$(cd "$BIN/../lib" && pwd)/libouroboros-dev.so

cat >"$dir/announce_me.py" <<PY
import ctypes
class TS(ctypes.Structure):
    _fields_ = [("s", ctypes.c_long), ("ns", ctypes.c_long)]
lib = ctypes.CDLL("$lib")
z = TS(0, 0)
r = lib.flow_accept(None, ctypes.byref(z))
assert r == -11, r    # -EAGAIN: nothing waits, but we did announce
PY

# A sanitizer build of the library needs its runtime loaded first; only
# for the interpreter, not for the harness's own commands.
preload=
if ldd "$lib" | grep -q libasan; then
        preload=$(gcc -print-file-name=libasan.so)
fi
python3() {
        if [ -n "$preload" ]; then
                LD_PRELOAD=$preload ASAN_OPTIONS=detect_leaks=0 command python3 "$@"
        else
                command python3 "$@"
        fi
}

script=$(realpath "$dir/announce_me.py")
( cd "$dir" && python3 announce_me.py one two ) || fail "python script"
( cd "$dir" && python3 -u -W ignore ./announce_me.py ) || fail "python -u"
# more arguments than the IRMd keeps (256): still announced
( cd "$dir" && python3 announce_me.py $(seq 1000) ) || fail "python, 1000 args"
grep -c "($script) announced" "$dir/irmd.log" | grep -qx 3 \
        || fail "script not announced as $script three times"

python3 -c "$(cat "$dir/announce_me.py")" || fail "python -c"
grep "announced" "$dir/irmd.log" | grep -v "$script" | grep -q "python" \
        || fail "python -c not announced as the interpreter"
echo "PASS"
