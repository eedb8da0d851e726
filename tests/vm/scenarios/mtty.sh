#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: samples/mtty on mdev-sdk through its real interfaces.
#  - the mdev sysfs types of both mtty types;
#  - mdevctl define/start/list/stop/undefine/types with the JSON profiles;
#  - available_instances accounting across the two types sharing 24 ports;
#  - the VFIO ABI and the emulated UART, driven by tests/uapi/mtty_client;
#  - removing a device while a client holds it: the client gets REQ,
#    closes, and the removal completes;
#  - autostart through the corrected udev rule, if udevd can run here.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
CLIENT=$TOP/tests/uapi/mtty_client
TYPES=/sys/class/mdev_bus/mtty/mdev_supported_types
U1=0d3a1b6e-7c1f-4a55-8e2d-5b1e6f7a0101
U2=0d3a1b6e-7c1f-4a55-8e2d-5b1e6f7a0202
WORK=$(mktemp -d /tmp/mtty.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

avail() { cat "$TYPES/mtty-$1/available_instances"; }
expect_avail() { # name, mtty-1 count, mtty-2 count
	local a1 a2
	a1=$(avail 1)
	a2=$(avail 2)
	if [ "$a1" = "$2" ] && [ "$a2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "available_instances mtty-1 $a1 mtty-2 $a2, expected $2 $3"
	fi
}
uuid_n() { printf '6a7e1c00-0000-4000-8000-%012d' "$1"; }
create() { echo "$2" > "$TYPES/mtty-$1/create"; }
remove() { echo 1 > "/sys/bus/mdev/devices/$1/remove"; }
gone() { [ ! -e "/sys/bus/mdev/devices/$1" ]; }
cleanup() {
	remove_all_mdevs
	[ -n "${UDEVD_PID:-}" ] && kill "$UDEVD_PID" 2> /dev/null
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

load_or_exit "mtty: load stack, mdev_sdk and mtty" mtty

# --- sysfs types ---------------------------------------------------------
check "mtty: parent listed in class mdev_bus" test -d /sys/class/mdev_bus/mtty
check "mtty: type directories are mtty-1 and mtty-2" \
	test "$(ls "$TYPES" | tr '\n' ' ')" = "mtty-1 mtty-2 "
check "mtty: mtty-1 name" grep -qx "Single port serial" "$TYPES/mtty-1/name"
check "mtty: mtty-2 name" grep -qx "Dual port serial" "$TYPES/mtty-2/name"
check "mtty: device_api vfio-pci" grep -qx vfio-pci "$TYPES/mtty-2/device_api"
check "mtty: description" grep -q 16550A "$TYPES/mtty-1/description"
expect_avail "mtty: pool of 24 ports at load" 24 12

# --- mdevctl ----------------------------------------------------------------
mdevctl types > "$WORK/types.out" 2>&1
check "mdevctl: types lists mtty-1 and mtty-2" \
	grep -q "mtty-2" "$WORK/types.out"
check "mdevctl: types reports availability" \
	grep -q "Available instances: 24" "$WORK/types.out"
for t in 1 2; do
	u=$(uuid_n "$t")
	check "mdevctl: define mtty-$t from its profile" \
		mdevctl define -u "$u" -p mtty --jsonfile "$TOP/mdevctl-profiles/mtty-$t.json"
	check "mdevctl: list --defined shows mtty-$t" \
		sh -c "mdevctl list --defined | grep -q '$u mtty mtty-$t auto'"
	check "mdevctl: start mtty-$t" mdevctl start -u "$u"
	check "mdevctl: mtty-$t device exists" test -d "/sys/bus/mdev/devices/$u"
	check "mdevctl: list shows running mtty-$t" \
		sh -c "mdevctl list | grep -q '^$u mtty mtty-$t'"
	if [ "$t" = 1 ]; then
		expect_avail "mdevctl: an mtty-1 takes one port" 23 11
	else
		expect_avail "mdevctl: an mtty-2 takes two more ports" 21 10
	fi
done
check "mdevctl: list --dumpjson" \
	sh -c "mdevctl list --dumpjson | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[0][\"mtty\"]) == 2'"
for t in 1 2; do
	u=$(uuid_n "$t")
	check "mdevctl: stop mtty-$t" mdevctl stop -u "$u"
	check "mdevctl: mtty-$t device gone" gone "$u"
	check "mdevctl: undefine mtty-$t" mdevctl undefine -u "$u"
done
check "mdevctl: nothing defined or running" \
	test -z "$(mdevctl list --defined; mdevctl list)"
expect_avail "mdevctl: all ports back" 24 12

# --- available_instances accounting -----------------------------------------
n=0
for i in $(seq 1 12); do
	create 2 "$(uuid_n $((100 + i)))" && n=$((n + 1))
done
check "accounting: twelve mtty-2 fit in 24 ports" test "$n" = 12
expect_avail "accounting: pool exhausted by mtty-2" 0 0
if create 2 "$(uuid_n 200)" 2> "$WORK/err"; then
	fail "accounting: 13th mtty-2 refused" "creation succeeded"
else
	check "accounting: 13th mtty-2 refused" grep -qi "users\|space\|resource" "$WORK/err"
fi
if create 1 "$(uuid_n 201)" 2> /dev/null; then
	fail "accounting: mtty-1 refused when the pool is empty" "creation succeeded"
else
	pass "accounting: mtty-1 refused when the pool is empty"
fi
remove "$(uuid_n 112)"
expect_avail "accounting: removing an mtty-2 returns two ports" 2 1
create 1 "$(uuid_n 202)"
expect_avail "accounting: one port left after an mtty-1" 1 0
if create 2 "$(uuid_n 203)" 2> /dev/null; then
	fail "accounting: mtty-2 refused with one port left" "creation succeeded"
else
	pass "accounting: mtty-2 refused with one port left"
fi
create 1 "$(uuid_n 204)"
expect_avail "accounting: pool exhausted by mixed types" 0 0
for d in /sys/bus/mdev/devices/*; do
	[ -e "$d/remove" ] && echo 1 > "$d/remove"
done
expect_avail "accounting: every port back after removal" 24 12
check "accounting: duplicate UUID refused" sh -c \
	"echo $U1 > $TYPES/mtty-1/create && ! echo $U1 > $TYPES/mtty-2/create 2> /dev/null"
remove "$U1"

# --- VFIO ABI and the UART --------------------------------------------------
if [ -x "$CLIENT" ]; then
	create 2 "$U2"
	create 1 "$U1"
	for spec in "$U2 2" "$U1 1"; do
		set -- $spec
		timeout 120 "$CLIENT" abi "$1" "$2" | sed "s/^\(PASS\|FAIL\) /\1 mtty-$2 /" |
			tee "$WORK/abi.out" | grep -E '^(PASS|FAIL)'
		grep -q '^FAIL' "$WORK/abi.out" && fails=$((fails + 1))
		timeout 120 "$CLIENT" uart "$1" "$2" | sed "s/^\(PASS\|FAIL\) /\1 mtty-$2 /" |
			tee "$WORK/uart.out" | grep -E '^(PASS|FAIL)'
		grep -q '^FAIL' "$WORK/uart.out" && fails=$((fails + 1))
	done

	# Removal while a client holds the device: REQ, close, removal done.
	coproc REQ { timeout 150 "$CLIENT" req "$U2"; }
	# bash unsets REQ when the client exits; keep our own copy of its fd.
	exec {req_fd}<&"${REQ[0]}"
	req_pid=$REQ_PID
	read -r -t 60 line <&"$req_fd"
	if [ "$line" = "PASS req.arm" ]; then
		read -r -t 60 line <&"$req_fd"
	fi
	if [ "$line" = READY ]; then
		pass "req: client holds the device with REQ armed"
		start=$(date +%s)
		timeout 90 sh -c "echo 1 > /sys/bus/mdev/devices/$U2/remove"
		rc=$?
		secs=$(($(date +%s) - start))
		read -r -t 30 line <&"$req_fd"
		check "req: client got REQ and closed" test "$line" = "PASS req.signalled"
		check "req: removal completed once the client closed (${secs}s)" \
			test "$rc" = 0
		check "req: device gone" gone "$U2"
	else
		fail "req: client holds the device" "client said '$line'"
	fi
	wait "$req_pid" 2> /dev/null
	exec {req_fd}<&-
	remove "$U1"
	expect_avail "req: ports returned after the removals" 24 12

	# A held device pins the driver module: unloading is refused, not hung.
	create 1 "$U1"
	coproc HOLD { timeout 60 "$CLIENT" req "$U1"; }
	exec {hold_fd}<&"${HOLD[0]}"
	hold_pid=$HOLD_PID
	read -r -t 60 line <&"$hold_fd"
	[ "$line" = "PASS req.arm" ] && read -r -t 60 line <&"$hold_fd"
	if rmmod mdev_sdk_mtty 2> /dev/null; then
		fail "req: rmmod refused while a client holds a device" "rmmod succeeded"
	else
		pass "req: rmmod refused while a client holds a device"
	fi
	remove "$U1"
	wait "$hold_pid" 2> /dev/null
	exec {hold_fd}<&-
else
	fail "mtty: client" "$CLIENT missing: run make uapi on the host"
fi

# --- autostart through the corrected udev rule ------------------------------
# First with Debian's packaged rule alone, which calls /usr/sbin/mdevctl and
# so never starts anything; then with ours, installed under the same name in
# /run/udev/rules.d (the guest's /etc is read-only), where it overrides it.
reload_mtty() { rmmod mdev_sdk_mtty && "$TOP/scripts/load" mtty > /dev/null; }
wait_dev() { # uuid, seconds
	local i
	for i in $(seq 1 "$2"); do
		[ -d "/sys/bus/mdev/devices/$1" ] && return 0
		sleep 1
	done
	return 1
}
UDEVD=/lib/systemd/systemd-udevd
if [ -x "$UDEVD" ] && mkdir -p /run/udev/rules.d; then
	"$UDEVD" > "$WORK/udevd.log" 2>&1 &
	UDEVD_PID=$!
	sleep 2
	u=$(uuid_n 300)
	mdevctl define -u "$u" -p mtty --jsonfile "$TOP/mdevctl-profiles/mtty-2.json"
	if ! kill -0 "$UDEVD_PID" 2> /dev/null; then
		echo "SKIP udev: autostart: systemd-udevd does not run here ($(tail -n 1 "$WORK/udevd.log"))"
	else
		reload_mtty
		if wait_dev "$u" 10; then
			echo "SKIP udev: packaged rule: it autostarted the device, Debian's bug is fixed here"
			mdevctl stop -u "$u" > /dev/null 2>&1
		else
			pass "udev: Debian's packaged rule does not autostart (it runs /usr/sbin/mdevctl)"
		fi
		cp "$TOP/scripts/udev/60-mdevctl.rules" /run/udev/rules.d/
		udevadm control --reload 2> /dev/null
		reload_mtty
		check "udev: corrected rule autostarts a defined device" wait_dev "$u" 30
	fi
	mdevctl stop -u "$u" > /dev/null 2>&1
	mdevctl undefine -u "$u" > /dev/null 2>&1
	kill "$UDEVD_PID" 2> /dev/null
	wait "$UDEVD_PID" 2> /dev/null
	UDEVD_PID=
	rm -f /run/udev/rules.d/60-mdevctl.rules
else
	echo "SKIP udev: autostart: no systemd-udevd"
fi

# --- teardown ----------------------------------------------------------------
check "mtty: unload" "$TOP/scripts/unload"
check "mtty: mdev_sdk unloaded" test ! -d /sys/module/mdev_sdk
bad=$(klog_bad)
check "mtty: clean kernel log" test -z "$bad"
exit $((fails > 0))
