// SPDX-License-Identifier: GPL-2.0-only
/*
 * Races of pins against unmaps of the same IOVA, from one process.
 *
 * bench: one thread loops MDEV_BENCH_PIN (bench/kmod's ioctl: vfio_pin_pages()
 * and vfio_unpin_pages() of 16 pages, in the kernel) while another loops
 * VFIO_IOMMU_UNMAP_DMA and VFIO_IOMMU_MAP_DMA of that very mapping. The
 * driver is honest: its pins live only inside the ioctl. So every unmap
 * must converge, and no user action may provoke a kernel WARN (tests/vm/run
 * fails the run on one). The rules checked:
 *  - UNMAP_DMA returns 0 with the whole mapping unmapped, or -EBUSY (the
 *    documented refusal) with the mapping left in place;
 *  - a pin returns 0, or -EINVAL: the IOVA is unmapped or being unmapped;
 *  - once the threads stop, everything unmaps and VmLck is back where it
 *    started.
 *
 * mcrypto: one thread toggles an mcrypto device's queue (CTRL.ENABLE,
 * which pins the ring) while another unmaps and remaps the ring's IOVA.
 * Only the toggling thread enables, and an unmap can only disable, so a
 * queue that reads ENABLED after the pinned count was read must have had
 * its ring pinned then: ENABLED with nothing pinned means the SDK dropped
 * the ring's pins behind the driver (issue 16, item 1).
 *
 * Needs the stack and bench/kmod/mdev_bench.ko, or samples/mcrypto, loaded.
 * Usage:
 *   unmap_race [bench|mcrypto] [SECONDS]   race for SECONDS (default 3)
 * Output: PASS/FAIL/SKIP/INFO lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "common.h"
#include "../../bench/mdev_bench.h"
#include "../../samples/mcrypto/mcrypto_hw.h"

#define BENCH_PARENT	"mdev_bench"
#define BENCH_TYPE	"mdev_bench-1"
#define NPAGE		16
#define IOVA		(64ULL << 20)
#define MC_BAR0		((__u64)VFIO_PCI_BAR0_REGION_INDEX << 40)
#define MC_RING_ENTRIES	64

/**
 * struct race - what the two threads share
 * @h: the device, its group and container
 * @size: bytes of the mapping, NPAGE pages
 * @stop: tells the pinning thread to finish
 * @pins_ok: pins that succeeded
 * @pins_einval: pins refused with EINVAL
 * @pins_bad: pins that failed otherwise
 * @bad_errno: errno of the last such failure
 * @toggles: mcrypto: queue enables
 * @lost: mcrypto: enables that read ENABLED with no pin held
 */
struct race {
	struct vfio_handle h;
	size_t size;
	atomic_bool stop;
	atomic_long pins_ok;
	atomic_long pins_einval;
	atomic_long pins_bad;
	atomic_int bad_errno;
	atomic_long toggles;
	atomic_long lost;
};

static __u32 mc_rd(struct race *r, unsigned int reg)
{
	__u32 v = ~0u;

	if (pread(r->h.device, &v, 4, MC_BAR0 + reg) != 4)
		return ~0u;
	return v;
}

static void mc_wr(struct race *r, unsigned int reg, __u32 v)
{
	if (pwrite(r->h.device, &v, 4, MC_BAR0 + reg) != 4) {
		atomic_store(&r->bad_errno, errno);
		atomic_fetch_add(&r->pins_bad, 1);
	}
}

static void *toggler(void *arg)
{
	struct race *r = arg;
	__u32 pinned, status;

	while (!atomic_load(&r->stop)) {
		mc_wr(r, MCRYPTO_REG_CTRL, MCRYPTO_CTRL_ENABLE);
		/* Pinned count first: an unmap may only disable since. */
		pinned = mc_rd(r, MCRYPTO_REG_PINNED);
		status = mc_rd(r, MCRYPTO_REG_STATUS);
		if (status & MCRYPTO_STATUS_ENABLED) {
			atomic_fetch_add(&r->toggles, 1);
			if (!pinned)
				atomic_fetch_add(&r->lost, 1);
		}
		mc_wr(r, MCRYPTO_REG_CTRL, 0);
	}
	return NULL;
}

