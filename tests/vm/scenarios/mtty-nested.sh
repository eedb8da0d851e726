#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario and `make demo`: an mtty-2 device started by mdevctl from
# its profile is handed to a nested QEMU guest running the same Debian
# kernel, whose stock 8250_pci driver must bind both UARTs and carry an
# interrupt-driven loopback exchange through /dev/ttyS*.
#
# mtty-nested.sh [CLIENT...]: the clients (nested.sh's nested_client) run
# one after another on the same device; by default Debian 12's QEMU 7.2
# over the container, then QEMU 10.0 over iommufd and the vfio_device cdev,
# then QEMU 10.0 over the container. `make demo` runs QEMU 7.2 only.
#
# Every step prints one PASS/FAIL/SKIP line; exits non-zero on failure.
# MTTY_NESTED_TIMEOUT bounds the nested guest (default 420 s; it boots in
# 80-100 s on an idle CI machine, but TCG-in-TCG slows badly under load).
# vm-timeout: 1500
set -u
TOP=${MDEV_SDK_TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
UUID=6d6e4b0c-5f3a-4c1e-9d7b-2f8e1a0c3b51
SYSDEV=/sys/bus/mdev/devices/$UUID
WORK=$(mktemp -d /tmp/mtty-nested.XXXXXX)
fails=0
CLIENTS=("$@")
[ ${#CLIENTS[@]} -gt 0 ] || CLIENTS=(qemu7.2 qemu10-iommufd qemu10-container)
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"
# shellcheck source=../nested.sh
. "$TOP/tests/vm/nested.sh"

nested_start mtty mtty-2
step "mdevctl list"
mdevctl list
step "mdevctl types"
mdevctl types

# The nested guest: Debian's kernel (8250 and 8250_pci are built in) and a
# busybox initramfs whose init runs the loopback test and powers off.
step "building the nested guest's initramfs"
nested_rootfs ls readlink basename stty dd timeout sleep awk grep printf \
	cmp wc tr cut sed
nested_init <<'INIT'
say "INFO init started at $(cut -d' ' -f1 /proc/uptime)s of nested uptime"
irq_count() {
	awk -v irq="$1:" '$1 == irq { s = 0
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
		print s }' /proc/interrupts
}
dev=""
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x4348 ] && [ "$(cat "$d/device")" = 0x3253 ]; then
		dev=$d
	fi
done
if [ -z "$dev" ]; then
	say "FAIL pci: no 4348:3253 function"
	poweroff -f
fi
say "PASS pci: 4348:3253 class $(cat "$dev/class") at $(basename "$dev")"
drv=$(basename "$(readlink "$dev/driver")")
ttys=$(ls "$dev/tty" 2> /dev/null)
n=$(echo $ttys | wc -w)
if [ "$drv" = serial ] && [ "$n" = 2 ]; then
	say "PASS 8250_pci: driver $drv bound $n ports: $(echo $ttys)"
else
	say "FAIL 8250_pci: driver '$drv' bound $n ports"
fi
irq=$(cat "$dev/irq")
for t in $ttys; do
	msg="mdev-sdk loopback through $t: 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	exec 3<> "/dev/$t"
	stty raw -echo -ixon -ixoff 115200 <&3
	before=$(irq_count "$irq")
	printf '%s' "$msg" >&3
	timeout 30 dd bs=1 count=${#msg} <&3 > "/tmp/$t.in" 2> /dev/null
	after=$(irq_count "$irq")
	exec 3<&-
	got=$(cat "/tmp/$t.in")
	if [ "$got" = "$msg" ]; then
		say "PASS loopback $t: ${#msg} bytes came back intact, irq $irq count $before -> $after"
	else
		say "FAIL loopback $t: sent ${#msg} bytes, got ${#got}: '$got'"
	fi
	if [ "${after:-0}" -gt "${before:-0}" ]; then
		say "PASS interrupts $t: irq $irq fired $((after - before)) times"
	else
		say "FAIL interrupts $t: irq $irq count $before -> $after"
	fi
done
grep -E "ttyS|serial" /proc/tty/driver/serial 2> /dev/null | grep -v "uart:unknown" | sed 's/^/NESTED info /'
say "INFO tests done at $(cut -d' ' -f1 /proc/uptime)s of nested uptime"
say "DONE"
poweroff -f
INIT
nested_initramfs "busybox initramfs"
nested_kernel

# Each client boots the nested guest in turn on the same device.
for client in "${CLIENTS[@]}"; do
	nested_client "$client" || continue
	step "starting nested $client -accel tcg -m 256 ${NESTED_VFIO[*]}"
	nested_qemu -append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off cryptomgr.notests 8250.nr_uarts=8" \
		"${NESTED_VFIO[@]}"
	# The init powers off right after DONE.
	if nested_wait DONE "${MTTY_NESTED_TIMEOUT:-420}"; then
		nested_reap 60
	else
		nested_reap 0
	fi
	nested_log "nested-$client"
	if [ "$NESTED_RC" = 0 ] && grep -q '^NESTED DONE' "$WORK/nested.txt"; then
		pass "nested$NESTED_TAG: guest booted, ran and powered off in ${NESTED_SECS}s"
	else
		tail -n 30 "$WORK/nested.txt" | sed 's/^/  | /'
		fail "nested$NESTED_TAG: guest run" "qemu status $NESTED_RC after ${NESTED_SECS}s"
	fi
	nested_verdicts pci 8250_pci loopback interrupts
done
nested_finish mdev_sdk_mtty
exit $((fails > 0))
