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
# One PASS/FAIL/SKIP line per check; exits non-zero on failure.
# MDPY_NESTED_TIMEOUT bounds the wait for the nested guest (default 300 s).
set -u
TOP=${MDEV_SDK_TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
KVER=$(uname -r)
UUID=6d707900-5f3a-4c1e-9d7b-2f8e1a0c3b52
SYSDEV=/sys/bus/mdev/devices/$UUID
FB_KO=$TOP/samples/mdpy/mdev_sdk_mdpy_fb.ko
WIDTH=640
HEIGHT=480
WORK=$(mktemp -d /tmp/mdpy-nested.XXXXXX)
QEMU_PID=""
fails=0
# shellcheck source=../lib.sh
. "$TOP/tests/vm/lib.sh"

step() { echo "== $*"; }

cleanup() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2> /dev/null && wait "$QEMU_PID" 2> /dev/null
	mdevctl stop -u "$UUID" > /dev/null 2>&1
	"$TOP/scripts/unload" > /dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

step "loading the VFIO stack, mdev_sdk and mdpy"
if "$TOP/scripts/load" mdpy > "$WORK/load.out" 2>&1; then
	pass "nested: load stack and mdpy"
else
	fail "nested: load stack and mdpy" "$(tail -n 3 "$WORK/load.out" | tr '\n' ' ')"
	exit 1
fi
if mdevctl start -u "$UUID" -p mdpy \
	--jsonfile "$TOP/mdevctl-profiles/mdpy-vga.json" > "$WORK/start.out" 2>&1 &&
	[ -d "$SYSDEV" ]; then
	pass "nested: mdevctl start mdpy-vga from its profile"
else
	fail "nested: mdevctl start mdpy-vga" "$(tr '\n' ' ' < "$WORK/start.out")"
	exit 1
fi

# The pattern, as XRGB8888 little-endian pixels (B, G, R, X bytes), and the
# RGB rows a PPM of it must hold. Every channel depends on the position, so
# a wrong stride, offset or channel order shows.
step "building the pattern and the nested guest's initramfs"
mkdir -p "$WORK/root/bin" "$WORK/root/proc" "$WORK/root/sys" "$WORK/root/dev"
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
cp /bin/busybox "$WORK/root/bin/busybox"
for a in sh mount cat echo ls grep insmod dd sleep poweroff; do
	ln -s busybox "$WORK/root/bin/$a"
done
cp "$FB_KO" "$WORK/root/mdpy_fb.ko"
cat > "$WORK/root/init" <<INIT
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "NESTED \$*"; }
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
chmod 0755 "$WORK/root/init"
if (cd "$WORK/root" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"; then
	pass "nested: initramfs with mdpy-fb built ($(du -k "$WORK/initrd.gz" | cut -f1) KiB)"
else
	fail "nested: initramfs" "cpio failed"
	exit 1
fi

# As in mtty-nested.sh: boot the uncompressed kernel, decompressing xz
# under TCG-in-TCG costs over a minute.
kernel=/boot/vmlinuz-$KVER
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel" | head -n 1 | cut -d: -f1)
if [ -n "$off" ]; then
	tail -c +$((off + 1)) "$kernel" | xz -dc > "$WORK/vmlinux" 2> /dev/null
	[ "$(head -c 4 "$WORK/vmlinux" | od -An -c | tr -d ' ')" = 177ELF ] &&
		kernel=$WORK/vmlinux
fi

step "starting nested qemu-system-x86_64 -device vfio-pci,sysfsdev=$SYSDEV,display=on"
start=$(date +%s)
qemu-system-x86_64 -accel tcg -m 256 -nodefaults -no-user-config \
	-display none -vga none -no-reboot -serial stdio \
	-monitor unix:"$WORK/mon.sock",server=on,wait=off \
	-kernel "$kernel" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 printk.time=1 mitigations=off cryptomgr.notests" \
	-device vfio-pci,sysfsdev="$SYSDEV",display=on \
	< /dev/null > "$WORK/nested.log" 2>&1 &
QEMU_PID=$!
deadline=$((start + ${MDPY_NESTED_TIMEOUT:-300}))
while ! grep -q '^NESTED DRAWN' "$WORK/nested.log" 2> /dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ] || ! kill -0 "$QEMU_PID" 2> /dev/null; then
		break
	fi
	sleep 2
