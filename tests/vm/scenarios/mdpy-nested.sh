#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: an mdpy-vga display started by mdevctl from its profile
# is handed to a nested QEMU with display=on. The nested guest (the same
# Debian kernel, a busybox initramfs) loads mdpy-fb, which must register
# fb0 with the mode from the vendor capability, and draws a known pattern
# into /dev/fb0. QEMU then takes a screendump through its monitor, which
# reads the plane VFIO_DEVICE_QUERY_GFX_PLANE names; every pixel of the
# PPM must match the pattern.
#
# mdpy-nested.sh [CLIENT...]: the clients (nested.sh's nested_client) take
# turns on the same device; by default Debian 12's QEMU 7.2 over the
# container, then QEMU 10.0 over iommufd and the vfio_device cdev.
#
# One PASS/FAIL/SKIP line per check; exits non-zero on failure.
# MDPY_NESTED_TIMEOUT bounds the wait for the nested guest (default 300 s).
set -u
TOP=${MDEV_SDK_TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
UUID=6d707900-5f3a-4c1e-9d7b-2f8e1a0c3b52
SYSDEV=/sys/bus/mdev/devices/$UUID
FB_KO=$TOP/samples/mdpy/mdev_sdk_mdpy_fb.ko
WIDTH=640
HEIGHT=480
WORK=$(mktemp -d /tmp/mdpy-nested.XXXXXX)
fails=0
CLIENTS=("$@")
[ ${#CLIENTS[@]} -gt 0 ] || CLIENTS=(qemu7.2 qemu10-iommufd)
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"
# shellcheck source=../nested.sh
. "$TOP/tests/vm/nested.sh"

nested_start mdpy mdpy-vga

# The pattern, as XRGB8888 little-endian pixels (B, G, R, X bytes), and the
# RGB rows a PPM of it must hold. Every channel depends on the position, so
# a wrong stride, offset or channel order shows.
step "building the pattern and the nested guest's initramfs"
nested_rootfs ls grep insmod dd sleep
python3 - "$WIDTH" "$HEIGHT" "$WORK/root/pattern.raw" "$WORK/expect.rgb" <<'PY'
import sys
w, h = int(sys.argv[1]), int(sys.argv[2])
raw, rgb = bytearray(w * h * 4), bytearray(w * h * 3)
for y in range(h):
    for x in range(w):
        r, g, b = x & 0xff, y & 0xff, (x * 3 + y * 5 + (x >> 8) * 97) & 0xff
        raw[(y * w + x) * 4:(y * w + x) * 4 + 4] = bytes((b, g, r, 0))
        rgb[(y * w + x) * 3:(y * w + x) * 3 + 3] = bytes((r, g, b))
open(sys.argv[3], "wb").write(raw)
open(sys.argv[4], "wb").write(rgb)
PY
cp "$FB_KO" "$WORK/root/mdpy_fb.ko"
nested_init <<INIT
if insmod /mdpy_fb.ko; then
	say "PASS insmod: mdpy-fb loaded"
else
	say "FAIL insmod: mdpy-fb did not load"
fi
fb=/sys/class/graphics/fb0
if [ "\$(cat \$fb/name 2> /dev/null)" = mdpy-fb ] &&
   [ "\$(cat \$fb/virtual_size)" = "$WIDTH,$HEIGHT" ] &&
   [ "\$(cat \$fb/bits_per_pixel)" = 32 ]; then
	say "PASS fb0: mdpy-fb \$(cat \$fb/virtual_size) at \$(cat \$fb/bits_per_pixel) bpp"
else
	say "FAIL fb0: name '\$(cat \$fb/name 2> /dev/null)' size '\$(cat \$fb/virtual_size 2> /dev/null)'"
fi
# Keep fbcon from drawing text and a cursor over the pattern.
for v in /sys/class/vtconsole/vtcon*; do
	grep -q "frame buffer" "\$v/name" && echo 0 > "\$v/bind"
done
if dd if=/pattern.raw of=/dev/fb0 bs=4096 2> /dev/null; then
	say "PASS draw: pattern written to /dev/fb0"
else
	say "FAIL draw: dd to /dev/fb0 failed"
fi
say "DRAWN"
sleep 600
poweroff -f
INIT
nested_initramfs "initramfs with mdpy-fb"
nested_kernel

# compare_shot: PASS/FAIL lines for WORK/shot.ppm against the pattern.
compare_shot() {
	python3 - "$WORK/shot.ppm" "$WORK/expect.rgb" "$WIDTH" "$HEIGHT" <<'PY'
import sys
w, h = int(sys.argv[3]), int(sys.argv[4])
try:
    data = open(sys.argv[1], "rb").read()
except OSError as e:
    print("FAIL screendump: no PPM: %s" % e)
    sys.exit(1)
# P6 header: magic, width, height, maxval, each followed by whitespace.
fields, pos = [], 0
while len(fields) < 4:
    while data[pos:pos + 1].isspace():
        pos += 1
    end = pos
    while not data[end:end + 1].isspace():
        end += 1
    fields.append(data[pos:end].decode())
    pos = end
body = data[pos + 1:]
if fields[0] != "P6" or (int(fields[1]), int(fields[2])) != (w, h):
    print("FAIL screendump: header %s, expected P6 %dx%d" % (fields[:3], w, h))
    sys.exit(1)
print("PASS screendump: P6 %sx%s maxval %s" % tuple(fields[1:]))
want = open(sys.argv[2], "rb").read()
bad = sum(1 for i in range(0, len(want), 3) if body[i:i + 3] != want[i:i + 3])
if len(body) == len(want) and bad == 0:
    print("PASS pixels: all %d pixels of the screendump match the pattern" % (w * h))
else:
    print("FAIL pixels: %d of %d pixels differ (body %d bytes, expected %d)"
          % (bad, w * h, len(body), len(want)))
PY
}

# Each client boots the nested guest in turn on the same device.
for client in "${CLIENTS[@]}"; do
	nested_client "$client" || continue
	# display=on goes on the -device argument, the last of NESTED_VFIO.
	NESTED_VFIO[-1]="${NESTED_VFIO[-1]},display=on"
	step "starting nested $client with ${NESTED_VFIO[*]}"
	nested_qemu -vga none \
		-append "console=ttyS0 panic=-1 loglevel=4 printk.time=1 mitigations=off cryptomgr.notests" \
		"${NESTED_VFIO[@]}"
	nested_wait DRAWN "${MDPY_NESTED_TIMEOUT:-300}"
	nested_log "mdpy-nested-$client" mdpy
	if grep -q '^NESTED DRAWN' "$WORK/nested.txt"; then
		pass "nested$NESTED_TAG: guest booted and drew in ${NESTED_SECS}s"
	else
		tail -n 30 "$WORK/nested.txt" | sed 's/^/  | /'
		fail "nested$NESTED_TAG: guest run" "no pattern drawn after ${NESTED_SECS}s"
	fi
	nested_verdicts insmod fb0 draw

	# screendump makes QEMU query the plane and read the region it names.
	step "screendump through the QEMU monitor"
	rm -f "$WORK/shot.ppm"
	nested_hmp "screendump $WORK/shot.ppm"
	# The monitor's "quit" ends QEMU; the nested guest itself only sleeps.
	nested_reap 60
	compare_shot > "$WORK/cmp.out" 2>&1
	# A later client's lines carry its tag, as nested_verdicts' do.
	sed -i -E "s/^(PASS|FAIL) ([a-z]+):/\1 \2$NESTED_TAG:/" "$WORK/cmp.out"
	cat "$WORK/cmp.out"
	grep -q '^FAIL' "$WORK/cmp.out" && fails=$((fails + 1))
	grep -q '^PASS pixels' "$WORK/cmp.out" ||
		{ grep -q '^FAIL' "$WORK/cmp.out" || fail "pixels$NESTED_TAG" "no comparison ran"; }
done

nested_finish mdev_sdk_mdpy
exit $((fails > 0))
