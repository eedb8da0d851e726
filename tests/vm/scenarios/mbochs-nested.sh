#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: an mbochs-1 display started by mdevctl from its profile
# is handed to a nested QEMU running the same Debian kernel, whose stock
# bochs DRM driver (drivers/gpu/drm/tiny/bochs.ko, with its dependencies)
# must bind it:
#  - PCI 1234:1111 present and bound to bochs-drm;
#  - /dev/dri/card0, a connected connector with modes;
#  - fbdev emulation's fb0 at 32 bpp;
#  - a pattern written to /dev/fb0 reads back intact, the dispi registers
#    in BAR2 describe the mode, and the pattern is in BAR0 where they say
#    the scanout starts (sampled in the nested guest, then read whole by
#    this guest through the nested QEMU's monitor);
#  - the nested kernel log has no WARNING/BUG/Oops and no probe failure.
#
# No EDID reaches the nested guest: mbochs shows in BAR2 only the blob the
# host writes through the EDID region, and what writes it in QEMU is its
# vfio display support, off here. bochs-drm then offers its built-in
# modes, and fbdev takes the largest that fits in half of mbochs-1's
# 4 MiB (drm_vram_helper's rule): 800x600, not bochs-drm's 1024x768.
#
# The nested QEMU runs with display=off: the dma-buf display path of mbochs
# needs a GL display, which this guest lacks (mbochs.sh and
# tests/uapi/mbochs_client cover the plane and dma-buf ioctls instead).
#
# One PASS/FAIL/SKIP line per check; exits non-zero on failure.
# MBOCHS_NESTED_TIMEOUT bounds the nested guest (default 420 s; it draws
# after 160-190 s on this 2-core machine, more under load).
set -u
TOP=${MDEV_SDK_TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
UUID=6d626f63-5f3a-4c1e-9d7b-2f8e1a0c3b53
SYSDEV=/sys/bus/mdev/devices/$UUID
MODDIR=/lib/modules/$(uname -r)
# Video memory of mbochs-1: any framebuffer of the device fits in it.
VRAM=$((4 << 20))
WORK=$(mktemp -d /tmp/mbochs-nested.XXXXXX)
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"
# shellcheck source=../nested.sh
. "$TOP/tests/vm/nested.sh"

nested_start mbochs mbochs-1

step "building the nested guest's initramfs with bochs and its dependencies"
nested_rootfs ls grep insmod dd sleep cmp head readlink basename dmesg \
	devmem wc cut tr sed
mkdir -p "$NESTED_ROOT/modules"

# Dependencies first: modinfo lists a module's direct dependencies only, so
# walk them depth first and keep each module at its first appearance.
MODS=""
mod_walk() {
	local d

	for d in $(modinfo -F depends "$1" | tr ',' ' '); do
		mod_walk "$d"
	done
	case " $MODS " in
	*" $1 "*) ;;
	*) MODS="$MODS $1" ;;
	esac
}

# Copy a module into the initramfs uncompressed: Debian may ship .ko.xz
# (or .ko.zst), and busybox insmod need not know either.
mod_copy() { # name, file
	local out=$NESTED_ROOT/modules/$1.ko

	case "$2" in
	*.ko) cp "$2" "$out" ;;
	*.ko.xz) xz -dc "$2" > "$out" ;;
	*.ko.zst) zstd -dcq "$2" > "$out" ;;
	*.ko.gz) gzip -dc "$2" > "$out" ;;
	*) return 1 ;;
	esac
}

mods_ok=1
bochs=""
for f in "$MODDIR"/kernel/drivers/gpu/drm/tiny/bochs.ko*; do
	[ -e "$f" ] && bochs=$f
done
if [ -z "$bochs" ]; then
	fail "nested: bochs module" "no $MODDIR/kernel/drivers/gpu/drm/tiny/bochs.ko*"
	exit 1
