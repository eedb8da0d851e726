# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034 # NESTED_* are read by the scenarios
#
# Shared pieces of the nested-guest scenarios (mtty-nested, mdpy-nested,
# mbochs-nested), sourced after lib.sh with TOP, WORK, UUID and SYSDEV set.
#
# The scenario starts an mdev in this (L1) guest and hands it to a nested
# QEMU that boots the same Debian kernel with a busybox initramfs. The
# nested init reports "NESTED PASS name: detail" or "NESTED FAIL name:
# reason" lines on its serial console; nested_verdicts turns them into
# this scenario's own PASS/FAIL lines, so tests/check counts them.
#
# Installs an EXIT trap that stops the nested QEMU, the mdev and the stack.

NESTED_ROOT=$WORK/root
NESTED_PID=""
NESTED_START=0
NESTED_SECS=0
NESTED_RC=""
# The client: QEMU's command (Debian 12's 7.2, or 10.0 through
# scripts/qemu10) and a tag that names the checks of any client but the
# first, so several clients can share one scenario.
NESTED_QEMU=(qemu-system-x86_64)
NESTED_TAG=""

step() { echo "== $*"; }

nested_cleanup() {
	[ -n "$NESTED_PID" ] && kill "$NESTED_PID" 2> /dev/null &&
		wait "$NESTED_PID" 2> /dev/null
	mdevctl stop -u "$UUID" > /dev/null 2>&1
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap nested_cleanup EXIT

# nested_start SAMPLE PROFILE: load the stack and SAMPLE, then start UUID
# from mdevctl-profiles/PROFILE.json. Nothing else can run without the
# device, so a failure ends the scenario.
nested_start() {
	local sample=$1 profile=$2

	step "loading the VFIO stack, mdev_sdk and $sample"
	if "$TOP/scripts/load" "$sample" > "$WORK/load.out" 2>&1; then
		pass "nested: load stack and $sample"
	else
		fail "nested: load stack and $sample" \
			"$(tail -n 3 "$WORK/load.out" | tr '\n' ' ')"
		exit 1
	fi
	step "mdevctl start -u $UUID -p $sample --jsonfile mdevctl-profiles/$profile.json"
	if mdevctl start -u "$UUID" -p "$sample" \
		--jsonfile "$TOP/mdevctl-profiles/$profile.json" > "$WORK/start.out" 2>&1 &&
		[ -d "$SYSDEV" ]; then
		pass "nested: mdevctl start $profile from its profile"
	else
		fail "nested: mdevctl start $profile from its profile" \
			"$(tr '\n' ' ' < "$WORK/start.out")"
		exit 1
	fi
}

# nested_rootfs APPLET...: the initramfs tree, busybox and the applets the
# nested init uses. The scenario adds its own files under NESTED_ROOT.
nested_rootfs() {
	local a

	mkdir -p "$NESTED_ROOT/bin" "$NESTED_ROOT/proc" "$NESTED_ROOT/sys" \
		"$NESTED_ROOT/dev" "$NESTED_ROOT/tmp"
	cp /bin/busybox "$NESTED_ROOT/bin/busybox"
	for a in sh mount echo cat poweroff "$@"; do
		ln -sf busybox "$NESTED_ROOT/bin/$a"
	done
}

# nested_init < BODY: write /init as the common prologue (pseudo
# filesystems, the "say" reporter) followed by the scenario's body.
nested_init() {
	{
		cat <<-'HEAD'
		#!/bin/sh
		export PATH=/bin
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev
		say() { echo "NESTED $*"; }
		HEAD
		cat
	} > "$NESTED_ROOT/init"
	chmod 0755 "$NESTED_ROOT/init"
}

# nested_initramfs WHAT: pack NESTED_ROOT into WORK/initrd.gz. gzip -1,
# as the nested kernel inflates it under TCG-in-TCG.
nested_initramfs() {
	if (cd "$NESTED_ROOT" && find . | cpio -o -H newc --quiet | gzip -1) \
		> "$WORK/initrd.gz"; then
		pass "nested: $1 built ($(du -k "$WORK/initrd.gz" | cut -f1) KiB)"
	else
		fail "nested: $1" "cpio failed"
		exit 1
	fi
}

# nested_kernel: set NESTED_KERNEL. Decompressing the xz bzImage inside
# TCG-in-TCG takes over a minute, so hand QEMU the uncompressed ELF found
# after the xz magic instead: QEMU boots it through PVH.
nested_kernel() {
	local off

	NESTED_KERNEL=/boot/vmlinuz-$(uname -r)
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$NESTED_KERNEL" |
		head -n 1 | cut -d: -f1)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$NESTED_KERNEL" | xz -dc > "$WORK/vmlinux" 2> /dev/null
		[ "$(head -c 4 "$WORK/vmlinux" | od -An -c | tr -d ' ')" = 177ELF ] &&
			NESTED_KERNEL=$WORK/vmlinux
	fi
	echo "nested kernel: $NESTED_KERNEL"
}

