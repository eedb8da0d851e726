#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario and `make demo`: an mtty-2 device started by mdevctl from
# its profile is handed to a nested QEMU guest running the same Debian
# kernel, whose stock 8250_pci driver must bind both UARTs and carry an
# interrupt-driven loopback exchange through /dev/ttyS*.
#
# Every step prints one PASS/FAIL/SKIP line; exits non-zero on failure.
# MTTY_NESTED_TIMEOUT bounds the nested guest (default 420 s; it boots in
# 80-100 s on an idle CI machine, but TCG-in-TCG slows badly under load).
set -u
TOP=${MDEV_SDK_TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
KVER=$(uname -r)
UUID=6d6e4b0c-5f3a-4c1e-9d7b-2f8e1a0c3b51
SYSDEV=/sys/bus/mdev/devices/$UUID
WORK=$(mktemp -d /tmp/mtty-nested.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

step() { echo "== $*"; }

cleanup() {
	mdevctl stop -u "$UUID" > /dev/null 2>&1
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

step "loading the VFIO stack, mdev_sdk and mtty"
if "$TOP/scripts/load" mtty > "$WORK/load.out" 2>&1; then
	pass "nested: load stack and mtty"
else
	fail "nested: load stack and mtty" "$(tail -n 3 "$WORK/load.out" | tr '\n' ' ')"
	exit 1
fi

step "mdevctl start -u $UUID -p mtty --jsonfile mdevctl-profiles/mtty-2.json"
if mdevctl start -u "$UUID" -p mtty \
	--jsonfile "$TOP/mdevctl-profiles/mtty-2.json" > "$WORK/start.out" 2>&1 &&
	[ -d "$SYSDEV" ]; then
	pass "nested: mdevctl start mtty-2 from its profile"
else
	fail "nested: mdevctl start mtty-2 from its profile" "$(tr '\n' ' ' < "$WORK/start.out")"
	exit 1
fi
step "mdevctl list"
mdevctl list
step "mdevctl types"
mdevctl types

# The nested guest: Debian's kernel (8250 and 8250_pci are built in) and a
# busybox initramfs whose init runs the loopback test and powers off.
step "building the nested guest's initramfs"
mkdir -p "$WORK/root/bin" "$WORK/root/proc" "$WORK/root/sys" \
	"$WORK/root/dev" "$WORK/root/tmp"
cp /bin/busybox "$WORK/root/bin/busybox"
for a in sh mount cat echo ls readlink basename stty dd timeout sleep \
	 awk grep printf poweroff cmp wc tr; do
	ln -s busybox "$WORK/root/bin/$a"
done
cat > "$WORK/root/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "NESTED $*"; }
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
chmod 0755 "$WORK/root/init"
if (cd "$WORK/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"; then
	pass "nested: busybox initramfs built ($(du -k "$WORK/initrd.gz" | cut -f1) KiB)"
else
	fail "nested: busybox initramfs" "cpio failed"
	exit 1
fi

# Decompressing the xz kernel inside TCG-in-TCG takes over a minute, so
# hand QEMU the uncompressed ELF instead: it boots it through PVH.
kernel=/boot/vmlinuz-$KVER
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n 1 | cut -d: -f1)
if [ -n "$off" ]; then
	tail -c +$((off + 1)) "$kernel" | xz -dc > "$WORK/vmlinux" 2> /dev/null
	[ "$(head -c 4 "$WORK/vmlinux" | od -An -c | tr -d ' ')" = 177ELF ] &&
		kernel=$WORK/vmlinux
fi
echo "nested kernel: $kernel"

step "starting nested qemu-system-x86_64 -accel tcg -m 256 -device vfio-pci,sysfsdev=$SYSDEV"
start=$(date +%s)
timeout --kill-after=10 "${MTTY_NESTED_TIMEOUT:-420}" \
	qemu-system-x86_64 -accel tcg -m 256 -nodefaults -no-user-config \
	-display none -no-reboot -serial stdio \
	-kernel "$kernel" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off cryptomgr.notests 8250.nr_uarts=8" \
	-device vfio-pci,sysfsdev="$SYSDEV" < /dev/null > "$WORK/nested.log" 2>&1
qrc=$?
secs=$(($(date +%s) - start))
tr -d '\r' < "$WORK/nested.log" > "$WORK/nested.txt"
# Keep the nested console log next to the guest's own logs, if there are any.
[ -d /tmp/out ] && cp "$WORK/nested.txt" /tmp/out/nested-console.log
grep -E '^NESTED |qemu-system|vfio|Kernel panic' "$WORK/nested.txt" | sed 's/^/  /'
if [ "$qrc" = 0 ] && grep -q '^NESTED DONE' "$WORK/nested.log"; then
	pass "nested: guest booted, ran and powered off in ${secs}s"
else
	tail -n 30 "$WORK/nested.log" | sed 's/^/  | /'
	fail "nested: guest run" "qemu status $qrc after ${secs}s"
fi
# Re-emit the nested guest's own results as checks of this scenario.
sed -n 's/^NESTED \(PASS\|FAIL\) /\1 /p' "$WORK/nested.txt" > "$WORK/verdicts"
while read -r verdict rest; do
	case "$verdict" in
	PASS) pass "nested guest: $rest" ;;
	FAIL) fail "nested guest: ${rest%%:*}" "${rest#*: }" ;;
	esac
done < "$WORK/verdicts"
for want in "pci" "8250_pci" "loopback" "interrupts"; do
	grep -q "^NESTED PASS $want" "$WORK/nested.txt" ||
		fail "nested guest: $want" "no PASS line from the nested guest"
done

step "mdevctl stop"
if mdevctl stop -u "$UUID" > "$WORK/stop.out" 2>&1 && [ ! -e "$SYSDEV" ]; then
	pass "nested: mdevctl stop"
else
	fail "nested: mdevctl stop" "$(tr '\n' ' ' < "$WORK/stop.out")"
fi

step "unloading"
if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1 && [ ! -d /sys/module/mdev_sdk_mtty ]; then
	pass "nested: unload"
else
	fail "nested: unload" "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
fi

step "checking the kernel log"
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|lockdep|KASAN|hung_task|blocked for more than|circular locking')
if [ -z "$bad" ]; then
	pass "nested: clean kernel log"
else
	fail "nested: clean kernel log" "$(echo "$bad" | head -n 3 | tr '\n' ' ')"
fi
exit $((fails > 0))
