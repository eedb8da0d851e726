// SPDX-License-Identifier: GPL-2.0-only
/*
 * mcrypto_client: the guest driver of an mcrypto device (samples/mcrypto),
 * run in userspace over VFIO: it maps its memory with MAP_DMA, builds the
 * descriptor ring there and checks every digest against libcrypto.
 *
 *   mcrypto_client jobs UUID     many sizes and alignments, bad descriptors
 *   mcrypto_client unmap UUID    unmap a buffer, then the ring, under jobs
 *   mcrypto_client rlimit UUID   pin past RLIMIT_MEMLOCK as user nobody
 *   mcrypto_client hold UUID     keep big jobs running; prints READY
 *   mcrypto_client bench UUID    pinned-page vs kernel-memory hashing
 *
 * One PASS/FAIL line per check; exits non-zero if any failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>
#include <openssl/evp.h>

#include "common.h"
#include "../../samples/mcrypto/mcrypto_hw.h"

#define REGION_SHIFT	40
#define BAR0_OFF	((__u64)VFIO_PCI_BAR0_REGION_INDEX << REGION_SHIFT)
#define RING_IOVA	0x100000ull
#define RING_MAP	(4 * 4096ull)
#define DIG_IOVA	0x200000ull
#define DIG_MAP		(2 * 4096ull)
#define SRC_IOVA	0x1000000ull
#define SRC_MAP		(8ull << 20)
#define VICTIM_IOVA	0x4000000ull
#define VICTIM_MAP	(4ull << 20)

/**
 * struct mc - one opened device and the client's side of its ring
 * @h: container, group and device fds
 * @efd: MSI eventfd
 * @ring: ring memory (the mapping at RING_IOVA)
 * @ring_off: ring start within @ring, to make it straddle pages
 * @size: ring entries
 * @tail: next entry to fill
 * @depth: DEPTH register
 * @max_len: MAX_LEN register
 * @dig: digest memory (the mapping at DIG_IOVA)
 * @src: source memory (the mapping at SRC_IOVA)
 */
struct mc {
	struct vfio_handle h;
	int efd;
	unsigned char *ring;
	unsigned int ring_off;
	__u32 size;
	__u32 tail;
	__u32 depth;
	__u32 max_len;
	unsigned char *dig;
	unsigned char *src;
};

static long page_size;

static __u32 rd(struct mc *m, unsigned int reg)
{
	__u32 v = 0;

	if (pread(m->h.device, &v, 4, BAR0_OFF + reg) != 4)
		return ~0u;
	return v;
}

static __u64 rd64(struct mc *m, unsigned int reg)
{
	return rd(m, reg) | (__u64)rd(m, reg + 4) << 32;
}

static int wr(struct mc *m, unsigned int reg, __u32 v)
{
	if (pwrite(m->h.device, &v, 4, BAR0_OFF + reg) != 4)
		return -errno;
	return 0;
}

static struct mcrypto_desc *desc(struct mc *m, __u32 i)
{
	return (struct mcrypto_desc *)(m->ring + m->ring_off) + i;
}

static int map(struct mc *m, __u64 iova, void *buf, __u64 size)
{
	return vt_dma_map(m->h.container, iova, buf, size,
			  VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) ? -errno : 0;
}

static void fill_random(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		p[i] = seed >> 16;
	}
}

/* Open, map ring, digest and source memory, enable MSI and the queue. */
static int mc_open(struct mc *m, const char *uuid, bool map_src)
{
	int ret;

	memset(m, 0, sizeof(*m));
	m->efd = -1;
	ret = vfio_open_device(uuid, &m->h);
	if (ret)
		return ret;
	m->ring = vt_anon_buffer(RING_MAP, 0);
	m->dig = vt_anon_buffer(DIG_MAP, 0);
	m->src = map_src ? vt_anon_buffer(SRC_MAP, 0) : NULL;
	if (!m->ring || !m->dig || (map_src && !m->src))
		return -ENOMEM;
	if (map_src)
		fill_random(m->src, SRC_MAP, 42);
	ret = map(m, RING_IOVA, m->ring, RING_MAP);
	if (!ret)
		ret = map(m, DIG_IOVA, m->dig, DIG_MAP);
	if (!ret && map_src)
		ret = map(m, SRC_IOVA, m->src, SRC_MAP);
	if (ret)
		return ret;
	m->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = vt_set_eventfd(m->h.device, VFIO_PCI_MSI_IRQ_INDEX, m->efd);
	if (ret)
		return ret;
	m->depth = rd(m, MCRYPTO_REG_DEPTH);
	m->max_len = rd(m, MCRYPTO_REG_MAX_LEN);
	return 0;
}

