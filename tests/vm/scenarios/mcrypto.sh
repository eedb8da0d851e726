#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: samples/mcrypto, the SDK pin tracker under a DMA engine.
#  - the two types and their shared pool of 8 engine units;
#  - SHA-256 jobs of many sizes and alignments, checked against libcrypto,
#    on both types (tests/uapi/mcrypto_client jobs);
#  - unmapping a buffer and the ring while jobs run (client unmap);
#  - the same jobs and unmaps through the vfio_device cdev and /dev/iommu
#    (MDEV_SDK_VFIO_PATH=cdev);
#  - pinning past RLIMIT_MEMLOCK as user nobody (client rlimit);
#  - killing a client mid-job: pins drop to zero, the device still works;
#  - mdevctl with the JSON profiles.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
CLIENT=$TOP/tests/uapi/mcrypto_client
TYPES=/sys/class/mdev_bus/mcrypto/mdev_supported_types
U1=5c3a9e10-1b2d-4e6f-8a7b-000000000001
U4=5c3a9e10-1b2d-4e6f-8a7b-000000000004
WORK=$(mktemp -d /tmp/mcrypto.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

client() { # prefix, mode, uuid
	timeout 180 "$CLIENT" "$2" "$3" > "$WORK/client.out" 2>&1
	local rc=$?
	sed "s/^\(PASS\|FAIL\|SKIP\) /\1 $1 /" "$WORK/client.out" | grep -E '^(PASS|FAIL|SKIP|INFO)'
	if [ "$rc" != 0 ] || grep -q '^FAIL' "$WORK/client.out"; then
		grep -qE '^FAIL' "$WORK/client.out" || fail "$1 $2" "client exited $rc"
		fails=$((fails + 1))
	fi
}
pinned() { cat "/sys/bus/mdev/devices/$1/pinned_pages"; }
avail() { cat "$TYPES/mcrypto-$1/available_instances"; }
cleanup() {
	[ -n "${HOLD_PID:-}" ] && kill -9 "$HOLD_PID" 2> /dev/null
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

load_or_exit "mcrypto: load stack, mdev_sdk and mcrypto" mcrypto
[ -x "$CLIENT" ] || { fail "mcrypto: client" "$CLIENT missing: run make uapi"; exit 1; }

# --- types and pool -----------------------------------------------------------
check "mcrypto: types mcrypto-1 and mcrypto-4" \
	test "$(ls "$TYPES" | tr '\n' ' ')" = "mcrypto-1 mcrypto-4 "
check "mcrypto: pool of 8 units" test "$(avail 1) $(avail 4)" = "8 2"
echo "$U4" > "$TYPES/mcrypto-4/create"
echo "$U1" > "$TYPES/mcrypto-1/create"
check "mcrypto: an mcrypto-4 and an mcrypto-1 take 5 units" \
	test "$(avail 1) $(avail 4)" = "3 0"
check "mcrypto: pinned_pages 0 before open" test "$(pinned "$U1") $(pinned "$U4")" = "0 0"

# --- jobs, unmap, rlimit, on both types ---------------------------------------
for spec in "$U1 1" "$U4 4"; do
	set -- $spec
	client "mcrypto-$2" jobs "$1"
	client "mcrypto-$2" unmap "$1"
	check "mcrypto-$2: pins zero after the clients closed" test "$(pinned "$1")" = 0
done
# The same jobs through the vfio_device cdev and /dev/iommu.
for spec in "$U1 1" "$U4 4"; do
	set -- $spec
	MDEV_SDK_VFIO_PATH=cdev client "cdev.mcrypto-$2" jobs "$1"
	MDEV_SDK_VFIO_PATH=cdev client "cdev.mcrypto-$2" unmap "$1"
	check "cdev.mcrypto-$2: pins zero after the clients closed" test "$(pinned "$1")" = 0
done
client "mcrypto-1" rlimit "$U1"
check "mcrypto-1: pins zero after the rlimit client" test "$(pinned "$U1")" = 0

# --- a client killed mid-job --------------------------------------------------
coproc HOLD { exec timeout 120 "$CLIENT" hold "$U4"; }
read -r -t 60 line <&"${HOLD[0]}"
case "$line" in
READY*)
	# The client's own pid, not timeout's: SIGKILL is not passed on.
	HOLD_PID=$(echo "$line" | cut -d' ' -f2)
	pass "kill: client runs 4 MiB jobs"
	sleep 2
	p=$(pinned "$U4")
	# The ring's pages plus a chunk of a job's source: more than the ring.
	check "kill: job pins visible mid-job ($p pages)" test "$p" -gt 3
	kill -9 "$HOLD_PID"
	wait "$HOLD_PID" 2> /dev/null
	HOLD_PID=
	ok=
	for i in $(seq 1 50); do
		[ "$(pinned "$U4")" = 0 ] && { ok=1; break; }
		sleep 0.2
	done
	check "kill: pins back to zero after SIGKILL" test -n "$ok"
	client "kill: mcrypto-4 after" jobs "$U4"
	;;
*)
	fail "kill: client holds the device" "client said '$line'"
	;;
esac

# --- mdevctl --------------------------------------------------------------------
echo 1 > "/sys/bus/mdev/devices/$U1/remove"
echo 1 > "/sys/bus/mdev/devices/$U4/remove"
check "mcrypto: every unit back" test "$(avail 1) $(avail 4)" = "8 2"
for t in 1 4; do
	u=5c3a9e10-1b2d-4e6f-8a7b-00000000010$t
	check "mdevctl: define mcrypto-$t from its profile" \
		mdevctl define -u "$u" -p mcrypto --jsonfile "$TOP/mdevctl-profiles/mcrypto-$t.json"
	check "mdevctl: start mcrypto-$t" mdevctl start -u "$u"
	check "mdevctl: list shows mcrypto-$t" \
		sh -c "mdevctl list | grep -q '^$u mcrypto mcrypto-$t'"
	check "mdevctl: stop mcrypto-$t" mdevctl stop -u "$u"
	check "mdevctl: undefine mcrypto-$t" mdevctl undefine -u "$u"
done

# --- teardown ----------------------------------------------------------------
check "mcrypto: unload" "$TOP/scripts/unload"
bad=$(klog_bad)
check "mcrypto: clean kernel log" test -z "$bad"
exit $((fails > 0))
