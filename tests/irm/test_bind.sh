#!/bin/bash
# Ouroboros - irm bind / unbind of programs, processes and IPCPs.
. "$(dirname "$0")/../harness.sh"
. "$(dirname "$0")/lib.sh"

irmd_start
local_layer
irm_ok name create svc

# programs: relative paths and PATH lookup both give the absolute path
tmp=$OUROBOROS_RUNDIR/progs
mkdir -p "$tmp"
printf 'print("hi")\n' >"$tmp/script.py"       # a script: not executable
cd "$tmp" || fail "cd"
irm_ok bind program ./script.py name svc
irm_err 2 "^irm: program $tmp/script.py is already bound to name svc$" \
        bind program ./script.py name svc
irm_ok b prog ../progs/script.py n other    # creates the name
cd - >/dev/null || fail "cd back"
name_row svc | grep -Eq '^svc +round-robin +0 +1 +0$' ||
        fail "bind program: $("$BIN/irm" name list)"
irm_ok unbind program "$tmp/script.py" name svc
name_row svc | grep -Eq '^svc +round-robin +0 +0 +0$' ||
        fail "unbind program: $("$BIN/irm" name list)"
irm_err 2 "^irm: program $tmp/script.py is not bound to name svc$" \
        unbind program "$tmp/script.py" name svc
# unbind without a name: from every name
irm_ok unbind program "$tmp/script.py"
name_row other | grep -Eq '^other +round-robin +0 +0 +0$' ||
        fail "unbind program from all: $("$BIN/irm" name list)"

# auto-start with arguments
irm_ok bind program "$BIN/oecho" name svc auto -- -l
name_row svc | grep -Eq '^svc +round-robin +0 +1 +0$' ||
        fail "bind auto: $("$BIN/irm" name list)"
irm_ok unbind prog oecho

# processes: only Ouroboros ones (announced to this IRMd)
bg sleep 60
irm_err 2 "^irm: process $LAST_PID is not an Ouroboros process " \
        bind process "$LAST_PID" name svc
irm_err 2 "^irm: process 1 is not an Ouroboros process " \
        bind process 1 name svc
name_row svc | grep -Eq '^svc +round-robin +0 +0 +0$' ||
        fail "refused binds bound: $("$BIN/irm" name list)"
bg "$BIN/oecho" -l      # announces itself when it accepts
wait_for grep -q "Process $LAST_PID .* announced" \
        "$OUROBOROS_RUNDIR/irmd.log" || fail "oecho -l did not announce"
irm_ok bind process "$LAST_PID" name svc
name_row svc | grep -Eq '^svc +round-robin +1 +0 +0$' ||
        fail "bind process: $("$BIN/irm" name list)"
irm_err 2 "^irm: process $LAST_PID is already bound to name svc$" \
        bind process "$LAST_PID" name svc
irm_ok unbind process "$LAST_PID" name svc
name_row svc | grep -Eq '^svc +round-robin +0 +0 +0$' ||
        fail "unbind process: $("$BIN/irm" name list)"
irm_err 2 "^irm: process $LAST_PID is not bound to name svc$" \
        unbind process "$LAST_PID" name svc
irm_err 2 "^irm: no process with pid 2147483647$" \
        bind process 2147483647 name svc

# IPCPs: their process is bound
irm_ok bind ipcp local name svc
name_row svc | grep -Eq '^svc +round-robin +1 +0 +0$' ||
        fail "bind ipcp: $("$BIN/irm" name list)"
irm_ok unbind ipcp local name svc
name_row svc | grep -Eq '^svc +round-robin +0 +0 +0$' ||
        fail "unbind ipcp: $("$BIN/irm" name list)"

echo "irm bind: ok"