fi
mod_walk "$bochs"
for m in $MODS; do
	if [ "$m" = "$bochs" ]; then
		name=bochs
		file=$bochs
	else
		name=$m
		file=$(modinfo -n "$m" 2> /dev/null)
	fi
	if [ -n "$file" ] && mod_copy "$name" "$file"; then
		echo "$name" >> "$NESTED_ROOT/modules/order"
		echo "  module $name: $file"
	else
		mods_ok=0
		echo "  module $name: cannot copy '$file'"
	fi
done
if [ "$mods_ok" = 1 ]; then
	order=$(tr '\n' ' ' < "$NESTED_ROOT/modules/order")
	pass "nested: bochs and its dependencies in load order: ${order% }"
else
	fail "nested: bochs and its dependencies" "a module could not be copied"
	exit 1
fi

# The pattern fills mbochs-1's video memory, and every 32-bit word of it
# is distinct, so a shifted, truncated or partly stale copy shows.
python3 - "$NESTED_ROOT/pattern.raw" "$VRAM" <<'PY'
import array, sys
n = int(sys.argv[2]) // 4
words = array.array("I", ((i * 0x9E3779B1 + 0x7F4A7C15) & 0xffffffff
                          for i in range(n)))
if sys.byteorder != "little":
    words.byteswap()
open(sys.argv[1], "wb").write(words.tobytes())
PY

nested_init <<'INIT'
# Without a device, driver or fb0 nothing further can run.
give_up() {
	dmesg | grep -E 'bochs-drm|\[drm|fb0' | sed 's/^/NESTED info /'
	poweroff -f
}
say "INFO init started at $(cut -d' ' -f1 /proc/uptime)s of nested uptime"

loaded=""
for m in $(cat /modules/order); do
	if insmod "/modules/$m.ko"; then
		loaded="$loaded $m"
	else
		say "FAIL insmod: $m did not load"
	fi
done
[ "$loaded" = " $(echo $(cat /modules/order))" ] && say "PASS insmod:$loaded"

dev=""
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x1111 ]; then
		dev=$d
	fi
done
if [ -z "$dev" ]; then
	say "FAIL pci: no 1234:1111 function"
	give_up
fi
bdf=$(basename "$dev")
say "PASS pci: 1234:1111 class $(cat "$dev/class") revision $(cat "$dev/revision") at $bdf"

drv=$(basename "$(readlink "$dev/driver")")
if [ -e "/sys/bus/pci/drivers/bochs-drm/$bdf" ] && [ "$drv" = bochs-drm ]; then
	say "PASS bochs-drm: /sys/bus/pci/drivers/bochs-drm/$bdf, driver bound"
else
	say "FAIL bochs-drm: $bdf has driver '$drv'"
	give_up
fi

if [ -c /dev/dri/card0 ] && [ -d "$dev/drm/card0" ]; then
	say "PASS card0: /dev/dri/card0 ($(cat "$dev/drm/card0/dev")) belongs to $bdf"
else
	say "FAIL card0: no /dev/dri/card0 for $bdf"
fi

for c in /sys/class/drm/card0-*; do
	[ -e "$c/status" ] || continue
	st=$(cat "$c/status")
	n=$(wc -l < "$c/modes")
	edid=$(cat "$c/edid" | wc -c)
	if [ "$st" = connected ] && [ "$n" -gt 0 ]; then
		say "PASS connector $(basename "$c"): $st, $n modes, first $(head -n 4 "$c/modes" | tr '\n' ' ')"
	else
		say "FAIL connector $(basename "$c"): status '$st', $n modes"
	fi
	say "INFO edid $(basename "$c"): $edid bytes"
done
ls -d /sys/class/drm/card0-* > /dev/null 2>&1 || say "FAIL connector: card0 has none"

