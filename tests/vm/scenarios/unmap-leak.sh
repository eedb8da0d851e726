#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: a driver that keeps its pins after dma_unmap (the
# fixture's leak_on_unmap parameter). type1 must fail the unmap with
# EBUSY, keep its state and name the driver in a warning; the kernel must
# not BUG. A user can drive an unmap down that path, so the warning is a
# plain ratelimited log line, never a WARN (tests/vm/run rejects one).
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
fails=0

if ! "$TOP/scripts/load" fixture > /tmp/load.out 2>&1; then
	echo "FAIL unmap-leak: load: $(tail -n 3 /tmp/load.out | tr '\n' ' ')"
	exit 1
fi
timeout --kill-after=5 300 "$TOP/tests/uapi/unmap_leak" || fails=$((fails + 1))
if dmesg | grep -qE 'dma_unmap left IOVA range 0x[0-9a-f]+-0x[0-9a-f]+ pinned; unmap refused'; then
	echo "PASS unmap-leak: type1 named the driver that kept its pins"
else
	echo "FAIL unmap-leak: no warning from type1 for the leaking driver"
	fails=$((fails + 1))
fi
if "$TOP/scripts/unload"; then
	echo "PASS unmap-leak: stack unloads after the leak was cleared"
else
	echo "FAIL unmap-leak: unload refused"
	fails=$((fails + 1))
fi
exit $((fails > 0))
