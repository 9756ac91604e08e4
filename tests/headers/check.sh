#!/bin/bash
# Ouroboros - the public headers stand alone, and classic programs build.
#
#   check.sh COMPILER        (gcc, clang-16, g++ or clang++-16)
#
# With COMPILER, every public header is compiled alone, first in its
# translation unit, with -Wall -Wextra -Werror: for a C compiler in C89
# (-D_POSIX_C_SOURCE=200809L, as the classic tools build), C99 and C11,
# for a C++ compiler in C++11 and C++17. A few declarations are checked
# for their classic types (fqueue_type returns enum fqtype, the 0.21
# error numbers). tests/headers/classic.c, written like a program for the
# 0.21 API, is compiled too; a C compiler builds it in C89 and runs it as
# server and client over a local layer. No header may define a
# feature-test macro. Exit 77 (a ctest skip) when COMPILER is missing.
set -u
CC=${1:?usage: check.sh COMPILER}
if ! command -v "$CC" >/dev/null 2>&1; then
        echo "SKIP: $CC is not installed"
        exit 77
fi

. "$(dirname "$0")/../harness.sh"
ROOT=$(cd "$HARNESS_DIR/.." && pwd)
BUILD_INC=$(cd "$BIN/../include" && pwd)
LIB=$(cd "$BIN/../lib" && pwd)
INC=(-I"$ROOT/include" -I"$BUILD_INC")
WARN=(-Wall -Wextra -Werror)
TMP=$OUROBOROS_RUNDIR/headers
mkdir -p "$TMP"

case "$CC" in
*++*) LANG_MODES=("-x c++ -std=c++11" "-x c++ -std=c++17"); CXX=1 ;;
*)    LANG_MODES=("-x c -std=c89 -D_POSIX_C_SOURCE=200809L"
                  "-x c -std=c99 -D_POSIX_C_SOURCE=200809L"
                  "-x c -std=c11"); CXX= ;;
esac

HEADERS=("$ROOT"/include/ouroboros/*.h "$BUILD_INC/ouroboros/version.h")
[ ${#HEADERS[@]} -ge 7 ] || fail "expected the public headers, found: ${HEADERS[*]}"

bad=$(grep -lE '^[[:space:]]*#[[:space:]]*define[[:space:]]+_[A-Z0-9_]*_SOURCE' \
        "${HEADERS[@]}")
[ -z "$bad" ] || fail "public headers define feature-test macros: $bad"

n=0
for h in "${HEADERS[@]}"; do
        name=ouroboros/$(basename "$h")
        printf '#include <%s>\nint ouro_header_check_%d;\n' "$name" $n \
                >"$TMP/alone.c"
        for mode in "${LANG_MODES[@]}"; do
                # shellcheck disable=SC2086  # mode is several words
                out=$("$CC" $mode "${WARN[@]}" "${INC[@]}" -c "$TMP/alone.c" \
                        -o "$TMP/alone.o" 2>&1) \
                        || fail "$name alone, $CC $mode:"$'\n'"$out"
        done
        n=$((n + 1))
done
echo "ok: ${#HEADERS[@]} headers alone, $CC: ${LANG_MODES[*]}"

# Classic types and values, as a program built for 0.21 sees them.
cat >"$TMP/types.c" <<'EOT'
#include <ouroboros/fqueue.h>
#include <ouroboros/errno.h>
#include <ouroboros/dev.h>
enum fqtype (* ouro_fqt)(fqueue_t *) = fqueue_type;
ssize_t (* ouro_rd)(int, void *, size_t) = flow_read;
typedef char ouro_ecrypt_is_1007[ECRYPT == 1007 ? 1 : -1];
typedef char ouro_ename_is_1008[ENAME == 1008 ? 1 : -1];
typedef char ouro_peer_is_1006[EFLOWPEER == 1006 ? 1 : -1];
EOT
# What classic programs take from one header alone (the includes the
# classic headers have).
printf '%s\n' '#include <ouroboros/qos.h>' \
        'bool ouro_b = true; uint64_t ouro_u = UINT64_MAX;' >"$TMP/qos.c"
printf '%s\n' '#include <ouroboros/dev.h>' \
        'qosspec_t ouro_q; bool ouro_b; ssize_t ouro_s; time_t ouro_t;' \
        'int ouro_f(void) { return (int) getpid() + (int) time(NULL); }' \
        >"$TMP/dev.c"
printf '%s\n' '#include <ouroboros/fqueue.h>' \
        'bool ouro_b; ssize_t ouro_s; struct timespec ouro_ts;' >"$TMP/fqueue.c"
printf '%s\n' '#include <ouroboros/fccntl.h>' \
        'struct timeval ouro_tv; uint32_t ouro_u; size_t ouro_z;' \
        >"$TMP/fccntl.c"
for f in types qos dev fqueue fccntl; do
        for mode in "${LANG_MODES[@]}"; do
                # shellcheck disable=SC2086
                out=$("$CC" $mode "${WARN[@]}" "${INC[@]}" -c "$TMP/$f.c" \
                        -o "$TMP/$f.o" 2>&1) \
                        || fail "classic use ($f.c), $CC $mode:"$'\n'"$out"
        done
done
echo "ok: classic types, error numbers and includes, $CC"

if [ -n "$CXX" ]; then
        # shellcheck disable=SC2086
        out=$("$CC" -x c++ "${WARN[@]}" "${INC[@]}" -c \
                "$HARNESS_DIR/headers/classic.c" -o "$TMP/classic.o" 2>&1) \
                || fail "classic.c as C++, $CC:"$'\n'"$out"
        echo "ok: classic.c compiles as C++ with $CC"
        echo "PASS"
        exit 0
fi

out=$("$CC" -std=c89 -D_POSIX_C_SOURCE=200809L "${WARN[@]}" "${INC[@]}" \
        "$HARNESS_DIR/headers/classic.c" -o "$TMP/classic" \
        -L"$LIB" -Wl,-rpath,"$LIB" -louroboros-dev 2>&1) \
        || fail "classic.c in C89, $CC:"$'\n'"$out"
echo "ok: classic.c builds in C89 with $CC"

# A sanitized library (-DSANITIZE=ON) needs its runtime loaded first.
PRELOAD=$(ldd "$LIB/libouroboros-dev.so" | awk '/libasan|libubsan/ { print $3 }' \
        | paste -sd: -)
run_classic() {
        LD_PRELOAD=$PRELOAD exec "$TMP/classic" "$@"  # only in bg (a subshell)
}

irmd_start
local_layer
"$BIN/irm" name register classic layer local || fail "irm name register"
"$BIN/irm" bind program "$TMP/classic" name classic || fail "irm bind program"
bg run_classic -l >"$TMP/server.out" 2>&1
SERVER_PID=$LAST_PID
for _ in $(seq 100); do
        grep -q "Starting the server" "$TMP/server.out" && break
        sleep 0.05
done
sleep 0.3
out=$(LD_PRELOAD=$PRELOAD timeout 30 "$TMP/classic" classic 2>&1) \
        || fail "classic client: $out (server: $(cat "$TMP/server.out"))"
echo "$out"
echo "$out" | grep -qx "Server replied with Client says hi!" \
        || fail "unexpected client output: $out"
for _ in $(seq 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
done
wait "$SERVER_PID" || fail "classic server failed: $(cat "$TMP/server.out")"
grep -q "Server done" "$TMP/server.out" \
        || fail "classic server: $(cat "$TMP/server.out")"
echo "PASS"
