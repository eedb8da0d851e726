#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# vm-allow: WARNING: .* at \S*/vfio/type1/dma\.c:[0-9]+ type1_dma_
#
# Guest scenario: a driver that keeps its pins after dma_unmap (the
# fixture's leak_on_unmap parameter). type1 must WARN, fail the unmap and
# keep its state; the kernel must not BUG. tests/check exempts exactly
# that WARN (the vm-allow line above) and this script asserts it fired.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
fails=0

if ! "$TOP/scripts/load" fixture > /tmp/load.out 2>&1; then
	echo "FAIL unmap-leak: load: $(tail -n 3 /tmp/load.out | tr '\n' ' ')"
	exit 1
fi
timeout --kill-after=5 300 "$TOP/tests/uapi/unmap_leak" || fails=$((fails + 1))
if dmesg | grep -qE 'WARNING: .* at \S*/vfio/type1/dma\.c:[0-9]+ type1_dma_'; then
	echo "PASS unmap-leak: type1 WARNed about the driver that kept its pins"
else
	echo "FAIL unmap-leak: no WARN from type1 for the leaking driver"
	fails=$((fails + 1))
fi
if "$TOP/scripts/unload"; then
	echo "PASS unmap-leak: stack unloads after the leak was cleared"
else
	echo "FAIL unmap-leak: unload refused"
	fails=$((fails + 1))
fi
exit $((fails > 0))
