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
