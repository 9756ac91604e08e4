# Ouroboros - what the one-host broadcast tests share (sourced after
# harness.sh): the join tool, a directory for its output and reading
# a member's counters.

JOIN=$BIN/test-broadcast-join
[ -x "$JOIN" ] || skip "no test-broadcast-join"
D=$OUROBOROS_RUNDIR

# stat IPCP COUNTER: its value
stat() {
        irm ipcp stat name "$1" | awk -v c="$2" '$1 == c { print $2 }'
}

# stat_is IPCP COUNTER OP VALUE: test COUNTER OP VALUE (for wait_for)
stat_is() {
        test "$(stat "$1" "$2")" "$3" "$4"
}

# reader FILE [MS]: join bc, print what arrives into FILE for MS
# (default 60 000) ms; return once joined
reader() {
        bg "$JOIN" bc listen "${2:-60000}" >"$D/$1"
        wait_for grep -q READY "$D/$1" || fail "reader $1 did not join"
}
