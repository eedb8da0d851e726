#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: samples/mbochs on mdev-sdk.
#  - the sysfs types mbochs-1/-2/-3 and their descriptions;
#  - mdevctl define/start/stop/undefine with the JSON profile of each type;
#  - available_instances accounting from the 256 MiB video memory pool;
#  - the display ABI of one device of each type, driven by
#    tests/uapi/mbochs_client: BAR2 modes, BAR0 mmap, plane queries,
#    dma-buf import and compare, EDID region, a dma-buf outliving the device.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
CLIENT=$TOP/tests/uapi/mbochs_client
TYPES=/sys/class/mdev_bus/mbochs/mdev_supported_types
WORK=$(mktemp -d /tmp/mbochs.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

avail() { cat "$TYPES/mbochs-$1/available_instances"; }
expect_avail() { # name, counts of mbochs-1 -2 -3
	local got
	got="$(avail 1) $(avail 2) $(avail 3)"
	if [ "$got" = "$2 $3 $4" ]; then
		pass "$1"
	else
		fail "$1" "available_instances $got, expected $2 $3 $4"
	fi
}
uuid_n() { printf '3b0c5000-0000-4000-8000-%012d' "$1"; }
create() { echo "$2" > "$TYPES/mbochs-$1/create"; }
remove() { echo 1 > "/sys/bus/mdev/devices/$1/remove"; }
cleanup() {
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

load_or_exit "mbochs: load stack, mdev_sdk and mbochs" mbochs

# --- sysfs types ---------------------------------------------------------
check "mbochs: parent listed in class mdev_bus" test -d /sys/class/mdev_bus/mbochs
check "mbochs: type directories are mbochs-1..3" \
	test "$(ls "$TYPES" | tr '\n' ' ')" = "mbochs-1 mbochs-2 mbochs-3 "
for t in 1 2 3; do
	check "mbochs: mbochs-$t has a description" \
		grep -q "video memory" "$TYPES/mbochs-$t/description"
done
check "mbochs: device_api vfio-pci" grep -qx vfio-pci "$TYPES/mbochs-1/device_api"
# The pool is 256 MiB; types take 4, 16 and 64 MiB.
expect_avail "mbochs: 256 MiB pool at load" 64 16 4

# --- mdevctl ----------------------------------------------------------------
for t in 1 2 3; do
	u=$(uuid_n "$t")
	check "mdevctl: define mbochs-$t from its profile" \
		mdevctl define -u "$u" -p mbochs --jsonfile "$TOP/mdevctl-profiles/mbochs-$t.json"
	check "mdevctl: start mbochs-$t" mdevctl start -u "$u"
	check "mdevctl: list shows running mbochs-$t" \
		sh -c "mdevctl list | grep -q '^$u mbochs mbochs-$t'"
done
expect_avail "mdevctl: 84 MiB taken by one of each" 43 10 2
for t in 1 2 3; do
	u=$(uuid_n "$t")
	check "mdevctl: stop mbochs-$t" mdevctl stop -u "$u"
	check "mdevctl: undefine mbochs-$t" mdevctl undefine -u "$u"
done
expect_avail "mdevctl: pool back" 64 16 4

# --- available_instances accounting -----------------------------------------
n=0
for i in 1 2 3 4; do
	create 3 "$(uuid_n $((100 + i)))" && n=$((n + 1))
done
check "accounting: four mbochs-3 fit in 256 MiB" test "$n" = 4
expect_avail "accounting: pool exhausted" 0 0 0
if create 3 "$(uuid_n 105)" 2> "$WORK/err"; then
	fail "accounting: fifth mbochs-3 refused with EUSERS" "creation succeeded"
else
	check "accounting: fifth mbochs-3 refused with EUSERS" \
		grep -qi "too many users" "$WORK/err"
fi
if create 1 "$(uuid_n 106)" 2> /dev/null; then
	fail "accounting: mbochs-1 refused when the pool is empty" "creation succeeded"
else
	pass "accounting: mbochs-1 refused when the pool is empty"
fi
remove "$(uuid_n 104)"
expect_avail "accounting: removing an mbochs-3 returns 64 MiB" 16 4 1
remove_all_mdevs
expect_avail "accounting: everything back" 64 16 4

# --- display ABI, one device per type ----------------------------------------
if [ -x "$CLIENT" ]; then
	for t in 1 2 3; do
		u=$(uuid_n $((200 + t)))
		create "$t" "$u"
		timeout 120 "$CLIENT" "$u" | sed "s/^\(PASS\|FAIL\|SKIP\) /\1 mbochs-$t /" |
			tee "$WORK/client.out" | grep -E '^(PASS|FAIL|SKIP)'
		grep -q '^FAIL' "$WORK/client.out" && fails=$((fails + 1))
		check "client: mbochs-$t checks ran to the end" \
			grep -q "PASS mbochs-$t outlive.writable_after_remove" "$WORK/client.out"
	done
	# The same client through the vfio_device cdev and /dev/iommu.
	u=$(uuid_n 210)
	create 1 "$u"
	MDEV_SDK_VFIO_PATH=cdev timeout 120 "$CLIENT" "$u" |
		sed "s/^\(PASS\|FAIL\|SKIP\) /\1 cdev.mbochs-1 /" |
		tee "$WORK/client.out" | grep -E '^(PASS|FAIL|SKIP)'
	grep -q '^FAIL' "$WORK/client.out" && fails=$((fails + 1))
	check "client: cdev.mbochs-1 checks ran to the end" \
		grep -q "PASS cdev.mbochs-1 outlive.writable_after_remove" "$WORK/client.out"
	expect_avail "client: pool back after the client removed its devices" 64 16 4
else
	fail "mbochs: client" "$CLIENT missing: run make uapi on the host"
fi

# --- teardown ----------------------------------------------------------------
check "mbochs: unload" "$TOP/scripts/unload"
bad=$(klog_bad)
check "mbochs: clean kernel log" test -z "$bad"
exit $((fails > 0))
