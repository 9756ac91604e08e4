#!/bin/bash
# Ouroboros - the multi-host helpers themselves (tests/netns/lib.sh), with
# the kernel's tools and the local layer only:
#
#   +---------------------+   veth (10.200.1.0/24,   +---------------------+
#   | ns a: irmd, local   |<-- fd00:200:1::/64) ---->| ns b: irmd, local   |
#   |   oecho -l, oecho   |                          |   oecho -l, oecho   |
#   +---------------------+                          +---------------------+
#   +---------------------+        +-------------+    +---------------------+
#   | userns u1 (nobody): |        | vde s1 --   |    | userns u2 (nobody): |
#   |   irmd              |        | wirefilter  |    |   irmd              |
#   +---------------------+        | -- vde s2   |    +---------------------+
#                                  +-------------+
#
# ping over the veth both ways (v4, v6); link down stops it, up restores
# it; one IRMd per namespace, each with its own rundir, each serving the
# same name on its own local layer; IRMds in user namespaces as a non-root
# user; vde_plug frames through a switch; and then a nested test that
# fails halfway must leave no namespace, process or switch behind.
# ctest: TIMEOUT 90 RUN_SERIAL
. "$(dirname "$0")/lib.sh"

nn_need_root
nn_need_netns

nn_ns_add a b
nn_veth a b
nn_ping a "$(nn_ip4 b a)" || fail "ping v4 a->b"
nn_ping b "$(nn_ip6 a b)" || fail "ping v6 b->a"
nn_link a b down
nn_ping a "$(nn_ip4 b a)" 1 && fail "ping over a down link"
nn_link a b up
nn_retry 5 nn_ping a "$(nn_ip4 b a)" 1 || fail "ping after link up"

nn_irmd_start a b
for n in a b; do
        nn_irm "$n" ipcp bootstrap type local name loc layer loc
        nn_irm "$n" name register here layer loc
        nn_bg "$n" "$BIN/oecho" -l >"$NN_DIR/$n/oecho.log" 2>&1
        nn_bind "$n" "$LAST_PID" here
done
[ -n "$(ls -A "$NN_DIR/a")" ] && [ -n "$(ls -A "$NN_DIR/b")" ] ||
        fail "an IRMd does not use its namespace's rundir"
[ "$(nn_ipcp_pid a loc)" != "$(nn_ipcp_pid b loc)" ] || fail "one IPCP for two IRMds"
[ -n "$(nn_ipcp_pid a loc)" ] || fail "no pid for IPCP loc"
for n in a b; do
        out=$(nn_exec "$n" "$BIN/oecho" -n here -m "from-$n") || fail "oecho in $n"
        [[ $out == *from-$n* ]] || fail "oecho in $n answered '$out'"
done
[ "$(nn_pids a | wc -l)" -ge 3 ] || fail "irmd, ipcp, oecho not seen in ns a"

# flowcheck's own checks (it runs over the real layers elsewhere)
"$BIN/test-netns-flowcheck" selftest >/dev/null || fail "flowcheck selftest"

nn_need_userns
nn_userns_add u1 u2
nn_irmd_start u1 u2
for n in u1 u2; do
        [ "$(stat -c %U "/proc/${NN_IRMD[$n]}")" = "$NN_USER" ] ||
                fail "irmd in $n is not run by $NN_USER"
done
[ "$(nn_exec u1 id -u)" = 0 ] || fail "not mapped to root in u1"
[ "${NN_NSID[u1]}" != "${NN_NSID[u2]}" ] || fail "u1 and u2 share a namespace"

nn_vde_switch s1 user
nn_vde_switch s2
nn_wirefilter w s1 s2 -l 0
# A frame sent into s1 by one plug comes out of s2 at another (vde_plug
# on a pipe speaks a stream of frames, each after a 2-byte length), both
# plugs run by the user of u1 and u2 inside their namespaces.
frame=$(printf '004affffffffffff0200000000010800%s' "$(printf '%0120d' 0)")
# A plug leaves when its input ends: keep both inputs open a while.
nn_bg u2 sh -c "sleep 5 | timeout 5 vde_plug vde://${NN_VDE[s2]}" \
        >"$NN_DIR/u2/plug.out"
sleep 0.3
(echo "$frame" | xxd -r -p; sleep 0.5) |
        nn_exec u1 timeout 2 vde_plug "vde://${NN_VDE[s1]}" >/dev/null 2>&1
wait_for test -s "$NN_DIR/u2/plug.out" || fail "no frame through s1-wirefilter-s2"

# Cleanup on failure: a nested test builds the same and fails.
nested=$NN_DIR/nested
mkdir -p "$nested"
OURO_BIN=$BIN bash -c '
        . "$1/lib.sh"
        nn_ns_add x y
        nn_irmd_start x
        nn_bg y sleep 1000
        nn_userns_add z
        nn_vde_switch sw
        echo "$NN_TAG $NN_DIR ${NN_VDE[sw]} $(cat ${NN_VDE[sw]%/sw}/pid)" >"$2/tag"
        nn_pids x >"$2/pids"; nn_pids y >>"$2/pids"; nn_pids z >>"$2/pids"
        fail "on purpose"' nested "$(dirname "$0")" "$nested" \
        >"$nested/out" 2>&1 && fail "nested test passed"
read -r tag dir sw swpid <"$nested/tag" || fail "nested test did not run"
grep -q "on purpose" "$nested/out" || fail "nested test failed early: $(cat "$nested/out")"
grep -q "irmd.log" "$nested/out" || fail "no logs printed on failure"
ip netns list | grep -q "$tag" && fail "namespaces left: $(ip netns list | grep "$tag")"
for p in $(cat "$nested/pids") $swpid; do
        [ -d "/proc/$p" ] && [ "$(cat /proc/$p/stat | awk '{print $3}')" != Z ] &&
                fail "process $p left: $(tr '\0' ' ' </proc/$p/cmdline)"
done
[ -e "$dir" ] && fail "$dir left"
[ -e "$sw" ] && fail "$sw left"
echo PASS