fb=/sys/class/graphics/fb0
name=$(cat $fb/name 2> /dev/null)
size=$(cat $fb/virtual_size 2> /dev/null)
bpp=$(cat $fb/bits_per_pixel 2> /dev/null)
stride=$(cat $fb/stride 2> /dev/null)
w=${size%,*}
h=${size#*,}
fbdev=$(basename "$(readlink $fb/device)")
case "$name" in
*bochs*) ;;
*) name="" ;;
esac
if [ -n "$name" ] && [ "${w:-0}" -gt 0 ] && [ "${h:-0}" -gt 0 ] &&
   [ "$bpp" = 32 ] && [ "$fbdev" = "$bdf" ]; then
	say "PASS fb0: $name ${w}x$h at $bpp bpp, stride $stride, on $fbdev"
else
	say "FAIL fb0: name '$(cat $fb/name 2> /dev/null)' size '$size' bpp '$bpp' device '$fbdev'"
	give_up
fi

# Keep fbcon from drawing text and a cursor over the pattern.
for v in /sys/class/vtconsole/vtcon*; do
	grep -q "frame buffer" "$v/name" && echo 0 > "$v/bind"
done
bytes=$((stride * h))
head -c "$bytes" /pattern.raw > /tmp/want
# One write() for the whole frame. 6.1's drm_fb_helper_memory_range_to_clip()
# turns a write that stays within one scanline and ends at its end into an
# empty damage rectangle (x2 = 0), so with 4 KiB writes the tail of the
# last line never reaches BAR0 when the damage worker runs in between.
if [ "$(wc -c < /tmp/want)" != "$bytes" ]; then
	say "FAIL draw: the pattern is smaller than the $bytes-byte framebuffer"
elif dd if=/tmp/want of=/dev/fb0 bs="$bytes" count=1 2> /dev/null; then
	say "PASS draw: $bytes bytes written to /dev/fb0"
else
	say "FAIL draw: dd to /dev/fb0 failed"
fi

# bochs-drm keeps fbdev in a shadow buffer (prefer_shadow_fbdev) and blits
# damage to BAR0, so /dev/fb0 reads back the shadow: BAR0 is checked
# below, through /dev/mem.
dd if=/dev/fb0 of=/tmp/back bs=4096 2> /dev/null
if cmp /tmp/want /tmp/back > /dev/null 2>&1; then
	say "PASS readback: $bytes bytes read back from /dev/fb0 match"
else
	say "FAIL readback: /dev/fb0 holds $(wc -c < /tmp/back) bytes, $(cmp /tmp/want /tmp/back 2>&1)"
fi

# The dispi registers (16 bit at BAR2 + 0x500) tell where the device scans
# out from. /dev/mem reaches BAR2 and BAR0 although bochs-drm claimed them
# because this kernel runs with iomem=relaxed; read() of /dev/mem stops at
# the end of RAM on x86, so only devmem's mmap can read them.
bar() { # index: the BAR's start address, from the resource file
	sed -n "$(($1 + 1))p" "$dev/resource" | cut -d' ' -f1
}
bar0=$(($(bar 0)))
bar2=$(($(bar 2)))
dispi() { echo $(($(devmem $((bar2 + 0x500 + 2 * $1)) 16))); }
xres=$(dispi 1)
yres=$(dispi 2)
dbpp=$(dispi 3)
enable=$(dispi 4)
vwidth=$(dispi 6)
xoff=$(dispi 8)
yoff=$(dispi 9)
scanout=$((bar0 + (yoff * vwidth + xoff) * 4))
regs="${xres}x$yres $dbpp bpp enable $(printf 0x%x "$enable"), virtual width $vwidth, offset $xoff,$yoff"
if [ "$xres" = "$w" ] && [ "$yres" = "$h" ] && [ "$dbpp" = 32 ] &&
   [ $((enable & 1)) = 1 ] && [ $((vwidth * 4)) = "$stride" ]; then
	say "PASS dispi: $regs"
else
	say "FAIL dispi: $regs, fb0 is ${w}x$h stride $stride"
fi

