#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: lifecycle races under load (tests/uapi/stress_lifecycle).
#  - one creator and four removers of mtty-1 devices for STRESS_SECS;
#  - REQ and held removal, repeated while the churn runs;
#  - clients SIGKILLed while holding fixture pins: pins and locked_vm back;
#  - mtty unloaded in the middle of a create/remove storm;
#  - slab and memory counters back to their baseline after each phase.
# STRESS_SECS (default 30) bounds each churn phase, STRESS_ROUNDS (default
# 4) the req and killpin rounds, STRESS_SLAB_TOL_KB (default 1024) the
# tolerated growth of unreclaimable slab across a phase.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BIN=$TOP/tests/uapi/stress_lifecycle
SECS=${STRESS_SECS:-30}
ROUNDS=${STRESS_ROUNDS:-4}
TOL_KB=${STRESS_SLAB_TOL_KB:-1024}
MTTY1=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1
WORK=$(mktemp -d /tmp/stress.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

cleanup() {
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# Run the client bounded in time; its PASS/FAIL lines go to stdout.
run() { # seconds, args...
	local t=$1 rc
	shift
	timeout --kill-after=5 "$t" "$BIN" "$@"
	rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "stress.$1.exit" "killed after $t s"
	elif [ "$rc" != 0 ]; then
		fails=$((fails + 1))
	fi
	return "$rc"
}

# "SUnreclaim Slab MemFree kmalloc-objects", kB but the last, settled
# (lib.sh's kmalloc_objects).
snapshot() {
	local k
	k=$(kmalloc_objects)
	awk -v k="$k" '/^SUnreclaim:/ { u = $2 } /^Slab:/ { s = $2 }
		/^MemFree:/ { f = $2 } END { print u, s, f, k }' /proc/meminfo
}
# name, "before" snapshot, "after" snapshot
compare() {
	local u0 s0 f0 k0 u1 s1 f1 k1 du
	read -r u0 s0 f0 k0 <<< "$2"
	read -r u1 s1 f1 k1 <<< "$3"
	du=$((u1 - u0))
	echo "INFO $1: SUnreclaim $u0 -> $u1 kB, Slab $s0 -> $s1 kB, MemFree $f0 -> $f1 kB, kmalloc objects $k0 -> $k1"
	if [ "$du" -le "$TOL_KB" ] && [ $((f0 - f1)) -le $((4 * TOL_KB)) ]; then
		pass "$1: SUnreclaim ${du} kB (tolerance $TOL_KB), MemFree $((f1 - f0)) kB"
	else
		fail "$1" "SUnreclaim grew by $du kB, MemFree by $((f1 - f0)) kB (tolerance $TOL_KB / $((4 * TOL_KB)) kB)"
	fi
}

if [ ! -x "$BIN" ]; then
	fail stress.built "$BIN missing: run make uapi on the host"
	exit 1
fi
load_or_exit stress.load fixture mtty

# --- create/remove churn --------------------------------------------------
start=$(date +%s)
run 60 churn "$MTTY1" 3 > /dev/null	# warm-up: caches, sysfs, kobjects
base=$(snapshot)
run $((SECS + 60)) churn "$MTTY1" "$SECS"
compare stress.churn.memory "$base" "$(snapshot)"
echo "INFO stress.churn: phase took $(($(date +%s) - start)) s"

# --- held removal with REQ, under the churn ---------------------------------
start=$(date +%s)
run 120 req 1 > /dev/null
base=$(snapshot)
"$BIN" churn "$MTTY1" "$SECS" > "$WORK/bg.out" 2>&1 &
bg=$!
run $((ROUNDS * 100)) req "$ROUNDS"
kill -TERM "$bg" 2> /dev/null
wait "$bg"
grep -E '^(PASS|FAIL)' "$WORK/bg.out" | sed 's/^\(PASS\|FAIL\) stress.churn/\1 stress.req.background_churn/'
grep -q '^FAIL' "$WORK/bg.out" && fails=$((fails + 1))
compare stress.req.memory "$base" "$(snapshot)"
echo "INFO stress.req: phase took $(($(date +%s) - start)) s"

# --- SIGKILL while pinning ----------------------------------------------------
start=$(date +%s)
run 120 killpin 1 > /dev/null
base=$(snapshot)
run $((ROUNDS * 60)) killpin "$ROUNDS"
compare stress.killpin.memory "$base" "$(snapshot)"
echo "INFO stress.killpin: phase took $(($(date +%s) - start)) s"

# --- rmmod of the parent mid-storm ---------------------------------------------
start=$(date +%s)
"$BIN" storm "$MTTY1" $((SECS + 30)) > "$WORK/storm.out" 2>&1 &
storm=$!
sleep $((SECS / 3 + 1))
t0=$(date +%s)
timeout 90 rmmod mdev_sdk_mtty 2> "$WORK/rmmod.err"
rc=$?
secs=$(($(date +%s) - t0))
if [ "$rc" = 0 ]; then
	pass "stress.storm.rmmod: unloaded mid-storm in ${secs}s"
	sleep 2
	if (echo 5ca1ab1e-0000-4000-8000-000000000099 > "$MTTY1/create") 2> "$WORK/create.err"; then
		fail stress.storm.create_after_rmmod "creation succeeded"
	elif grep -q "No such file" "$WORK/create.err"; then
		pass stress.storm.create_after_rmmod_enoent
	else
		fail stress.storm.create_after_rmmod "$(cat "$WORK/create.err")"
	fi
elif [ "$rc" = 124 ]; then
	fail stress.storm.rmmod "rmmod hung for 90 s"
else
	pass "stress.storm.rmmod: refused while in use ($(tr '\n' ' ' < "$WORK/rmmod.err"))"
fi
kill -TERM "$storm" 2> /dev/null
wait "$storm"
grep -E '^(PASS|FAIL|INFO)' "$WORK/storm.out"
grep -q '^FAIL' "$WORK/storm.out" && fails=$((fails + 1))
if loaded mdev_sdk_mtty; then
	remove_all_mdevs
	if timeout 60 rmmod mdev_sdk_mtty; then
		pass stress.storm.rmmod_after_storm
	else
		fail stress.storm.rmmod_after_storm "rmmod failed or hung"
	fi
fi
left=$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1 -printf '%f ' 2> /dev/null)
if [ -z "$left" ]; then
	pass stress.storm.no_devices_left
else
	fail stress.storm.no_devices_left "still present: $left"
fi
echo "INFO stress.storm: phase took $(($(date +%s) - start)) s"

# --- teardown -------------------------------------------------------------------
if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1; then
	pass stress.unload
else
	fail stress.unload "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
fi
for m in mdev_sdk_mtty mdev_sdk_fixture mdev_sdk mdev_sdk_mdev \
	mdev_sdk_vfio_iommu_type1 mdev_sdk_vfio mdev_sdk_iommufd; do
	loaded "$m" && fail "stress.unloaded.$m" "still loaded"
done
exit $((fails > 0))
