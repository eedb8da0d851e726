#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: samples/mdpy on mdev-sdk through its real interfaces.
#  - the sysfs types mdpy-vga, mdpy-xga and mdpy-hd and their attributes;
#  - mdevctl start/list/stop from the JSON profile of every type;
#  - available_instances accounting from the pool of four displays;
#  - the plane ioctl, BAR0 and the pixels, driven by
#    tests/uapi/mdpy_client on one device of every type.
# One PASS/FAIL/SKIP line per check; exits non-zero on failure.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
CLIENT=$TOP/tests/uapi/mdpy_client
TYPES=/sys/class/mdev_bus/mdpy/mdev_supported_types
WORK=$(mktemp -d /tmp/mdpy.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

avail() { cat "$TYPES/mdpy-$1/available_instances"; }
expect_avail() { # name, count every type must report
	local t a got=""
	for t in vga xga hd; do
		a=$(avail $t)
		got="$got $t=$a"
		[ "$a" = "$2" ] || a=bad
		[ "$a" = bad ] && break
	done
	if [ "$a" != bad ]; then
		pass "$1"
	else
		fail "$1" "available_instances$got, expected $2 for every type"
	fi
}
uuid_n() { printf '6d707900-0000-4000-8000-%012d' "$1"; }
create() { echo "$2" > "$TYPES/mdpy-$1/create"; }
remove() { echo 1 > "/sys/bus/mdev/devices/$1/remove"; }
gone() { [ ! -e "/sys/bus/mdev/devices/$1" ]; }
mode() {
	case $1 in
	vga) echo 640 480 ;;
	xga) echo 1024 768 ;;
	hd) echo 1920 1080 ;;
	esac
}
cleanup() {
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

load_or_exit "mdpy: load stack, mdev_sdk and mdpy" mdpy

# --- sysfs types ---------------------------------------------------------
check "mdpy: parent listed in class mdev_bus" test -d /sys/class/mdev_bus/mdpy
check "mdpy: type directories are mdpy-hd, mdpy-vga and mdpy-xga" \
	test "$(ls "$TYPES" | tr '\n' ' ')" = "mdpy-hd mdpy-vga mdpy-xga "
for t in vga xga hd; do
	set -- $(mode $t)
	check "mdpy: mdpy-$t name" grep -qx "mdpy-$t" "$TYPES/mdpy-$t/name"
	check "mdpy: mdpy-$t description names ${1}x$2" \
		grep -q "^${1}x$2 XRGB8888" "$TYPES/mdpy-$t/description"
	check "mdpy: mdpy-$t device_api vfio-pci" \
		grep -qx vfio-pci "$TYPES/mdpy-$t/device_api"
done
expect_avail "mdpy: pool of four displays at load" 4

echo "== sysfs done at $SECONDS s"
# --- mdevctl ----------------------------------------------------------------
mdevctl types > "$WORK/types.out" 2>&1
check "mdevctl: types lists all three types" \
	sh -c "grep -q mdpy-vga '$WORK/types.out' && grep -q mdpy-xga '$WORK/types.out' && grep -q mdpy-hd '$WORK/types.out'"
n=0
for t in vga xga hd; do
	n=$((n + 1))
	u=$(uuid_n "$n")
	check "mdevctl: start mdpy-$t from its profile" \
		mdevctl start -u "$u" -p mdpy --jsonfile "$TOP/mdevctl-profiles/mdpy-$t.json"
	check "mdevctl: list shows running mdpy-$t" \
		sh -c "mdevctl list | grep -q '^$u mdpy mdpy-$t'"
	expect_avail "mdevctl: $n of 4 displays taken" $((4 - n))
done
for n in 1 2 3; do
	u=$(uuid_n "$n")
	check "mdevctl: stop device $n" mdevctl stop -u "$u"
	check "mdevctl: device $n gone" gone "$u"
done
expect_avail "mdevctl: every display back" 4

echo "== mdevctl done at $SECONDS s"
# --- available_instances accounting -----------------------------------------
n=0
for i in 1 2 3 4; do
	t=$(echo "vga xga hd hd" | cut -d' ' -f"$i")
	create "$t" "$(uuid_n $((100 + i)))" && n=$((n + 1))
done
check "accounting: four displays of mixed types fit" test "$n" = 4
expect_avail "accounting: pool exhausted" 0
for t in vga xga hd; do
	if create "$t" "$(uuid_n 200)" 2> "$WORK/err"; then
		fail "accounting: fifth display (mdpy-$t) refused" "creation succeeded"
		remove "$(uuid_n 200)"
	else
		check "accounting: fifth display (mdpy-$t) refused" \
			grep -qi "users" "$WORK/err"
	fi
done
remove "$(uuid_n 103)"
expect_avail "accounting: removing one returns one" 1
for i in 1 2 4; do
	remove "$(uuid_n $((100 + i)))"
done
expect_avail "accounting: every display back after removal" 4

echo "== accounting done at $SECONDS s"
# --- VFIO ABI, the plane and the pixels -------------------------------------
if [ -x "$CLIENT" ]; then
	n=10
	for t in vga xga hd; do
		n=$((n + 1))
		u=$(uuid_n "$n")
		create "$t" "$u"
		timeout 180 "$CLIENT" "$u" $(mode $t) |
			sed "s/^\(PASS\|FAIL\|SKIP\) /\1 mdpy-$t /" |
			tee "$WORK/client.out" | grep -E '^(PASS|FAIL|SKIP)'
		if [ "${PIPESTATUS[0]}" != 0 ] || grep -q '^FAIL' "$WORK/client.out" ||
		   ! grep -q "^PASS mdpy-$t plane.pixels.mmap" "$WORK/client.out"; then
			fails=$((fails + 1))
		fi
		echo "== mdpy-$t client done at $SECONDS s"
		# vga again, through the vfio_device cdev and /dev/iommu.
		if [ "$t" = vga ]; then
			MDEV_SDK_VFIO_PATH=cdev timeout 180 "$CLIENT" "$u" $(mode $t) |
				sed "s/^\(PASS\|FAIL\|SKIP\) /\1 cdev.mdpy-$t /" |
				tee "$WORK/client.out" | grep -E '^(PASS|FAIL|SKIP)'
			if [ "${PIPESTATUS[0]}" != 0 ] || grep -q '^FAIL' "$WORK/client.out" ||
			   ! grep -q "^PASS cdev.mdpy-$t plane.pixels.mmap" "$WORK/client.out"; then
				fails=$((fails + 1))
			fi
		fi
		remove "$u"
		check "mdpy-$t: device removed" gone "$u"
	done
else
	fail "mdpy: client" "$CLIENT missing: run make uapi on the host"
fi

if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1 && [ ! -d /sys/module/mdev_sdk_mdpy ]; then
	pass "mdpy: unload"
else
	fail "mdpy: unload" "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
fi

bad=$(klog_bad)
if [ -z "$bad" ]; then
	pass "mdpy: clean kernel log"
else
	fail "mdpy: clean kernel log" "$(echo "$bad" | head -n 3 | tr '\n' ' ')"
fi
exit $((fails > 0))
