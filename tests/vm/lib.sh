# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers of the guest scenarios, sourced after "fails=0" (and after
# WORK is set, where a scenario has a scratch directory). Each prints one
# line in the PASS/FAIL protocol tests/check counts.

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
