#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: the iommufd user ABI. Loads the stack (scripts/load
# inserts the bundled iommufd, /dev/iommu, ahead of the VFIO core) with the
# test fixture, whose control region makes a device pin pages and do DMA,
# and runs tests/uapi/iommufd_conformance: the /dev/iommu ioctls, the
# vfio_device cdev of a fixture device (bind/attach/detach and its
# exclusion against the group path), and the pinned-memory accounting
# (VmPin/VmLck, RLIMIT_MEMLOCK as nobody, pins of a killed process). Our
# stack must offer /dev/iommu: its absence is a failure, not a skip. Then
# no device, no module and no bad kernel log line may be left.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
CLIENT=$TOP/tests/uapi/iommufd_conformance
WORK=$(mktemp -d /tmp/iommufd.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"
trap cleanup_scenario EXIT

require_or_exit iommufd.client "$CLIENT" "run make uapi on the host"
klog_start=$(dmesg | wc -l)
load_or_exit iommufd.load fixture
if [ -c /dev/iommu ] && loaded mdev_sdk_iommufd; then
	pass iommufd.dev_iommu
else
	fail iommufd.dev_iommu "/dev/iommu $( [ -e /dev/iommu ] && echo present || echo absent), mdev_sdk_iommufd $(loaded mdev_sdk_iommufd && echo loaded || echo 'not loaded') after scripts/load"
	exit 1
fi

# The client bounds each section with its own watchdog.
run_client iommufd 600 "" "$CLIENT"

check_no_devices_left iommufd.no_devices_left || remove_all_mdevs
check iommufd.unload "$TOP/scripts/unload"
for m in mdev_sdk_fixture mdev_sdk_iommufd mdev_sdk_vfio; do
	if loaded "$m"; then
		fail "iommufd.unloaded.$m" "still loaded"
	else
		pass "iommufd.unloaded.$m"
	fi
done
if [ -e /dev/iommu ]; then
	fail iommufd.unloaded.dev_iommu "/dev/iommu left behind"
else
	pass iommufd.unloaded.dev_iommu
fi
dmesg | tail -n +"$((klog_start + 1))" > "$WORK/klog"
bad=$(klog_bad "$WORK/klog")
if [ -z "$bad" ]; then
	pass iommufd.clean_kernel_log
else
	fail iommufd.clean_kernel_log "$(echo "$bad" | head -n 3 | tr '\n' ' ')"
fi
exit $((fails > 0))
