/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdpy: the guest-visible contract of the mediated display, shared by the
 * host device (mdpy.c) and the guest framebuffer driver (mdpy-fb.c).
 *
 * The device is PCI 1b36:000f, subsystem 1af4:1100. BAR0 is the
 * framebuffer, one line after the other without padding, 32 bits per
 * pixel. Its geometry is fixed per device type and published read-only in
 * a vendor-specific capability; the display is live while memory decoding
 * is enabled in the command register.
 */
#ifndef MDPY_H
#define MDPY_H

#define MDPY_PCI_VENDOR		0x1b36	/* Red Hat */
#define MDPY_PCI_DEVICE		0x000f
#define MDPY_PCI_SUBVENDOR	0x1af4	/* Red Hat / Qumranet */
#define MDPY_PCI_SUBDEVICE	0x1100	/* QEMU */

/*
 * Offsets inside the vendor-specific capability, from its ID byte: the
 * little-endian 32-bit DRM fourcc, width and height in pixels. Byte 3 is
 * padding that keeps them dword aligned.
 */
#define MDPY_CAP_FORMAT		4
#define MDPY_CAP_WIDTH		8
#define MDPY_CAP_HEIGHT		12
#define MDPY_CAP_LEN		16

#define MDPY_BYTES_PER_PIXEL	4

#endif /* MDPY_H */
