#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: the bundled stack loads and unloads cleanly, module
# refcounts refuse unloading a module in use, and loading next to the
# in-tree VFIO stack is refused with a clear message.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"
not() { ! "$@"; }

check "modules: scripts/load loads the stack" "$TOP/scripts/load"
for m in mdev_sdk_iommufd mdev_sdk_vfio mdev_sdk_vfio_iommu_type1 mdev_sdk_mdev; do
	check "modules: $m loaded" loaded "$m"
done
check "modules: /dev/vfio/vfio exists" test -c /dev/vfio/vfio
check "modules: /dev/iommu exists" test -c /dev/iommu
check "modules: bus mdev registered" test -d /sys/bus/mdev
check "modules: class mdev_bus registered" test -d /sys/class/mdev_bus
check "modules: load is idempotent" "$TOP/scripts/load"
check "modules: rmmod of the core refused while type1 uses it" \
	not rmmod mdev_sdk_vfio
check "modules: rmmod of iommufd refused while the core uses it" \
	not rmmod mdev_sdk_iommufd

# An open container fd pins the core through its file operations owner.
exec 9<> /dev/vfio/vfio
check "modules: rmmod refused while a container fd is open" \
	not rmmod mdev_sdk_vfio_iommu_type1 mdev_sdk_vfio
loaded mdev_sdk_vfio_iommu_type1 || "$TOP/scripts/load" > /dev/null
exec 9<&-

check "modules: scripts/unload removes everything" "$TOP/scripts/unload"
for m in mdev_sdk_iommufd mdev_sdk_vfio mdev_sdk_vfio_iommu_type1 mdev_sdk_mdev; do
	check "modules: $m unloaded" not loaded "$m"
done
check "modules: /dev/vfio/vfio gone after unload" not test -e /dev/vfio/vfio
check "modules: /dev/iommu gone after unload" not test -e /dev/iommu

check "modules: load/unload cycle 2" "$TOP/scripts/load"
check "modules: unload cycle 2" "$TOP/scripts/unload"

# The in-tree stack and ours exclude each other.
if modprobe vfio 2> /tmp/modprobe.err && loaded vfio; then
	"$TOP/scripts/load" > /tmp/load.out 2>&1
	rc=$?
	check "modules: load refused while in-tree vfio is loaded" test "$rc" != 0
	check "modules: refusal names the in-tree modules" \
		grep -q "in-tree VFIO stack is loaded: vfio" /tmp/load.out
	check "modules: nothing of ours loaded after the refusal" \
		not loaded mdev_sdk_vfio
	check "modules: insmod behind the script's back fails too" \
		not insmod "$TOP/vfio/mdev_sdk_vfio.ko"
	# modprobe pulled in vfio_iommu_type1 through the in-tree softdep.
	for m in vfio_iommu_type1 vfio_virqfd vfio; do
		loaded "$m" && rmmod "$m"
	done
	check "modules: load works again after the in-tree stack left" \
		"$TOP/scripts/load"
	"$TOP/scripts/unload" > /dev/null
else
	echo "SKIP modules: in-tree refusal: modprobe vfio failed: $(cat /tmp/modprobe.err)"
fi
exit $((fails > 0))
