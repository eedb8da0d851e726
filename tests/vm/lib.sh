# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the guest scenarios, sourced after "fails=0" (and after
# WORK is set, where a scenario has a scratch directory). Each prints one
# line in the PASS/FAIL protocol tests/check counts.

# Where the running kernel's modules are, by scripts/load's rule: the
# per-kernel build make made in out/RELEASE/ (the debug kernel's), else
# the checkout. Set when sourced from a scenario, which sets TOP first.
if [ -n "${TOP:-}" ]; then
	MODTOP=$TOP
	[ -d "$TOP/out/$(uname -r)" ] && MODTOP="$TOP/out/$(uname -r)"
fi

# Kernel log lines that fail a run; tests/vm/run applies the same list to
# the whole boot. A lockdep kernel's boot banner names lockdep: no report.
KLOG_BAD='WARNING:|BUG:|Oops|lockdep|KASAN|hung_task|blocked for more than|Kernel panic|general protection fault|UBSAN:|possible recursive locking|circular locking|ODEBUG:|suspected memory leak'
KLOG_BANNER='RCU lockdep checking is enabled'
klog_bad() { # [FILE]: the bad lines of FILE, or of dmesg
	if [ $# -gt 0 ]; then cat "$1"; else dmesg; fi |
		grep -E "$KLOG_BAD" | grep -Ev "$KLOG_BANNER"
}

# Slab figures that mean something: the reclaimable caches dropped, and
# every cache shrunk, which flushes the per-CPU slabs (whose free objects
# /proc/slabinfo counts as active) and, on a KASAN kernel, the quarantine
# of freed objects.
slab_settle() {
	local c
	sync
	echo 3 > /proc/sys/vm/drop_caches
	sleep 1
	for c in /sys/kernel/slab/*/shrink; do
		echo 1 > "$c" 2> /dev/null
	done
}

# Active objects of every kmalloc cache, settled. Dropped dentries and
# inodes free some of their kmalloc memory only after an RCU grace
# period, which a debug kernel under TCG can stretch past the settle, so
# settle again until two figures agree within 1% (at most five times).
kmalloc_objects() {
	local n prev=-1 i
	for i in 1 2 3 4 5; do
		slab_settle
		n=$(awk 'NR > 2 && $1 ~ /^kmalloc-/ { n += $2 } END { print n + 0 }' /proc/slabinfo)
		[ "$prev" -ge 0 ] && [ $(( (n - prev) * (n - prev) * 10000 )) -le $((prev * prev)) ] && break
		prev=$n
		sleep 1
	done
	echo "$n"
}

pass() { echo "PASS $1"; }

fail() { # name, reason
	echo "FAIL $1: $2"
	fails=$((fails + 1))
}

check() { # name, command...: PASS if the command succeeds
	local name=$1 out="${WORK:-/tmp}/check.out"
	shift
	if "$@" > "$out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -n 3 "$out" | tr '\n' ' ')"
	fi
}

loaded() { [ -d "/sys/module/$1" ]; }

remove_all_mdevs() { # every mediated device, quietly: for cleanup traps
	local d
	for d in /sys/bus/mdev/devices/*; do
		[ -e "$d/remove" ] && echo 1 > "$d/remove" 2> /dev/null
	done
}

load_or_exit() { # name, scripts/load arguments...: PASS, or FAIL and exit 1
	local name=$1 out="${WORK:-/tmp}/load.out"
	shift
	if "$TOP/scripts/load" "$@" > "$out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -n 3 "$out" | tr '\n' ' ')"
		"$TOP/scripts/unload" > /dev/null 2>&1
		exit 1
	fi
}

run_client() { # name, limit (s), note, command...: the command's status
	# Runs a client under timeout(1) and says how long it took. A client
	# that is killed (by the timeout, or by a signal) gets a FAIL line
	# name.exit, the note in parentheses after the reason if there is
	# one; one that just exits non-zero has printed its own FAIL lines
	# and counts as a failure.
	local name=$1 limit=$2 note=${3:+ ($3)} start rc
	shift 3
	start=$(date +%s)
	timeout --kill-after=10 "$limit" "$@"
	rc=$?
	echo "INFO $name: run took $(($(date +%s) - start)) s"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "$name.exit" "killed after $limit s$note"
	elif [ "$rc" -gt 128 ]; then
		fail "$name.exit" "killed by signal $((rc - 128))$note"
	elif [ "$rc" != 0 ]; then
		fails=$((fails + 1))
	fi
	return "$rc"
}

check_no_devices_left() { # name: PASS if no mediated device is left, else FAIL and status 1
	local left
	left=$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1 -printf '%f ' 2> /dev/null)
	if [ -z "$left" ]; then
		pass "$1"
	else
		fail "$1" "still present: $left"
		return 1
	fi
}

cleanup_scenario() { # the usual EXIT trap: no device, no module, no $WORK left
	remove_all_mdevs
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}

require_or_exit() { # name, file, how to build it: FAIL and exit 1 if the file is missing
	[ -e "$2" ] && return 0
	fail "$1" "$2 missing: $3"
	exit 1
}
