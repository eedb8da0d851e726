/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The private device ioctl of bench/kmod/mdev_bench.c, shared with the
 * bench client. It rides on the vfio_device fd, which hands commands it
 * does not know to the driver's ioctl op on both stacks.
 */
#ifndef MDEV_BENCH_H
#define MDEV_BENCH_H

#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * struct mdev_bench_pin - one vfio_pin_pages() throughput run
 * @iova: first IOVA to pin; must lie in a MAP_DMA mapping of the container
 * @npage: pages per vfio_pin_pages() call, 1 to 512
 * @iters: pin + unpin rounds
 * @ns: out: nanoseconds the rounds took, measured in the kernel
 */
struct mdev_bench_pin {
	__u64 iova;
	__u32 npage;
	__u32 iters;
	__u64 ns;
};

#define MDEV_BENCH_PIN	_IOWR('B', 0x40, struct mdev_bench_pin)

#endif /* MDEV_BENCH_H */