/* Enable the queue with @size entries; the ring straddles a page boundary. */
static int mc_enable(struct mc *m, __u32 size)
{
	__u64 ring = RING_IOVA + page_size - 2048;

	m->size = size;
	m->tail = 0;
	m->ring_off = ring - RING_IOVA;
	memset(m->ring, 0, RING_MAP);
	wr(m, MCRYPTO_REG_CTRL, 0);
	wr(m, MCRYPTO_REG_RING_LO, (__u32)ring);
	wr(m, MCRYPTO_REG_RING_HI, ring >> 32);
	wr(m, MCRYPTO_REG_RING_SIZE, size);
	wr(m, MCRYPTO_REG_CTRL, MCRYPTO_CTRL_ENABLE);
	return rd(m, MCRYPTO_REG_STATUS) & MCRYPTO_STATUS_ENABLED ? 0 :
	       -(int)rd(m, MCRYPTO_REG_ERROR);
}

static __u32 ring_pages(struct mc *m)
{
	__u64 first = m->ring_off, last = first + m->size * 32ull - 1;

	return last / page_size - first / page_size + 1;
}

/* Queue one job without ringing the doorbell; returns its index. */
static __u32 mc_queue(struct mc *m, __u64 src, __u32 len, __u64 dst, __u32 op)
{
	struct mcrypto_desc *d = desc(m, m->tail);
	__u32 idx = m->tail;

	d->src = src;
	d->dst = dst;
	d->len = len;
	d->op = op;
	d->rsvd = 0;
	__atomic_store_n(&d->status, 0, __ATOMIC_RELEASE);
	m->tail = (m->tail + 1) % m->size;
	return idx;
}

static void mc_kick(struct mc *m)
{
	wr(m, MCRYPTO_REG_TAIL, m->tail);
}

/* Wait until HEAD reaches TAIL or the queue halts; 0 or -ETIMEDOUT. */
static int mc_wait_idle(struct mc *m, int timeout_ms)
{
	__s64 end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (rd(m, MCRYPTO_REG_HEAD) == m->tail ||
		    rd(m, MCRYPTO_REG_STATUS) & MCRYPTO_STATUS_HALTED)
			return 0;
		wait_readable(m->efd, 200);
		vt_eventfd_drain(m->efd);
	}
	return -ETIMEDOUT;
}

static __u32 status_of(struct mc *m, __u32 idx)
{
	return __atomic_load_n(&desc(m, idx)->status, __ATOMIC_ACQUIRE);
}

static void sha256(const void *p, size_t n, unsigned char out[32])
{
	EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL);
}

