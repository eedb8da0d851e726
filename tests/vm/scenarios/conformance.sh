#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: user ABI conformance. Loads the stack with the test
# fixture, runs the tests/uapi clients (mdev sysfs ABI, then the VFIO
# container/group/type1/device ABI), and checks that everything unloads
# afterwards. The clients print their own PASS/FAIL/SKIP lines; the
# clients must have been built on the host (make uapi), as the repository
# is read-only here.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
UAPI=$TOP/tests/uapi
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

for prog in mdev_sysfs vfio_conformance; do
	if [ ! -x "$UAPI/$prog" ]; then
		fail "conformance.built.$prog" "$UAPI/$prog missing: run make uapi on the host"
		exit 1
	fi
done

load_or_exit conformance.load fixture

# Each client bounds its own waits; the timeout is a last resort.
for prog in mdev_sysfs vfio_conformance; do
	timeout --kill-after=5 300 "$UAPI/$prog"
	rc=$?
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
for m in mdev_sdk_fixture mdev_sdk_mdev mdev_sdk_vfio_iommu_type1 mdev_sdk_vfio; do
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

exit $((fails > 0))
