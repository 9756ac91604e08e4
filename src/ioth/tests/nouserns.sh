#!/bin/sh
# nouserns.sh IOTH_TEST VDE_SWITCH - vdestack where user namespaces cannot
# be created: ioth_test must skip (exit 77) and say that this is why.  The
# namespaces are taken away inside a user namespace of our own (its
# user.max_user_namespaces set to 0), so the host is left as it is.
# Exit 0 pass, 1 fail, 77 skip (no user namespace to run the check in).
t=$1 sw=$2
if ! unshare -U -r true 2>/dev/null; then
	echo "SKIP: cannot create a user namespace to run the check in"
	exit 77
fi
out=$(unshare -U -r sh -c \
	'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" net vdestack "$1"' \
	"$t" "$sw" 2>&1)
rc=$?
echo "$out"
if [ "$rc" -ne 77 ] || ! echo "$out" | grep -q "user namespaces unavailable"; then
	echo "FAIL: expected a skip saying user namespaces are unavailable (exit $rc)"
	exit 1
fi
echo "nouserns: ok"