# nested_client CLIENT: set NESTED_QEMU, NESTED_TAG and NESTED_VFIO (the
# -object/-device arguments that hand SYSDEV over) for one client:
#   qemu7.2            Debian 12's QEMU over the group and container
#   qemu10-container   QEMU 10.0 over the group and container
#   qemu10-iommufd     QEMU 10.0 over /dev/iommu and the vfio_device cdev
# The first client's checks keep their plain names. Fails for an unknown
# client, or when QEMU 10.0's prefix was not built on the host (the guest
# sees the host read-only: tests/check and scripts/deps build it).
nested_client() {
	[ -n "${NESTED_FIRST:-}" ] && NESTED_TAG=" ($1)"
	NESTED_FIRST=$1
	NESTED_VFIO=(-device "vfio-pci,sysfsdev=$SYSDEV")
	case "$1" in
	qemu7.2)
		NESTED_QEMU=(qemu-system-x86_64)
		return 0
		;;
	qemu10-container | qemu10-iommufd)
		if ! "$TOP/scripts/qemu10" --cached > /dev/null; then
			fail "nested$NESTED_TAG: QEMU 10.0" "no prefix built (scripts/qemu10 --prefix on the host)"
			return 1
		fi
		# It execs 10.0 with its own modules, ROMs and SeaBIOS.
		NESTED_QEMU=("$TOP/scripts/qemu10" --)
		[ "$1" = qemu10-iommufd ] &&
			NESTED_VFIO=(-object iommufd,id=iommufd0
				-device "vfio-pci,sysfsdev=$SYSDEV,iommufd=iommufd0")
		return 0
		;;
	esac
	fail "nested: client $1" "unknown (qemu7.2, qemu10-container, qemu10-iommufd)"
	return 1
}

# nested_qemu QEMU-ARG...: start the nested guest in the background, its
# serial console in WORK/nested.log and its HMP monitor on WORK/mon.sock
# (see nested_hmp). The scenario adds -append and the vfio-pci device.
nested_qemu() {
	NESTED_START=$(date +%s)
	"${NESTED_QEMU[@]}" -accel tcg -m 256 -nodefaults -no-user-config \
		-display none -no-reboot -serial stdio \
		-monitor unix:"$WORK/mon.sock",server=on,wait=off \
		-kernel "$NESTED_KERNEL" -initrd "$WORK/initrd.gz" "$@" \
		< /dev/null > "$WORK/nested.log" 2>&1 &
	NESTED_PID=$!
}

# nested_wait MARKER TIMEOUT: wait until the nested console shows "NESTED
# MARKER", QEMU exits or TIMEOUT seconds from its start pass. Fails unless
# the marker came. Polls, since QEMU must stay up for the monitor users.
nested_wait() {
	local deadline=$((NESTED_START + $2))

	while ! grep -q "^NESTED $1" "$WORK/nested.log" 2> /dev/null; do
		if [ "$(date +%s)" -ge "$deadline" ] ||
		   ! kill -0 "$NESTED_PID" 2> /dev/null; then
			break
		fi
		sleep 2
	done
	NESTED_SECS=$(($(date +%s) - NESTED_START))
	grep -q "^NESTED $1" "$WORK/nested.log"
}

