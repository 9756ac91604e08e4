#!/bin/bash
# Every tool: --help and -h print usage on stdout and exit 0; unknown
# options, missing or out-of-range values exit non-zero with a one-line
# message on stderr. Needs no IRMd: options are checked before any flow.
. "$(dirname "$0")/lib.sh"

for t in oping operf ocbr oecho obc; do
        for h in --help -h; do
                out=$("$BIN/$t" $h 2>/dev/null) || fail "$t $h exited non-zero"
                echo "$out" | grep -q "^Usage: $t" \
                        || fail "$t $h printed no usage"
        done
done

# expect_bad TOOL ARGS...: non-zero exit, empty stdout, message on stderr
expect_bad() {
        local err out rc
        err=$(mktemp -p "$OUROBOROS_RUNDIR")
        out=$(run_timeout 10 "$BIN/$@" 2>"$err")
        rc=$?
        [ $rc -ne 0 ] || fail "'$*' exited 0"
        [ -s "$err" ] || fail "'$*' printed nothing on stderr"
        [ -z "$out" ] || fail "'$*' printed on stdout: $out"
        echo "ok: $* -> rc $rc: $(head -n1 "$err")"
}

expect_bad oping -c -5 -n x
expect_bad oping -c 0 -n x
expect_bad oping -s 999999999 -n x
expect_bad oping -s 4 -n x
expect_bad oping -i abc -n x
expect_bad oping -w -1 -n x
expect_bad oping -q bogus -n x
expect_bad oping -t 0 -n x
expect_bad oping --bogus
expect_bad oping -Z
expect_bad oping -n
expect_bad oping
expect_bad oping -n x extra
expect_bad operf -d 0 -n x
expect_bad operf -s 999999999 -n x
expect_bad operf -r -1 -n x
expect_bad operf -Z
expect_bad operf
expect_bad ocbr -r 0 -n x
expect_bad ocbr -r 12X -n x
expect_bad ocbr -s 10 -n x
expect_bad ocbr -d 99999999 -n x
expect_bad ocbr --nope
expect_bad ocbr
expect_bad oecho -t -3
expect_bad oecho -m ""
expect_bad oecho -x
expect_bad obc
expect_bad obc -l
expect_bad obc -n ""
expect_bad obc -n L
expect_bad obc -n L -l -m hi
expect_bad obc -n L -m ""
expect_bad obc -n L -m hi -c 0
expect_bad obc -n L -m hi -i 5x
expect_bad obc -n L -m - -c 2
expect_bad obc -n L -l -i 10
expect_bad obc -n L -l -t 0
expect_bad obc -n L -l extra
expect_bad obc -n L -l -Z

echo "PASS: help and option checks"