static void *pinner(void *arg)
{
	struct race *r = arg;
	struct mdev_bench_pin pin = { .iova = IOVA, .npage = NPAGE };

	while (!atomic_load(&r->stop)) {
		/* A few rounds per call keep a pin held most of the time. */
		pin.iters = 8;
		if (!ioctl(r->h.device, MDEV_BENCH_PIN, &pin)) {
			atomic_fetch_add(&r->pins_ok, 1);
		} else if (errno == EINVAL) {
			atomic_fetch_add(&r->pins_einval, 1);
		} else {
			atomic_store(&r->bad_errno, errno);
			atomic_fetch_add(&r->pins_bad, 1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	bool mcrypto = argc > 1 && !strcmp(argv[1], "mcrypto");
	int argi = argc > 1 && (mcrypto || !strcmp(argv[1], "bench")) ? 2 : 1;
	int seconds = argc > argi ? atoi(argv[argi]) : 3;
	long unmaps_ok = 0, unmaps_busy = 0, unmaps_bad = 0, maps_bad = 0;
	long lck0, lck, partial = 0;
	struct race r = { .size = NPAGE * 4096 };
	char uuid[UUID_STR_LEN];
	int bad_unmap_errno = 0;
	__u64 unmapped;
	pthread_t thr;
	__s64 end;
	void *buf;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, SIG_DFL);
	alarm(60 + seconds);
	if (seconds <= 0 || seconds > 60)
		seconds = 3;
	r.size = NPAGE * (size_t)sysconf(_SC_PAGESIZE);

	uuid_random(uuid);
	if (mcrypto)
		ret = mdev_create_on("mcrypto", "mcrypto-1", uuid);
	else
		ret = mdev_create_on(BENCH_PARENT, BENCH_TYPE, uuid);
	if (!t_expect_ret("race.create", ret, 0))
		return 1;
	ret = vfio_open_device(uuid, &r.h);
	if (!t_expect_ret("race.open", ret, 0))
		goto out_remove;
	buf = vt_anon_buffer(r.size, 0x5a);
	if (!t_check(buf, "race.buffer", "mmap failed"))
		goto out_close;
	lck0 = proc_status_kb("VmLck");
	if (!t_expect_ok("race.map", vt_dma_map(r.h.container, IOVA, buf,
						r.size,
						VFIO_DMA_MAP_FLAG_READ |
						VFIO_DMA_MAP_FLAG_WRITE)))
		goto out_unmap_buf;

	if (mcrypto) {
		/* The ring ends a page past IOVA: one page pinned per enable. */
		mc_wr(&r, MCRYPTO_REG_RING_LO, (__u32)IOVA);
		mc_wr(&r, MCRYPTO_REG_RING_HI, IOVA >> 32);
		mc_wr(&r, MCRYPTO_REG_RING_SIZE, MC_RING_ENTRIES);
	}
	ret = pthread_create(&thr, NULL, mcrypto ? toggler : pinner, &r);
	if (!t_check(!ret, "race.thread", "pthread_create: %s", strerror(ret)))
		goto out_dma;

	end = now_ms() + seconds * 1000LL;
	while (now_ms() < end) {
		unmapped = 0;
		ret = vt_dma_unmap(r.h.container, IOVA, r.size, 0, &unmapped);
		if (!ret && unmapped == r.size) {
			unmaps_ok++;
		} else if (!ret) {
			partial++;
			continue;
		} else if (errno == EBUSY) {
			/* Refused: the mapping is still there, try again. */
			unmaps_busy++;
			continue;
		} else {
			bad_unmap_errno = errno;
			unmaps_bad++;
			continue;
		}
		if (vt_dma_map(r.h.container, IOVA, buf, r.size,
			       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
			maps_bad++;
	}
	atomic_store(&r.stop, true);
	pthread_join(thr, NULL);

	if (mcrypto) {
		printf("INFO race: %d s: %ld unmaps, %ld refused with EBUSY; %ld queue enables\n",
		       seconds, unmaps_ok, unmaps_busy,
		       atomic_load(&r.toggles));
		t_check(atomic_load(&r.toggles) > 0, "race.enables_happened",
			"the queue never enabled");
		t_check(!atomic_load(&r.lost), "race.ring_stays_pinned",
			"%ld of %ld enabled queues had no ring pinned",
			atomic_load(&r.lost), atomic_load(&r.toggles));
		mc_wr(&r, MCRYPTO_REG_CTRL, 0);
	} else {
		printf("INFO race: %d s: %ld unmaps, %ld refused with EBUSY; ",
		       seconds, unmaps_ok, unmaps_busy);
		printf("pins: %ld ok, %ld EINVAL\n", atomic_load(&r.pins_ok),
		       atomic_load(&r.pins_einval));
		t_check(atomic_load(&r.pins_ok) > 0, "race.pins_happened",
			"no pin succeeded");
	}
	t_check(unmaps_ok > 0, "race.unmaps_happened", "no unmap succeeded");
	t_check(!unmaps_bad, "race.unmap_errno",
		"%ld unmaps failed with %s, not EBUSY", unmaps_bad,
		strerrorname_np(bad_unmap_errno));
	t_check(!partial, "race.unmap_whole", "%ld unmaps removed part of it",
		partial);
	t_check(!maps_bad, "race.remap", "%ld maps failed", maps_bad);
	t_check(!atomic_load(&r.pins_bad), "race.pin_errno",
		"%ld pins failed with %s, not EINVAL", atomic_load(&r.pins_bad),
		strerrorname_np(atomic_load(&r.bad_errno)));

out_dma:
	/* Nobody pins any more: the last unmap must go through at once. */
	unmapped = 0;
	ret = vt_dma_unmap(r.h.container, IOVA, r.size, 0, &unmapped);
	t_check(!ret && unmapped == r.size, "race.final_unmap",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0, "race.locked_vm_back",
		"VmLck %ld kB, baseline %ld kB", lck, lck0);
	if (mcrypto)
		t_check(!mc_rd(&r, MCRYPTO_REG_PINNED), "race.pinned_back",
			"%u pages still pinned", mc_rd(&r, MCRYPTO_REG_PINNED));
out_unmap_buf:
	munmap(buf, r.size);
out_close:
	vfio_close(&r.h);
out_remove:
	t_expect_ret("race.remove", mdev_remove(uuid), 0);
	return t_exit_status();
}
