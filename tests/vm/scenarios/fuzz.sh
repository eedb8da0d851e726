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

trap cleanup_scenario EXIT
require_or_exit fuzz.built "$BIN" "run make uapi on the host"
load_or_exit "fuzz.load: fixture mtty" fixture mtty
# Samples written in parallel: swept when built and loadable, else skipped.
for s in mbochs mdpy mcrypto; do
	if ! ls "$TOP/samples/$s/"*.ko > /dev/null 2>&1; then
		echo "SKIP fuzz.$s: samples/$s is not built"
	elif ! "$TOP/scripts/load" "$s" > "$WORK/load.out" 2>&1; then
		echo "SKIP fuzz.$s: does not load: $(tail -n 1 "$WORK/load.out")"
	fi
done

run_client fuzz 400 "" "$BIN" "${FUZZ_SEED:-}" "${FUZZ_COUNT:-}"
check_no_devices_left fuzz.no_devices_left
check fuzz.unload "$TOP/scripts/unload"
exit $((fails > 0))