# nested_hmp COMMAND...: run each HMP command on the nested QEMU's monitor,
# printing its answers, then "quit" it. What the host side of a scenario
# checks in the nested guest's memory or display goes through here, while
# the nested guest waits.
nested_hmp() {
	kill -0 "$NESTED_PID" 2> /dev/null || return 1
	python3 - "$WORK/mon.sock" "$@" <<-'PY' | sed 's/^/  monitor: /'
	import re, socket, sys, time
	s = socket.socket(socket.AF_UNIX)
	s.connect(sys.argv[1])
	s.settimeout(120)
	def until_prompt():
	    buf = b""
	    while not buf.endswith(b"(qemu) "):
	        chunk = s.recv(4096)
	        if not chunk:
	            break
	        buf += chunk
	    return buf.decode(errors="replace")
	until_prompt()
	for cmd in sys.argv[2:]:
	    s.sendall(cmd.encode() + b"\n")
	    # HMP echoes the command with cursor escapes; keep only its answer.
	    out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|\r", "", until_prompt())
	    for line in out.split("\n"):
	        if line.strip() and not line.startswith("(qemu)") and cmd not in line:
	            print(line)
	s.sendall(b"quit\n")
	time.sleep(1)
	PY
}

# nested_reap GRACE: give QEMU GRACE seconds to exit on its own (the
# nested init powers off, or a monitor "quit"), then kill it. Sets
# NESTED_RC to its status, nonzero when it had to be killed.
nested_reap() {
	local deadline=$(($(date +%s) + $1))

	while kill -0 "$NESTED_PID" 2> /dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		sleep 1
	done
	kill "$NESTED_PID" 2> /dev/null
	wait "$NESTED_PID" 2> /dev/null
	NESTED_RC=$?
	NESTED_PID=""
	NESTED_SECS=$(($(date +%s) - NESTED_START))
}

# nested_log NAME [REGEX]: the console without CRs in WORK/nested.txt, a
# copy next to the L1 guest's own logs as NAME-console.log, and the lines
# worth reading in this scenario's output.
nested_log() {
	tr -d '\r' < "$WORK/nested.log" > "$WORK/nested.txt"
	[ -d /tmp/out ] && cp "$WORK/nested.txt" "/tmp/out/$1-console.log"
	grep -E "^NESTED |qemu-system|vfio|Kernel panic${2:+|$2}" "$WORK/nested.txt" |
		sed 's/^/  /'
}

# nested_verdicts NAME...: re-emit the nested guest's results as checks of
# this scenario, and fail each NAME the nested guest never passed (it
# crashed or hung before reporting).
nested_verdicts() {
	local verdict rest want

	sed -n 's/^NESTED \(PASS\|FAIL\) /\1 /p' "$WORK/nested.txt" > "$WORK/verdicts"
	while read -r verdict rest; do
		case "$verdict" in
		PASS) pass "nested guest$NESTED_TAG: $rest" ;;
		FAIL) fail "nested guest$NESTED_TAG: ${rest%%:*}" "${rest#*: }" ;;
		esac
	done < "$WORK/verdicts"
	for want in "$@"; do
		grep -q "^NESTED PASS $want" "$WORK/nested.txt" ||
			fail "nested guest$NESTED_TAG: $want" "no PASS line from the nested guest"
	done
}

# nested_finish MODULE: stop the device, unload the stack (MODULE is the
# sample's module, which must be gone) and check this guest's kernel log.
nested_finish() {
	local bad

	step "mdevctl stop"
	if mdevctl stop -u "$UUID" > "$WORK/stop.out" 2>&1 && [ ! -e "$SYSDEV" ]; then
		pass "nested: mdevctl stop"
	else
		fail "nested: mdevctl stop" "$(tr '\n' ' ' < "$WORK/stop.out")"
	fi
	step "unloading"
	if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1 && ! loaded "$1"; then
		pass "nested: unload"
	else
		fail "nested: unload" "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
	fi
	step "checking the kernel log"
	bad=$(klog_bad)
	if [ -z "$bad" ]; then
		pass "nested: clean kernel log"
	else
		fail "nested: clean kernel log" "$(echo "$bad" | head -n 3 | tr '\n' ' ')"
	fi
}
