/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mcrypto: the device model, shared by the driver and the userspace client
 * (tests/uapi/mcrypto_client.c), which plays the guest driver.
 *
 * BAR0 is 256 bytes of 32-bit registers. The guest puts a ring of 32-byte
 * descriptors in its memory, writes its IOVA and size, sets CTRL.ENABLE and
 * then hands descriptors over by writing TAIL. The device consumes them in
 * order, advances HEAD, writes each descriptor's status and raises MSI
 * vector 0 (or INTx) after every job.
 *
 * All multi-byte fields are little endian. This header is included by both
 * kernel and userspace code and so uses only <linux/types.h>.
 */
#ifndef MCRYPTO_HW_H
#define MCRYPTO_HW_H

#include <linux/types.h>

/* 1af4:10f0-10ff is QEMU's range for experimental devices, unregistered. */
#define MCRYPTO_VENDOR_ID	0x1af4
#define MCRYPTO_DEVICE_ID	0x10f7
/* Encryption controller, other. */
#define MCRYPTO_CLASS_CODE	0x108000

#define MCRYPTO_BAR0_SIZE	256

/* BAR0 registers; 64-bit quantities are split in _LO and _HI halves. */
#define MCRYPTO_REG_ID		0x00	/* RO: MCRYPTO_ID */
#define MCRYPTO_REG_DEPTH	0x04	/* RO: most ring entries */
#define MCRYPTO_REG_MAX_LEN	0x08	/* RO: longest job, bytes */
#define MCRYPTO_REG_RING_LO	0x10	/* ring IOVA, 32-byte aligned */
#define MCRYPTO_REG_RING_HI	0x14
#define MCRYPTO_REG_RING_SIZE	0x18	/* entries: power of 2, 2..DEPTH */
#define MCRYPTO_REG_CTRL	0x1c	/* MCRYPTO_CTRL_* */
#define MCRYPTO_REG_HEAD	0x20	/* RO: next entry the device takes */
#define MCRYPTO_REG_TAIL	0x24	/* doorbell: first entry not handed over */
#define MCRYPTO_REG_STATUS	0x28	/* RO: MCRYPTO_STATUS_* */
#define MCRYPTO_REG_ERROR	0x2c	/* RO: errno of the last halt or refusal */
#define MCRYPTO_REG_DONE	0x30	/* RO: jobs completed successfully */
#define MCRYPTO_REG_FAILED	0x34	/* RO: jobs completed with an error */
#define MCRYPTO_REG_PINNED	0x38	/* RO: guest pages pinned right now */
#define MCRYPTO_REG_JOB_NS_LO	0x40	/* RO: ns spent running jobs */
#define MCRYPTO_REG_JOB_NS_HI	0x44
#define MCRYPTO_REG_JOB_BYTES_LO 0x48	/* RO: bytes hashed by jobs */
#define MCRYPTO_REG_JOB_BYTES_HI 0x4c
#define MCRYPTO_REG_BENCH	0x50	/* W: hash this many bytes of host memory */
#define MCRYPTO_REG_BENCH_NS_LO	0x58	/* RO: ns the last BENCH took */
#define MCRYPTO_REG_BENCH_NS_HI	0x5c

#define MCRYPTO_ID		0x5952434d	/* "MCRY" */

#define MCRYPTO_CTRL_ENABLE	0x1u

#define MCRYPTO_STATUS_ENABLED	0x1u	/* ring pinned, queue running */
#define MCRYPTO_STATUS_HALTED	0x2u	/* stopped; clear ENABLE to reset */
#define MCRYPTO_STATUS_BUSY	0x4u	/* jobs handed over, not done */

#define MCRYPTO_OP_SHA256	1
#define MCRYPTO_DIGEST_SIZE	32

/* Descriptor status: 0 while the device owns it. */
#define MCRYPTO_DESC_OK		1
#define MCRYPTO_DESC_ERR	0x80000000u	/* | a positive errno */

/**
 * struct mcrypto_desc - one ring entry
 * @src: IOVA of the bytes to hash; any alignment
 * @dst: IOVA the 32-byte digest goes to; any alignment
 * @len: bytes at @src, 1 to MCRYPTO_REG_MAX_LEN
 * @op: MCRYPTO_OP_SHA256
 * @status: written by the device: MCRYPTO_DESC_OK, or MCRYPTO_DESC_ERR |
 *	EINVAL (bad descriptor), EFAULT (@src or @dst not mapped), ENOMEM
 *	(over RLIMIT_MEMLOCK) or ECANCELED (aborted by an unmap)
 * @rsvd: zero
 */
struct mcrypto_desc {
	__le64 src;
	__le64 dst;
	__le32 len;
	__le32 op;
	__le32 status;
	__le32 rsvd;
};

#endif /* MCRYPTO_HW_H */