done
secs=$(($(date +%s) - start))
tr -d '\r' < "$WORK/nested.log" > "$WORK/nested.txt"
[ -d /tmp/out ] && cp "$WORK/nested.txt" /tmp/out/mdpy-nested-console.log
grep -E '^NESTED |qemu-system|vfio|mdpy|Kernel panic' "$WORK/nested.txt" | sed 's/^/  /'
if grep -q '^NESTED DRAWN' "$WORK/nested.txt"; then
	pass "nested: guest booted and drew in ${secs}s"
else
	tail -n 30 "$WORK/nested.txt" | sed 's/^/  | /'
	fail "nested: guest run" "no pattern drawn after ${secs}s"
fi
sed -n 's/^NESTED \(PASS\|FAIL\) /\1 /p' "$WORK/nested.txt" > "$WORK/verdicts"
while read -r verdict rest; do
	case "$verdict" in
	PASS) pass "nested guest: $rest" ;;
	FAIL) fail "nested guest: ${rest%%:*}" "${rest#*: }" ;;
	esac
done < "$WORK/verdicts"
for want in insmod fb0 draw; do
	grep -q "^NESTED PASS $want" "$WORK/nested.txt" ||
		fail "nested guest: $want" "no PASS line from the nested guest"
done

# screendump makes QEMU query the plane and read the region it names.
step "screendump through the QEMU monitor"
if kill -0 "$QEMU_PID" 2> /dev/null; then
	python3 - "$WORK/mon.sock" "$WORK/shot.ppm" > "$WORK/mon.out" 2>&1 <<'PY'
import socket, sys, time
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
s.sendall(("screendump %s\n" % sys.argv[2]).encode())
print(until_prompt())
s.sendall(b"quit\n")
time.sleep(1)
PY
	# HMP echoes the command with cursor escapes; show only its answer.
	tr -d '\r' < "$WORK/mon.out" | grep -av 'screendump\|^(qemu) *$\|^\s*$' |
		sed 's/^/  monitor: /'
fi
wait "$QEMU_PID" 2> /dev/null
QEMU_PID=""
python3 - "$WORK/shot.ppm" "$WORK/expect.rgb" "$WIDTH" "$HEIGHT" > "$WORK/cmp.out" 2>&1 <<'PY'
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
cat "$WORK/cmp.out"
grep -q '^FAIL' "$WORK/cmp.out" && fails=$((fails + 1))
grep -q '^PASS pixels' "$WORK/cmp.out" || { grep -q '^FAIL' "$WORK/cmp.out" || fail "pixels" "no comparison ran"; }

step "mdevctl stop"
if mdevctl stop -u "$UUID" > "$WORK/stop.out" 2>&1 && [ ! -e "$SYSDEV" ]; then
	pass "nested: mdevctl stop"
else
	fail "nested: mdevctl stop" "$(tr '\n' ' ' < "$WORK/stop.out")"
fi
if "$TOP/scripts/unload" > "$WORK/unload.out" 2>&1 && [ ! -d /sys/module/mdev_sdk_mdpy ]; then
	pass "nested: unload"
else
	fail "nested: unload" "$(tail -n 3 "$WORK/unload.out" | tr '\n' ' ')"
fi
bad=$(dmesg | grep -E 'WARNING:|BUG:|Oops|lockdep|KASAN|hung_task|blocked for more than|circular locking')
if [ -z "$bad" ]; then
	pass "nested: clean kernel log"
else
	fail "nested: clean kernel log" "$(echo "$bad" | head -n 3 | tr '\n' ' ')"
fi
exit $((fails > 0))
