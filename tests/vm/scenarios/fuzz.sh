#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: a seeded random sweep of bad input (tests/uapi/fuzz_sweep)
# over the container, group and device fds and the sysfs create/remove
# files of every parent present: the fixture, mtty, and mbochs, mdpy and
# mcrypto when they are built. FUZZ_SEED (default: the client's fixed seed)
# and FUZZ_COUNT (inputs per parent, default 40000) make a run reproducible
# or longer. The rig fails the run on any WARN/BUG/Oops in the kernel log.
set -u
TOP=$(cd "$(dirname "$0")/../../.." && pwd)
BIN=$TOP/tests/uapi/fuzz_sweep
WORK=$(mktemp -d /tmp/fuzz.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

cleanup() {
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -x "$BIN" ]; then
	fail fuzz.built "$BIN missing: run make uapi on the host"
	exit 1
fi
load_or_exit "fuzz.load: fixture mtty" fixture mtty
# Samples written in parallel: swept when built and loadable, else skipped.
for s in mbochs mdpy mcrypto; do
	if ! ls "$TOP/samples/$s/"*.ko > /dev/null 2>&1; then
		echo "SKIP fuzz.$s: samples/$s is not built"
	elif ! "$TOP/scripts/load" "$s" > "$WORK/load.out" 2>&1; then
		echo "SKIP fuzz.$s: does not load: $(tail -n 1 "$WORK/load.out")"
	fi
done

start=$(date +%s)
timeout --kill-after=5 400 "$BIN" "${FUZZ_SEED:-}" "${FUZZ_COUNT:-}"
rc=$?
echo "INFO fuzz: sweep took $(($(date +%s) - start)) s"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	fail fuzz.exit "killed after 400 s"
elif [ "$rc" != 0 ]; then
	fails=$((fails + 1))
fi

left=$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1 -printf '%f ' 2> /dev/null)
if [ -z "$left" ]; then
	pass fuzz.no_devices_left
else
	fail fuzz.no_devices_left "still present: $left"
fi
if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1; then
	pass fuzz.unload
else
	fail fuzz.unload "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
fi
exit $((fails > 0))
