#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: the concurrent fuzzer (tests/uapi/fuzz_concurrent). Fuzz
# threads share container, group and device fds of the fixture's devices
# and hammer them with random ioctls, preads/pwrites, mmaps, DMA maps and
# closes/re-opens, while other threads create and remove the devices
# through sysfs and unload and reload the fixture module; one more thread
# creates the same UUIDs under mtty-1, so the two parents race for them.
#
# FUZZ_SEED (default: a fresh one, printed), FUZZ_SECS (default 30),
# FUZZ_THREADS (default 4) and FUZZ_OPS (per fuzz thread, default no limit)
# tune a run; the client's own watchdog (3 x FUZZ_SECS + 120 s) turns a hang
# into a FAIL line and this script's timeout is above that, so a slow debug
# kernel only makes the run longer. Afterwards no device may be left and
# every module must unload; the rig fails the run on any WARN/BUG/lockdep/
# KASAN line in the kernel log.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BIN=$TOP/tests/uapi/fuzz_concurrent
SECS=${FUZZ_SECS:-30}
THREADS=${FUZZ_THREADS:-4}
SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
WORK=$(mktemp -d /tmp/fuzzc.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

FIXTURE_KO=$MODTOP/tests/fixture/mdev_sdk_fixture.ko

trap cleanup_scenario EXIT
require_or_exit fuzzc.built "$BIN" "run make uapi on the host"
require_or_exit fuzzc.built "$FIXTURE_KO" "run make modules"
load_or_exit "fuzzc.load: fixture mtty" fixture mtty
MTTY1=/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1

args=(--seed "$SEED" --seconds "$SECS" --threads "$THREADS" --module "$FIXTURE_KO"
	--xparent "$MTTY1")
[ -n "${FUZZ_OPS:-}" ] && args+=(--ops "$FUZZ_OPS")
limit=$((3 * SECS + 120 + 60))
echo "INFO fuzzc: seed $SEED; reproduce with FUZZ_SEED=$SEED FUZZ_SECS=$SECS FUZZ_THREADS=$THREADS"
# A kill at $limit s means the client's own watchdog did not fire.
run_client fuzzc "$limit" "seed $SEED" "$BIN" "${args[@]}"

# Anything left over means a removal never finished or was lost.
check_no_devices_left fuzzc.no_devices_left || remove_all_mdevs
# Held references (module, group, container) would show up here.
check fuzzc.unload timeout 120 "$TOP/scripts/unload"
for m in mdev_sdk_fixture mdev_sdk_mtty mdev_sdk mdev_sdk_mdev \
	mdev_sdk_vfio_iommu_type1 mdev_sdk_vfio mdev_sdk_iommufd; do
	loaded "$m" && fail "fuzzc.unloaded.$m" "still loaded"
done
exit $((fails > 0))