static void mc_close(struct mc *m)
{
	if (m->h.container >= 0)
		vt_dma_unmap(m->h.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	vfio_close(&m->h);
	if (m->efd >= 0)
		close(m->efd);
	if (m->ring)
		munmap(m->ring, RING_MAP);
	if (m->dig)
		munmap(m->dig, DIG_MAP);
	if (m->src)
		munmap(m->src, SRC_MAP);
}

static const char *status_name(__u32 st)
{
	if (st == MCRYPTO_DESC_OK)
		return "OK";
	if (!st)
		return "pending";
	return strerrorname_np(st & ~MCRYPTO_DESC_ERR) ?: "?";
}

/* ------------------------------------------------------------------ */

static int run_jobs(const char *uuid)
{
	static const __u32 sizes[] = {
		1, 31, 32, 55, 56, 63, 64, 65, 100, 1000, 4095, 4096, 4097,
		8191, 8192, 12289, 65536 + 7, 200000, 1048573, 1 << 20,
		(1 << 20) + 4096 + 1, 4 << 20,
	};
	static const __u32 offs[] = { 0, 1, 17, 2049, 4095 };
	unsigned char want[32];
	__u32 idx[ARRAY_SIZE(offs)], lens[ARRAY_SIZE(offs)];
	__u64 dsts[ARRAY_SIZE(offs)];
	unsigned int i, j, n = 0, bad = 0, jobs = 0;
	long lck0, lck;
	struct mc m;
	__u32 st;
	int ret;

	lck0 = proc_status_kb(vt_pin_counter());
	ret = mc_open(&m, uuid, true);
	if (!t_expect_ok("jobs.open_and_map", ret))
		return 1;
	{
		__u32 id = 0;

		pread(m.h.device, &id, 4, (__u64)VFIO_PCI_CONFIG_REGION_INDEX << REGION_SHIFT);
		t_check(id == (MCRYPTO_DEVICE_ID << 16 | MCRYPTO_VENDOR_ID), "jobs.pci_id",
			"%#x", id);
	}
	t_check(rd(&m, MCRYPTO_REG_ID) == MCRYPTO_ID, "jobs.id", "ID %#x",
		rd(&m, MCRYPTO_REG_ID));
	t_check(rd(&m, MCRYPTO_REG_PINNED) == 0, "jobs.nothing_pinned_at_open",
		"PINNED %u", rd(&m, MCRYPTO_REG_PINNED));
	ret = mc_enable(&m, m.depth);
	if (!t_expect_ok("jobs.enable", ret))
		goto out;
	t_check(rd(&m, MCRYPTO_REG_PINNED) == ring_pages(&m),
		"jobs.ring_pinned_while_enabled", "PINNED %u, ring spans %u pages",
		rd(&m, MCRYPTO_REG_PINNED), ring_pages(&m));
	t_check(proc_status_kb(vt_pin_counter()) == lck0 + ring_pages(&m) * page_size / 1024,
		"jobs.ring_charged_to_locked_vm", "%s %ld kB, baseline %ld kB",
		vt_pin_counter(),
		proc_status_kb(vt_pin_counter()), lck0);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i] > m.max_len)
			continue;
		/* One batch per size: every alignment in flight together. */
		for (j = 0; j < ARRAY_SIZE(offs); j++) {
			lens[j] = sizes[i];
			/* Apart by more than a digest; the 4th straddles pages. */
			dsts[j] = DIG_IOVA + j * 1100 + n % 900;
			if (j == 3)
				dsts[j] = DIG_IOVA + page_size - 13;	/* straddles */
			idx[j] = mc_queue(&m, SRC_IOVA + offs[j], lens[j], dsts[j],
					  MCRYPTO_OP_SHA256);
			n++;
		}
		mc_kick(&m);
		if (mc_wait_idle(&m, 60000)) {
			t_fail("jobs.complete", "size %u: HEAD %u TAIL %u", sizes[i],
			       rd(&m, MCRYPTO_REG_HEAD), m.tail);
			goto out;
		}
		for (j = 0; j < ARRAY_SIZE(offs); j++) {
			st = status_of(&m, idx[j]);
			sha256(m.src + offs[j], lens[j], want);
			jobs++;
			if (st != MCRYPTO_DESC_OK ||
			    memcmp(m.dig + (dsts[j] - DIG_IOVA), want, 32)) {
				if (!bad++)
					t_fail("jobs.digest", "len %u offset %u: %s",
					       lens[j], offs[j], status_name(st));
			}
		}
	}
	t_check(!bad, "jobs.every_digest_matches_libcrypto",
		"%u of %u wrong", bad, jobs);
	printf("INFO jobs: %u digests checked, sizes 1 B to %u B, 5 alignments\n",
	       jobs, m.max_len);
	t_check(rd(&m, MCRYPTO_REG_DONE) == jobs, "jobs.done_counter",
		"DONE %u, expected %u", rd(&m, MCRYPTO_REG_DONE), jobs);

	/* Bad descriptors complete with an error and leave the queue running. */
	{
		static const struct {
			const char *name;
			__u64 src;
			__u32 len, op;
			__u64 dst;
			int err;
		} badd[] = {
			{ "bad_op", SRC_IOVA, 64, 7, DIG_IOVA, EINVAL },
			{ "zero_len", SRC_IOVA, 0, MCRYPTO_OP_SHA256, DIG_IOVA, EINVAL },
			{ "too_long", SRC_IOVA, 0, MCRYPTO_OP_SHA256, DIG_IOVA, EINVAL },
			{ "src_unmapped", 0x7000000, 64, MCRYPTO_OP_SHA256, DIG_IOVA, EFAULT },
			{ "src_runs_off_mapping", SRC_IOVA + SRC_MAP - 100, 200,
			  MCRYPTO_OP_SHA256, DIG_IOVA, EFAULT },
			{ "dst_unmapped", SRC_IOVA, 64, MCRYPTO_OP_SHA256, 0x7000000, EFAULT },
			{ "src_wraps", ~0ull - 10, 64, MCRYPTO_OP_SHA256, DIG_IOVA, EINVAL },
		};
		char name[64];

		for (i = 0; i < ARRAY_SIZE(badd); i++) {
			__u32 len = badd[i].len ? badd[i].len :
				    (i == 2 ? m.max_len + 1 : 0);

			j = mc_queue(&m, badd[i].src, len, badd[i].dst, badd[i].op);
			mc_kick(&m);
			mc_wait_idle(&m, 10000);
			st = status_of(&m, j);
			snprintf(name, sizeof(name), "jobs.error.%s", badd[i].name);
			t_check(st == (MCRYPTO_DESC_ERR | badd[i].err), name,
				"status %s (%#x)", status_name(st), st);
		}
		t_check(!(rd(&m, MCRYPTO_REG_STATUS) & MCRYPTO_STATUS_HALTED) &&
			rd(&m, MCRYPTO_REG_FAILED) == ARRAY_SIZE(badd),
			"jobs.errors_do_not_halt", "STATUS %#x FAILED %u",
			rd(&m, MCRYPTO_REG_STATUS), rd(&m, MCRYPTO_REG_FAILED));
	}
	t_check(rd(&m, MCRYPTO_REG_PINNED) == ring_pages(&m),
		"jobs.no_job_pins_left", "PINNED %u", rd(&m, MCRYPTO_REG_PINNED));
	wr(&m, MCRYPTO_REG_CTRL, 0);
	t_check(rd(&m, MCRYPTO_REG_PINNED) == 0, "jobs.disable_unpins_ring",
		"PINNED %u", rd(&m, MCRYPTO_REG_PINNED));
	lck = proc_status_kb(vt_pin_counter());
	t_check(lck == lck0, "jobs.locked_vm_back_to_baseline",
		"%s %ld kB, baseline %ld kB", vt_pin_counter(), lck, lck0);