# Sample 16 words spread over the scanout, first and last included; the
# host side compares all of it (pmemsave). The blit from the shadow runs
# from a work item, so give it time.
word() { echo $((($1 * 0x9E3779B1 + 0x7F4A7C15) & 0xffffffff)); }
sampled() {
	local k=0 i got n=$((bytes / 4))

	while [ $k -lt 16 ]; do
		i=$((k * (n - 1) / 15))
		got=$(($(devmem $((scanout + 4 * i)) 32)))
		if [ "$got" != "$(word $i)" ]; then
			miss="word $i is $(printf 0x%08x "$got"), not $(printf 0x%08x "$(word $i)")"
			return 1
		fi
		k=$((k + 1))
	done
}
t=0
while ! sampled && [ $t -lt 30 ]; do
	sleep 1
	t=$((t + 1))
done
if sampled; then
	say "PASS bar0: 16 sampled words at the scanout, BAR0 $(printf 0x%x $bar0) + $((scanout - bar0)), match (after ${t}s)"
else
	say "FAIL bar0: at BAR0 $(printf 0x%x $bar0) + $((scanout - bar0)): $miss"
fi

bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|lockdep|KASAN|hung_task|blocked for more than|Call Trace')
probe=$(dmesg | grep -iE 'bochs.*(fail|error|mismatch)|probe.*failed')
if [ -z "$bad" ] && [ -z "$probe" ]; then
	say "PASS dmesg: no WARNING/BUG/Oops, no probe failure"
else
	say "FAIL dmesg: $(echo "$bad" "$probe" | head -n 3 | tr '\n' ' ')"
fi
dmesg | grep -E 'bochs-drm|\[drm|fb0' | sed 's/^/NESTED info /'
say "INFO tests done at $(cut -d' ' -f1 /proc/uptime)s of nested uptime"
say "SCANOUT $(printf 0x%x $scanout) $bytes"
say "DRAWN"
# The host side reads the scanout through the monitor, then quits QEMU.
sleep 600
poweroff -f
INIT
nested_initramfs "initramfs with bochs"
nested_kernel

step "starting nested qemu-system-x86_64 -accel tcg -m 256 -device vfio-pci,sysfsdev=$SYSDEV,display=off"
nested_qemu -vga none \
	-append "console=ttyS0 panic=-1 loglevel=4 printk.time=1 mitigations=off cryptomgr.notests iomem=relaxed" \
	-device vfio-pci,sysfsdev="$SYSDEV",display=off
nested_wait DRAWN "${MBOCHS_NESTED_TIMEOUT:-420}"
nested_log mbochs-nested 'bochs|drm'
if grep -q '^NESTED DRAWN' "$WORK/nested.txt"; then
	pass "nested: guest booted and drew in ${NESTED_SECS}s"
else
	tail -n 30 "$WORK/nested.txt" | sed 's/^/  | /'
	fail "nested: guest run" "no pattern drawn after ${NESTED_SECS}s"
fi
nested_verdicts insmod pci bochs-drm card0 connector fb0 draw readback \
	dispi bar0 dmesg

# QEMU reads the nested guest's BAR0, the mdev's mmap of mbochs video
# memory, from where the dispi registers say the scanout starts: all of it
# must be the pattern.
step "pmemsave of the scanout through the QEMU monitor"
read -r addr bytes <<EOF
$(sed -n 's/^NESTED SCANOUT \(0x[0-9a-f]*\) \([0-9]*\)$/\1 \2/p' "$WORK/nested.txt")
EOF
if [ -n "${addr:-}" ]; then
	# Quoted, or HMP reads the path's "/" as a division.
	nested_hmp "pmemsave $addr $bytes \"$WORK/scanout.raw\""
	head -c "$bytes" "$NESTED_ROOT/pattern.raw" > "$WORK/want.raw"
	check "nested: all $bytes bytes of the scanout at $addr hold the pattern" \
		cmp "$WORK/want.raw" "$WORK/scanout.raw"
	# The monitor's "quit" ends QEMU; the nested guest only sleeps.
	nested_reap 60
else
	fail "nested: scanout" "the nested guest reported no scanout address"
	nested_reap 0
fi
nested_finish mdev_sdk_mbochs
exit $((fails > 0))
