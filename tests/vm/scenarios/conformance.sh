#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: user ABI conformance. Loads the stack with the test
# fixture and the mtty sample (whose INTx goes through the SDK), runs the
# tests/uapi clients (mdev sysfs ABI, then the VFIO container/group/type1/
# device ABI), and checks that everything unloads afterwards. Then the
# client's "abi" cases run once more on Debian's in-kernel vfio,
# vfio_iommu_type1 and mdev with upstream's mtty, and must answer exactly
# as our stack did. The clients print their own PASS/FAIL/SKIP lines; they
# and upstream's mtty.ko must have been built on the host (make uapi;
# bench/build-upstream bench/out/upstream), as the repository is
# read-only here.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
UAPI=$TOP/tests/uapi
UP_MTTY=$TOP/bench/out/upstream/mtty/mtty.ko
OUT=${WORK:-/tmp}
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

for prog in mdev_sysfs vfio_conformance; do
	if [ ! -x "$UAPI/$prog" ]; then
		fail "conformance.built.$prog" "$UAPI/$prog missing: run make uapi on the host"
		exit 1
	fi
done

load_or_exit conformance.load fixture mtty

# Each client bounds its own waits; the timeout is a last resort.
for prog in mdev_sysfs vfio_conformance; do
	timeout --kill-after=5 300 "$UAPI/$prog" > "$OUT/$prog.out" 2>&1
	rc=$?
	cat "$OUT/$prog.out"
	if [ "$rc" = 0 ]; then
		pass "conformance.$prog.exit"
	elif [ "$rc" = 1 ]; then
		# The client printed a FAIL line for each failed check.
		fails=$((fails + 1))
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "conformance.$prog.exit" "killed after 300 s"
	else
		fail "conformance.$prog.exit" "exit status $rc"
	fi
done

left=$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1 -printf '%f ' 2> /dev/null)
if [ -z "$left" ]; then
	pass conformance.no_devices_left
else
	fail conformance.no_devices_left "still present: $left"
fi

if "$TOP/scripts/unload" > /tmp/unload.out 2>&1; then
	pass conformance.unload
else
	fail conformance.unload "$(tail -n 3 /tmp/unload.out | tr '\n' ' ')"
fi
for m in mdev_sdk_fixture mdev_sdk_mtty mdev_sdk mdev_sdk_mdev \
	 mdev_sdk_vfio_iommu_type1 mdev_sdk_vfio mdev_sdk_iommufd; do
	if loaded "$m"; then
		fail "conformance.unloaded.$m" "still loaded"
	else
		pass "conformance.unloaded.$m"
	fi
done
if [ -e /dev/vfio/vfio ] || [ -e /sys/class/mdev_bus ] || [ -e /sys/bus/mdev ]; then
	fail conformance.unloaded.interfaces "/dev/vfio/vfio, class mdev_bus or bus mdev left behind"
else
	pass conformance.unloaded.interfaces
fi

# The same abi.* cases on the in-kernel stack: each answer must be ours.
up_kver=$(modinfo -F vermagic "$UP_MTTY" 2> /dev/null | cut -d' ' -f1)
if [ ! -r "$UP_MTTY" ]; then
	echo "SKIP conformance.abi_in_kernel: $UP_MTTY missing; run bench/build-upstream $TOP/bench/out/upstream on the host"
elif [ "$up_kver" != "$(uname -r)" ]; then
	# The debug kernel has no in-kernel VFIO to compare with.
	echo "SKIP conformance.abi_in_kernel: upstream's mtty.ko is built for $up_kver, this guest runs $(uname -r)"
elif ! { modprobe vfio_iommu_type1 && modprobe mdev &&
	 insmod "$UP_MTTY"; } > "$OUT/in-kernel.load" 2>&1; then
	fail conformance.abi_in_kernel.load "$(tail -n 3 "$OUT/in-kernel.load" | tr '\n' ' ')"
	rmmod mtty 2> /dev/null
	modprobe -r mdev vfio_iommu_type1 vfio 2> /dev/null
else
	u=$(cat /proc/sys/kernel/random/uuid)
	if echo "$u" > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create; then
		timeout --kill-after=5 120 "$UAPI/vfio_conformance" abi "$u" \
			> "$OUT/abi.in-kernel" 2>&1
		sed 's/^/in-kernel: /' "$OUT/abi.in-kernel" | grep -v '^in-kernel: ABI '
		echo 1 > "/sys/bus/mdev/devices/$u/remove"
	else
		fail conformance.abi_in_kernel.create "cannot create an mtty-1"
	fi
	rmmod mtty
	modprobe -r mdev vfio_iommu_type1 vfio
	grep '^ABI ' "$OUT/vfio_conformance.out" > "$OUT/abi.ours"
	grep '^ABI ' "$OUT/abi.in-kernel" > "$OUT/abi.theirs" 2> /dev/null
	if [ -s "$OUT/abi.ours" ] && cmp -s "$OUT/abi.ours" "$OUT/abi.theirs"; then
		pass conformance.abi_in_kernel
	else
		fail conformance.abi_in_kernel "ours < > in-kernel: $(diff "$OUT/abi.ours" "$OUT/abi.theirs" | grep '^[<>]' | tr '\n' ' ')"
	fi
fi

exit $((fails > 0))