out:
	mc_close(&m);
	return t_exit_status();
}

/* ------------------------------------------------------------------ */

static int run_unmap(const char *uuid)
{
	unsigned char *victim, want[32];
	unsigned int i, ok = 0, canceled = 0, fault = 0, other = 0, wrong = 0;
	__u32 idx[8], st, len;
	__u64 unmapped = 0;
	struct mc m;
	int ret;

	ret = mc_open(&m, uuid, false);
	if (!t_expect_ok("unmap.open", ret))
		return 1;
	victim = vt_anon_buffer(VICTIM_MAP, 0);
	if (!victim || map(&m, VICTIM_IOVA, victim, VICTIM_MAP) ||
	    !t_expect_ok("unmap.enable", mc_enable(&m, 16)))
		goto out;
	fill_random(victim, VICTIM_MAP, 7);
	len = m.max_len < VICTIM_MAP ? m.max_len : VICTIM_MAP;
	for (i = 0; i < ARRAY_SIZE(idx); i++)
		idx[i] = mc_queue(&m, VICTIM_IOVA, len, DIG_IOVA + i * 40,
				  MCRYPTO_OP_SHA256);
	mc_kick(&m);
	/* Let the first job get its pins, then take the memory away. */
	sleep_ms(5);
	ret = vt_dma_unmap(m.h.container, VICTIM_IOVA, VICTIM_MAP, 0, &unmapped);
	t_check(!ret && unmapped == VICTIM_MAP, "unmap.buffer_under_jobs_succeeds",
		"ret %d (%s), unmapped %llu", ret, ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	mc_wait_idle(&m, 30000);
	sha256(victim, len, want);
	for (i = 0; i < ARRAY_SIZE(idx); i++) {
		st = status_of(&m, idx[i]);
		if (st == MCRYPTO_DESC_OK) {
			ok++;
			wrong += !!memcmp(m.dig + i * 40, want, 32);
		} else if (st == (MCRYPTO_DESC_ERR | ECANCELED)) {
			canceled++;
		} else if (st == (MCRYPTO_DESC_ERR | EFAULT)) {
			fault++;
		} else if (st) {
			other++;
		}
	}
	printf("INFO unmap: 8 jobs of %u B: %u ok, %u ECANCELED, %u EFAULT, %u untouched\n",
	       len, ok, canceled, fault, 8 - ok - canceled - fault - other);
	t_check(!wrong && !other && ok < ARRAY_SIZE(idx), "unmap.jobs_aborted_not_corrupted",
		"%u ok (%u wrong digests), %u other errors", ok, wrong, other);
	t_check(!canceled || rd(&m, MCRYPTO_REG_STATUS) & MCRYPTO_STATUS_HALTED,
		"unmap.abort_halts_queue", "STATUS %#x ERROR %u",
		rd(&m, MCRYPTO_REG_STATUS), rd(&m, MCRYPTO_REG_ERROR));
	t_check(rd(&m, MCRYPTO_REG_PINNED) == ring_pages(&m), "unmap.only_ring_pinned",
		"PINNED %u", rd(&m, MCRYPTO_REG_PINNED));

	/* Reset the queue; it works again on memory that is still mapped. */
	ret = mc_enable(&m, 16);
	map(&m, VICTIM_IOVA, victim, VICTIM_MAP);
	i = mc_queue(&m, VICTIM_IOVA + 3, 5000, DIG_IOVA + 1, MCRYPTO_OP_SHA256);
	mc_kick(&m);
	mc_wait_idle(&m, 10000);
	sha256(victim + 3, 5000, want);
	t_check(!ret && status_of(&m, i) == MCRYPTO_DESC_OK &&
		!memcmp(m.dig + 1, want, 32), "unmap.queue_reset_recovers",
		"enable %d, status %s", ret, status_name(status_of(&m, i)));

	/* The ring itself: the device halts and drops it. */
	ret = vt_dma_unmap(m.h.container, RING_IOVA, RING_MAP, 0, &unmapped);
	t_check(!ret && unmapped == RING_MAP, "unmap.ring_succeeds", "ret %d", ret);
	st = rd(&m, MCRYPTO_REG_STATUS) & (MCRYPTO_STATUS_HALTED | MCRYPTO_STATUS_ENABLED);
	t_check(st == MCRYPTO_STATUS_HALTED && rd(&m, MCRYPTO_REG_ERROR) == EFAULT &&
		rd(&m, MCRYPTO_REG_PINNED) == 0, "unmap.ring_halts_and_unpins",
		"STATUS %#x ERROR %u PINNED %u", rd(&m, MCRYPTO_REG_STATUS),
		rd(&m, MCRYPTO_REG_ERROR), rd(&m, MCRYPTO_REG_PINNED));
	t_check(wait_readable(m.efd, 1000) > 0, "unmap.ring_loss_interrupts",
		"no MSI");
	wr(&m, MCRYPTO_REG_CTRL, 0);
	map(&m, RING_IOVA, m.ring, RING_MAP);
out:
	mc_close(&m);
	if (victim)
		munmap(victim, VICTIM_MAP);
	return t_exit_status();
}

/* ------------------------------------------------------------------ */

static int rlimit_child(const char *uuid)
{
	const long pg_kb = page_size / 1024;
	struct rlimit rl;
	long lck0, lck;
	struct mc m;
	__u32 i, st;
	int ret;

	memset(&m, 0, sizeof(m));
	m.efd = -1;
	ret = vfio_open_device(uuid, &m.h);
	if (!t_expect_ok("rlimit.open", ret))
		return 1;
	m.ring = vt_anon_buffer(RING_MAP, 0);
	m.dig = vt_anon_buffer(DIG_MAP, 0);
	m.src = vt_anon_buffer(SRC_MAP, 0x33);
	lck0 = proc_status_kb(vt_pin_counter());
	rl.rlim_cur = (lck0 + 16 * pg_kb) * 1024;
	rl.rlim_max = rl.rlim_cur;
	if (!m.ring || !m.dig || !m.src || setrlimit(RLIMIT_MEMLOCK, &rl) ||
	    setgroups(0, NULL) || setgid(65534) || setuid(65534) || geteuid() != 65534) {
		t_fail("rlimit.drop_privileges", "%s", strerrorname_np(errno));
		return 1;
	}
	ret = map(&m, RING_IOVA, m.ring, RING_MAP);
	if (!ret)
		ret = map(&m, DIG_IOVA, m.dig, DIG_MAP);
	if (!ret)
		ret = map(&m, SRC_IOVA, m.src, SRC_MAP);
	if (!t_expect_ok("rlimit.map_unprivileged", ret))
		return 1;
	m.max_len = rd(&m, MCRYPTO_REG_MAX_LEN);
	if (!t_expect_ok("rlimit.enable", mc_enable(&m, 32)))
		return 1;
	i = mc_queue(&m, SRC_IOVA, 8 * page_size, DIG_IOVA, MCRYPTO_OP_SHA256);
	mc_kick(&m);
	mc_wait_idle(&m, 10000);
	st = status_of(&m, i);
	t_check(st == MCRYPTO_DESC_OK, "rlimit.job_within_limit", "status %s",
		status_name(st));
	i = mc_queue(&m, SRC_IOVA + 100, 64 * page_size, DIG_IOVA, MCRYPTO_OP_SHA256);
	mc_kick(&m);
	mc_wait_idle(&m, 10000);
	st = status_of(&m, i);
	t_check(st == (MCRYPTO_DESC_ERR | ENOMEM), "rlimit.job_past_limit_enomem",
		"status %s", status_name(st));
	lck = proc_status_kb(vt_pin_counter());
	t_check(rd(&m, MCRYPTO_REG_PINNED) == ring_pages(&m) &&
		lck == lck0 + ring_pages(&m) * pg_kb, "rlimit.failed_job_leaks_nothing",
		"PINNED %u (ring %u), %s %ld kB (baseline %ld kB)",
		rd(&m, MCRYPTO_REG_PINNED), ring_pages(&m), vt_pin_counter(),
		lck, lck0);
	i = mc_queue(&m, SRC_IOVA, 12 * page_size, DIG_IOVA, MCRYPTO_OP_SHA256);
	mc_kick(&m);
	mc_wait_idle(&m, 10000);
	st = status_of(&m, i);
	t_check(st == MCRYPTO_DESC_OK, "rlimit.job_up_to_limit_after_failure",
		"status %s", status_name(st));
	ret = vt_dma_unmap(m.h.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	lck = proc_status_kb(vt_pin_counter());
	t_check(!ret && lck == lck0 && rd(&m, MCRYPTO_REG_PINNED) == 0,
		"rlimit.unmap_all_restores_locked_vm",
		"ret %d, %s %ld kB (baseline %ld kB), PINNED %u", ret,
		vt_pin_counter(), lck, lck0, rd(&m, MCRYPTO_REG_PINNED));
	vfio_close(&m.h);
	return t_failures() ? 1 : 0;
}

static int run_rlimit(const char *uuid)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(rlimit_child(uuid));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/* ------------------------------------------------------------------ */

/* Keep 4 MiB jobs (or the type's longest) queued until killed. */
static int run_hold(const char *uuid)
{
	struct mc m;
	__u32 len;

	if (mc_open(&m, uuid, true) || mc_enable(&m, 16))
		return 1;
	len = m.max_len;
	printf("READY %d %ld\n", getpid(), proc_status_kb(vt_pin_counter()));
	fflush(stdout);
	for (;;) {
		while ((m.tail + 1) % m.size != rd(&m, MCRYPTO_REG_HEAD))
			mc_queue(&m, SRC_IOVA + 1, len - 1, DIG_IOVA, MCRYPTO_OP_SHA256);
		mc_kick(&m);
		wait_readable(m.efd, 100);
		vt_eventfd_drain(m.efd);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static int run_bench(const char *uuid)
{
	static const __u32 sizes[] = { 4096, 65536, 1 << 20, 4 << 20 };
	__u64 ns0, b0, jns, jbytes, kns;
	unsigned int i, k, n;
	__s64 t0, wall;
	struct mc m;

	if (!t_expect_ok("bench.open", mc_open(&m, uuid, true)) ||
	    !t_expect_ok("bench.enable", mc_enable(&m, m.depth)))
		return 1;
	printf("%10s %6s %14s %14s %14s %8s\n", "size", "jobs", "pinned MB/s",
	       "client MB/s", "kernel MB/s", "ratio");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (sizes[i] > m.max_len)
			continue;
		n = sizes[i] >= (1 << 20) ? 8 : 64;
		ns0 = rd64(&m, MCRYPTO_REG_JOB_NS_LO);
		b0 = rd64(&m, MCRYPTO_REG_JOB_BYTES_LO);
		t0 = now_ms();
		for (k = 0; k < n; k++)
			mc_queue(&m, SRC_IOVA, sizes[i], DIG_IOVA, MCRYPTO_OP_SHA256);
		mc_kick(&m);
		mc_wait_idle(&m, 120000);
		wall = now_ms() - t0;
		jns = rd64(&m, MCRYPTO_REG_JOB_NS_LO) - ns0;
		jbytes = rd64(&m, MCRYPTO_REG_JOB_BYTES_LO) - b0;
		kns = 0;
		for (k = 0; k < n; k++) {
			wr(&m, MCRYPTO_REG_BENCH, sizes[i]);
			kns += rd64(&m, MCRYPTO_REG_BENCH_NS_LO);
		}
		if (!jns || !kns || jbytes != (__u64)n * sizes[i]) {
			t_fail("bench.run", "size %u: job ns %llu bytes %llu kernel ns %llu",
			       sizes[i], (unsigned long long)jns,
			       (unsigned long long)jbytes, (unsigned long long)kns);
			continue;
		}
		printf("%10u %6u %14.1f %14.1f %14.1f %8.3f\n", sizes[i], n,
		       jbytes * 1e3 / jns, wall ? jbytes / 1e3 / wall : 0.0,
		       jbytes * 1e3 / kns, (double)kns / jns);
	}
	printf("ratio = pinned-page throughput / kernel-memory throughput, both timed in-kernel\n");
	mc_close(&m);
	return t_exit_status();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	if (argc != 3) {
		fprintf(stderr, "usage: %s jobs|unmap|rlimit|hold|bench UUID\n", argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "jobs"))
		return run_jobs(argv[2]);
	if (!strcmp(argv[1], "unmap"))
		return run_unmap(argv[2]);
	if (!strcmp(argv[1], "rlimit"))
		return run_rlimit(argv[2]);
	if (!strcmp(argv[1], "hold"))
		return run_hold(argv[2]);
	if (!strcmp(argv[1], "bench"))
		return run_bench(argv[2]);
	fprintf(stderr, "unknown mode %s\n", argv[1]);
	return 2;
}
