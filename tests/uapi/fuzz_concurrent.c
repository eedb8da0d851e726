// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded, bounded, multi-threaded fuzzer of the VFIO/mdev ABI, run in the
 * test guest by tests/vm/scenarios/fuzz-concurrent.sh:
 *
 *   fuzz_concurrent [--seed N] [--seconds S] [--ops N] [--threads N]
 *		     [--watchdog S] [--module FIXTURE.ko] [--xparent TYPE_DIR]
 *
 * Fuzz threads issue random but plausibly shaped VFIO container, group and
 * device ioctls, preads and pwrites at region offsets, mmaps and munmaps of
 * BAR0, DMA maps and unmaps of one shared arena, and closes and re-opens,
 * all on container, group and device fds SHARED between the threads. At the
 * same time lifecycle threads create and remove the fixture's mediated
 * devices through sysfs and (with --module) unload and reload the fixture
 * module itself. Every other unload attempt first "drains": the fuzz
 * threads drop their device fds and mappings (which pin the module) and
 * open none until the reload, so that unloads happen mid-fuzz; the other
 * attempts fail with EAGAIN against open devices. A fuzz thread also drops
 * them when its REQ eventfd fires, as QEMU would, so removals complete.
 * With --xparent (a mdev_supported_types/<type> directory of another
 * parent, such as mtty's), one more thread creates the same UUIDs there:
 * the two parents race for each UUID, and the fuzz threads open whichever
 * device won.
 *
 * A "close" replaces the slot's file by a placeholder (/dev/null) with
 * dup2(), so a slot's fd number always names a file: a thread racing with
 * the close uses the old file or the placeholder, never an unrelated file
 * that reused the number. The kernel sees a real last fput of the VFIO file.
 *
 * Each thread draws its choices from its own xorshift stream seeded from
 * --seed and its index, a fixed number of words per operation whatever the
 * results: the same seed gives every thread the same sequence of
 * operations and arguments. Interleavings, and so the results, differ.
 *
 * The run fails (FAIL lines) on a result outside what the call may return
 * here: an errno not in the operation's set (a kernel-internal errno >= 512
 * always), a read or write longer than asked, a failed munmap or dup2; on
 * a fatal signal; and on a watchdog timeout (alarm), which prints what each
 * thread was doing. It prints per operation the attempts, successes and
 * failures by errno, the slowest call, and the create/remove/unload/reload
 * cycles done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "common.h"

#define FIX_MODULE	"mdev_sdk_fixture"
#define NR_UUIDS	3	/* of the pool of MFIX_MAX_INSTANCES: 1 spare */
#define NR_HANDLES	2	/* container/group/device slot triples */
#define NR_EFDS		4
#define NR_MAPS		8
#define MAX_THREADS	16
#define ARENA_PAGES	256
#define ARENA_IOVA	0x40000000ULL	/* 1 GiB */
#define NR_WORDS	8	/* random words drawn per operation */
#define MAX_ERRNO	134
#define VFIO_NR(n)	_IO(VFIO_TYPE, VFIO_BASE + (n))

/* ------------------------------------------------------------------ */
/* Operations and the errnos each may legally fail with.              */

enum fuzz_op {
	OP_CONT_IOCTL,	/* GET_API_VERSION, CHECK_EXTENSION, IOMMU_GET_INFO, ... */
	OP_SET_IOMMU,
	OP_MAP_DMA,
	OP_UNMAP_DMA,
	OP_GROUP_STATUS,
	OP_SET_CONTAINER,
	OP_UNSET_CONTAINER,
	OP_GET_DEVICE_FD,
	OP_DEV_IOCTL,	/* GET_INFO, REGION/IRQ_INFO, RESET, FEATURE, other */
	OP_SET_IRQS,
	OP_PREAD,
	OP_PWRITE,
	OP_MMAP,
	OP_MUNMAP,
	OP_CLOSE,
	OP_OPEN_CONTAINER,
	OP_GROUP_LINK,	/* readlink of the device's iommu_group */
	OP_OPEN_GROUP,
	OP_REQ_RELEASE,	/* an eventfd fired: release the device, as QEMU would */
	OP_DRAIN,	/* the module thread asked: release the device */
	OP_CREATE,
	OP_XCREATE,	/* the same UUIDs under --xparent */
	OP_REMOVE,
	OP_RMMOD,
	OP_INSMOD,
	NR_OPS
};

/*
 * Besides the kernel code's own errnos: a slot closed under the call holds
 * /dev/null, on which ioctl fails with ENOTTY, mmap with ENODEV, and pread
 * and pwrite succeed. EFAULT is legal wherever a pointer is passed, since
 * some arguments are deliberately bad pointers.
 */
static const struct op_desc {
	const char *name;
	int legal[12];
} ops[NR_OPS] = {
	/* UNMAP_DMA is among the VFIO numbers tried. */
	[OP_CONT_IOCTL] = { "container.ioctl",
		{ EINVAL, EFAULT, ENOTTY, ENODEV, EBUSY, EPERM } },
	[OP_SET_IOMMU] = { "container.set_iommu",
		{ EINVAL, ENODEV, EBUSY, EPERM, ENOTTY } },
	/* ENOENT: FLAG_VADDR for a range with no mapping. */
	[OP_MAP_DMA] = { "container.map_dma",
		{ EINVAL, EFAULT, EEXIST, ENOSPC, EBUSY, EPERM, ENOTTY,
		  ENOENT } },
	[OP_UNMAP_DMA] = { "container.unmap_dma",
		{ EINVAL, EFAULT, EBUSY, EPERM, ENOTTY } },
	[OP_GROUP_STATUS] = { "group.get_status",
		{ EINVAL, EFAULT, ENODEV, ENOTTY } },
	[OP_SET_CONTAINER] = { "group.set_container",
		{ EINVAL, EFAULT, EBADF, EBUSY, ENODEV, EPERM, ENOTTY } },
	[OP_UNSET_CONTAINER] = { "group.unset_container",
		{ EINVAL, EBUSY, ENODEV, ENOTTY } },
	[OP_GET_DEVICE_FD] = { "group.get_device_fd",
		{ EINVAL, EFAULT, EBUSY, ENODEV, ENOTTY } },
	[OP_DEV_IOCTL] = { "device.ioctl",
		{ EINVAL, EFAULT, ENOTTY } },
	[OP_SET_IRQS] = { "device.set_irqs",
		{ EINVAL, EFAULT, EBADF, ENOTTY } },
	[OP_PREAD] = { "device.pread",
		{ EINVAL, EFAULT } },
	/* The fixture's control commands return the pin/DMA errno. */
	[OP_PWRITE] = { "device.pwrite",
		{ EINVAL, EFAULT, EOPNOTSUPP, EOVERFLOW, E2BIG, EPERM,
		  EACCES } },
	[OP_MMAP] = { "device.mmap",
		{ EINVAL, EACCES, ENODEV, EOVERFLOW } },
	[OP_MUNMAP] = { "munmap", { 0 } },
	/* dup2() returns EBUSY when it races with an fd allocation. */
	[OP_CLOSE] = { "close (dup2)", { EBUSY } },
	[OP_OPEN_CONTAINER] = { "open.container", { ENOENT, ENODEV } },
	/* No such device (now). */
	[OP_GROUP_LINK] = { "sysfs.iommu_group", { ENOENT } },
	/* Group already open (EBUSY), gone or dying (ENOENT, ENODEV). */
	[OP_OPEN_GROUP] = { "open.group", { ENOENT, EBUSY, ENODEV, ENXIO } },
	[OP_REQ_RELEASE] = { "req.release", { 0 } },
	[OP_DRAIN] = { "drain.release", { 0 } },
	/* A missing parent is ENOENT at open(2), ENODEV at write(2). */
	[OP_CREATE] = { "sysfs.create",
		{ EEXIST, EUSERS, ENODEV, ENOENT, EAGAIN } },
	[OP_XCREATE] = { "sysfs.create.xparent",
		{ EEXIST, EUSERS, ENODEV, ENOENT, EAGAIN } },
	[OP_REMOVE] = { "sysfs.remove", { ENODEV, ENOENT, EAGAIN } },
	/* In use (EWOULDBLOCK), mid-load or unload (EBUSY), gone (ENOENT). */
	[OP_RMMOD] = { "module.unload", { EAGAIN, EBUSY, ENOENT } },
	[OP_INSMOD] = { "module.reload", { EEXIST, EBUSY } },
};

static bool op_legal(enum fuzz_op op, int err)
{
	size_t i;

	if (err <= 0 || err >= 512)
		return false;
	for (i = 0; i < ARRAY_SIZE(ops[op].legal) && ops[op].legal[i]; i++)
		if (ops[op].legal[i] == err)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Shared state.                                                       */

struct stats {
	long tried[NR_OPS];
	long ok[NR_OPS];
	long bad[NR_OPS];
	long err[NR_OPS][MAX_ERRNO + 1];	/* the last: errno > MAX */
	__s64 slowest_ms[NR_OPS];
};

struct thread {
	pthread_t tid;
	int index;
	__u64 rng;
	long done;
	struct stats st;
	int drain_seen;
	/* For the watchdog: what the thread is in, since when. */
	atomic_int cur_op;
	atomic_llong cur_since;
	const struct role *role;
};

struct handle {
	int container, group, device;	/* slot fd numbers, always open */
};

static const char *const uuids[NR_UUIDS] = {
	"f022c0de-0000-4000-8000-000000000001",
	"f022c0de-0000-4000-8000-000000000002",
	"f022c0de-0000-4000-8000-000000000003",
};

/* The last one has no request callback: its removal just waits. */
static const char *uuid_type(int i)
{
	return i == NR_UUIDS - 1 ? MFIX_NOREQ : MFIX_BASIC;
}

static struct handle handles[NR_HANDLES];
static int placeholder = -1;
static int efds[NR_EFDS];
static unsigned char *arena, *guard;
static long page_size;

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static struct { void *addr; size_t len; } maps[NR_MAPS];

static atomic_int stop;
/*
 * Every other unload attempt drains first: the fuzz threads let go of
 * their device fds and mappings (which hold the module) and open no new
 * ones until the unload and reload are done, while everything else goes
 * on. The other attempts race with open devices and fail.
 */
static atomic_int draining, drain_epoch, drain_acks;
static __u64 seed;
static int seconds = 30, nr_fuzzers = 4, watchdog_s;
static long max_ops;
static const char *module_path, *xparent;
static __s64 start_ms;

static struct thread threads[MAX_THREADS];
static int nr_threads;

static pthread_mutex_t bad_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_bad[256];

/* ------------------------------------------------------------------ */
/* Randomness: a fixed number of words per operation.                  */

static __u64 xorshift(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static __u64 splitmix(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct draw {
	__u64 w[NR_WORDS];
	int next;
};

static void draw_words(struct thread *t, struct draw *d)
{
	int i;

	for (i = 0; i < NR_WORDS; i++)
		d->w[i] = xorshift(&t->rng);
	d->next = 0;
}

/* Words beyond NR_WORDS are derived, never drawn: the stream stays fixed. */
static __u64 rnd(struct draw *d)
{
	__u64 v = d->w[d->next % NR_WORDS];

	if (d->next >= NR_WORDS)
		v = splitmix(v + d->next);
	d->next++;
	return v;
}

static __u64 below(struct draw *d, __u64 n)
{
	return n ? rnd(d) % n : 0;
}

static __u64 interesting(struct draw *d)
{
	static const __u64 v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 255, 256, 4095, 4096,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
		1ULL << 40, (1ULL << 40) - 1, (2ULL << 40) + 0x100,
	};
	__u64 sel = rnd(d), val = rnd(d);

	switch (sel % 3) {
	case 0:
		return v[val % ARRAY_SIZE(v)];
	case 1:
		return val % 64;
	default:
		return val;
	}
}

/* ------------------------------------------------------------------ */
/* Accounting.                                                         */

static const char *errname(int err)
{
	return strerrorname_np(err) ?: "?";
}

/* Count a result outside the legal set; the first is kept for the report. */
static void note_bad(struct thread *t, enum fuzz_op op, const char *what)
{
	t->st.bad[op]++;
	pthread_mutex_lock(&bad_lock);
	if (!first_bad[0])
		snprintf(first_bad, sizeof(first_bad),
			 "%s %s (thread %d, op #%ld, %.1f s in)",
			 ops[op].name, what, t->index, t->done,
			 (now_ms() - start_ms) / 1000.0);
	pthread_mutex_unlock(&bad_lock);
}

static void begin(struct thread *t, enum fuzz_op op)
{
	atomic_store(&t->cur_since, now_ms());
	atomic_store(&t->cur_op, op);
}

/*
 * Account @ret of @op, a syscall result (-1 and errno on failure). @max,
 * if not negative, bounds a successful result (a read's length).
 */
static void account(struct thread *t, enum fuzz_op op, long ret, int err,
		    long max)
{
	__s64 ms = now_ms() - atomic_load(&t->cur_since);
	char what[64];

	atomic_store(&t->cur_op, -1);
	t->st.tried[op]++;
	if (ms > t->st.slowest_ms[op])
		t->st.slowest_ms[op] = ms;
	if (ret >= 0) {
		t->st.ok[op]++;
		if (max >= 0 && ret > max) {
			snprintf(what, sizeof(what), "returned %ld > %ld", ret,
				 max);
			note_bad(t, op, what);
		}
		return;
	}
	t->st.err[op][err > 0 && err < MAX_ERRNO ? err : MAX_ERRNO]++;
	if (!op_legal(op, err)) {
		snprintf(what, sizeof(what), "failed with %s (%d)",
			 errname(err), err);
		note_bad(t, op, what);
	}
}

/* For 0-or-negative-errno results (sysfs_write()). */
static void account_ret(struct thread *t, enum fuzz_op op, int ret)
{
	account(t, op, ret < 0 ? -1 : 0, -ret, -1);
}

/* One ioctl on @fd, accounted as @op; its result. */
static long fuzz_ioctl(struct thread *t, enum fuzz_op op, int fd,
		       unsigned long cmd, void *arg)
{
	long ret;

	begin(t, op);
	ret = ioctl(fd, cmd, arg);
	account(t, op, ret, errno, -1);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Slots.                                                              */

/* Replace the file in @slot by the placeholder: a last fput, race-free. */
static void slot_close(struct thread *t, int slot)
{
	long ret;

	begin(t, OP_CLOSE);
	ret = dup2(placeholder, slot);
	account(t, OP_CLOSE, ret, errno, -1);
}

/* Install @fd, a new file, in @slot. */
static void slot_install(int slot, int fd)
{
	if (fd < 0)
		return;
	/* On the rare EBUSY the new file is simply dropped. */
	dup2(fd, slot);
	close(fd);
}

static struct handle *pick_handle(struct draw *d)
{
	return &handles[below(d, NR_HANDLES)];
}

static int uuid_index(struct draw *d)
{
	return below(d, NR_UUIDS);
}

/*
 * The device a handle opens: mostly one of "its own" (index modulo
 * NR_HANDLES), so that handles do not keep failing on each other's open
 * group with EBUSY; sometimes any, so that they do.
 */
static int handle_uuid(struct draw *d, const struct handle *h)
{
	int own = h - handles, u = below(d, NR_UUIDS), any = below(d, 8) == 0;

	if (any)
		return u;
	u -= u % NR_HANDLES;
	return u + own < NR_UUIDS ? u + own : own;
}

/* No new device fd or mapping while the module thread drains. */
static bool may_open_device(void)
{
	return !atomic_load(&draining);
}

static void unmap_all(void)
{
	int i;

	pthread_mutex_lock(&maps_lock);
	for (i = 0; i < NR_MAPS; i++) {
		if (maps[i].addr)
			munmap(maps[i].addr, maps[i].len);
		maps[i].addr = NULL;
	}
	pthread_mutex_unlock(&maps_lock);
}

/* ------------------------------------------------------------------ */
/* Container.                                                          */

static void do_cont_ioctl(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 buf[32];
	struct vfio_iommu_type1_info *info = (void *)buf;
	__u64 sel = below(d, 6), a = interesting(d);
	unsigned long cmd;
	void *arg = buf;

	memset(buf, 0, sizeof(buf));
	info->argsz = below(d, 2) ? sizeof(buf) : a;
	info->flags = below(d, 4) ? 0 : rnd(d);
	switch (sel) {
	case 0:
		cmd = VFIO_GET_API_VERSION;
		break;
	case 1:
		cmd = VFIO_CHECK_EXTENSION;
		arg = (void *)(uintptr_t)below(d, 12);
		break;
	case 2:
	case 3:
		cmd = VFIO_IOMMU_GET_INFO;
		if (below(d, 8) == 0)
			arg = guard;
		break;
	case 4:
		/* Any VFIO number but MAP_DMA, whose vaddr is steered. */
		cmd = VFIO_NR(below(d, 24));
		if (cmd == VFIO_IOMMU_MAP_DMA)
			cmd = VFIO_IOMMU_DIRTY_PAGES;
		break;
	default:
		cmd = _IO(';' + 1, below(d, 32));
		break;
	}
	fuzz_ioctl(t, OP_CONT_IOCTL, h->container, cmd, arg);
}

static void do_set_iommu(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 sel = below(d, 8);
	unsigned long type = sel < 5 ? VFIO_TYPE1v2_IOMMU :
			     sel < 7 ? VFIO_TYPE1_IOMMU : interesting(d);

	fuzz_ioctl(t, OP_SET_IOMMU, h->container, VFIO_SET_IOMMU,
		   (void *)type);
}

static void do_map_dma(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 pg = below(d, ARENA_PAGES), npg = 1 + below(d, 16);
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = ARENA_IOVA + page_size * below(d, 2 * ARENA_PAGES),
	};
	__u64 sel = below(d, 16);

	if (pg + npg > ARENA_PAGES)
		npg = ARENA_PAGES - pg;
	m.vaddr = (uintptr_t)arena + pg * page_size;
	m.size = npg * page_size;
	/* The vaddr always stays inside the arena or on the guard page. */
	switch (sel) {
	case 0:
		m.argsz = interesting(d);
		break;
	case 1:
		m.flags = rnd(d) & 0xff;
		break;
	case 2:
		m.vaddr = (uintptr_t)guard;
		m.size = page_size;
		break;
	case 3:
		m.iova += below(d, page_size);
		break;
	case 4:
		m.size = below(d, 2) ? 0 : m.size - below(d, page_size);
		break;
	case 5:
		m.flags = VFIO_DMA_MAP_FLAG_READ;
		break;
	case 6:
		m.iova = interesting(d) & ~(__u64)(page_size - 1);
		break;
	case 7:
		m.flags |= VFIO_DMA_MAP_FLAG_VADDR;
		break;
	}
	fuzz_ioctl(t, OP_MAP_DMA, h->container, VFIO_IOMMU_MAP_DMA,
		   sel == 8 ? (void *)guard : (void *)&m);
}

static void do_unmap_dma(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = ARENA_IOVA + page_size * below(d, 2 * ARENA_PAGES),
		.size = page_size * (1 + below(d, 32)),
	};
	__u64 sel = below(d, 12);

	switch (sel) {
	case 0:
		u.flags = VFIO_DMA_UNMAP_FLAG_ALL;
		u.iova = 0;
		u.size = 0;
		break;
	case 1:
		u.argsz = interesting(d);
		break;
	case 2:
		u.flags = 1u << below(d, 32);
		break;
	case 3:
		u.iova = interesting(d);
		u.size = interesting(d);
		break;
	case 4:
		/* Everything the fuzzers can have mapped. */
		u.iova = ARENA_IOVA;
		u.size = 2 * ARENA_PAGES * page_size;
		break;
	}
	fuzz_ioctl(t, OP_UNMAP_DMA, h->container, VFIO_IOMMU_UNMAP_DMA,
		   sel == 5 ? (void *)guard : (void *)&u);
}

/* ------------------------------------------------------------------ */
/* Group.                                                              */

static void do_group_status(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	struct vfio_group_status s = { .argsz = sizeof(s) };
	__u64 sel = below(d, 8);

	if (sel == 0)
		s.argsz = interesting(d);
	fuzz_ioctl(t, OP_GROUP_STATUS, h->group, VFIO_GROUP_GET_STATUS,
		   sel == 1 ? (void *)guard : (void *)&s);
}

static void do_set_container(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 sel = below(d, 10);
	int fd = h->container;

	if (sel == 0)
		fd = handles[below(d, NR_HANDLES)].container;
	else if (sel == 1)
		fd = below(d, 64);
	else if (sel == 2)
		fd = h->group;
	fuzz_ioctl(t, OP_SET_CONTAINER, h->group, VFIO_GROUP_SET_CONTAINER,
		   sel == 3 ? (void *)guard : (void *)&fd);
}

static void do_unset_container(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);

	fuzz_ioctl(t, OP_UNSET_CONTAINER, h->group,
		   VFIO_GROUP_UNSET_CONTAINER, NULL);
}

static void do_get_device_fd(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	char name[UUID_STR_LEN + 8];
	__u64 sel = below(d, 10);
	int u = uuid_index(d);
	long ret;

	snprintf(name, sizeof(name), "%s", uuids[u]);
	if (sel == 0)
		name[below(d, UUID_STR_LEN)] = '\0';
	else if (sel == 1)
		name[below(d, UUID_STR_LEN - 1)] ^= 1 + below(d, 127);
	if (!may_open_device())
		return;
	ret = fuzz_ioctl(t, OP_GET_DEVICE_FD, h->group,
			 VFIO_GROUP_GET_DEVICE_FD,
			 sel == 2 ? (char *)guard : name);
	if (ret >= 0)
		slot_install(h->device, ret);
}

/* ------------------------------------------------------------------ */
/* Device.                                                             */

static __u64 region_off(unsigned int index)
{
	return (__u64)index << MFIX_REGION_SHIFT;
}

static void do_dev_ioctl(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 buf[32];
	__u32 *w = (__u32 *)buf;
	__u64 sel = below(d, 16), a = interesting(d);
	unsigned long cmd;
	void *arg = buf;

	memset(buf, 0, sizeof(buf));
	w[0] = below(d, 4) ? 64 : a;		/* argsz */
	w[1] = below(d, 4) ? 0 : 1u << below(d, 32);	/* flags */
	w[2] = below(d, 12);			/* index */
	switch (sel) {
	case 0:
	case 1:
		cmd = VFIO_DEVICE_GET_INFO;
		break;
	case 2:
	case 3:
	case 4:
		cmd = VFIO_DEVICE_GET_REGION_INFO;
		break;
	case 5:
	case 6:
		cmd = VFIO_DEVICE_GET_IRQ_INFO;
		break;
	case 7:
		cmd = VFIO_DEVICE_RESET;
		break;
	case 8:
		/* Probes of any feature; migration state is never set. */
		cmd = VFIO_DEVICE_FEATURE;
		w[1] = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		       below(d, 16);
		break;
	case 9:
		cmd = VFIO_DEVICE_GET_INFO;
		arg = guard;
		break;
	case 10:
		cmd = VFIO_DEVICE_GET_REGION_INFO;
		arg = guard;
		break;
	default:
		/* Other VFIO numbers; those the container or group take too. */
		cmd = VFIO_NR(below(d, 24));
		if (cmd == VFIO_DEVICE_FEATURE || cmd == VFIO_DEVICE_SET_IRQS ||
		    cmd == VFIO_IOMMU_MAP_DMA)
			cmd = VFIO_DEVICE_GET_INFO;
		break;
	}
	fuzz_ioctl(t, OP_DEV_IOCTL, h->device, cmd, arg);
}

static void do_set_irqs(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	union {
		struct vfio_irq_set hdr;
		unsigned char raw[sizeof(struct vfio_irq_set) + 16];
	} u;
	__u64 sel = below(d, 12);
	__s32 fd = efds[below(d, NR_EFDS)];

	memset(&u, 0, sizeof(u));
	u.hdr.argsz = sizeof(u.hdr) + sizeof(__s32);
	u.hdr.flags = VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_EVENTFD;
	/* INTx or REQ mostly, where the fixture has eventfds. */
	u.hdr.index = below(d, 2) ? VFIO_PCI_INTX_IRQ_INDEX :
		      below(d, 2) ? VFIO_PCI_REQ_IRQ_INDEX : below(d, 8);
	u.hdr.start = 0;
	u.hdr.count = 1;
	switch (sel) {
	case 0:
		fd = -1;	/* disarm */
		break;
	case 1:
		fd = below(d, 64);
		break;
	case 2:
		u.hdr.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
			      VFIO_IRQ_SET_DATA_NONE;
		u.hdr.argsz = sizeof(u.hdr);
		break;
	case 3:
		u.hdr.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
			      VFIO_IRQ_SET_DATA_NONE;
		u.hdr.count = 0;
		u.hdr.argsz = sizeof(u.hdr);
		break;
	case 4:
		u.hdr.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
			      VFIO_IRQ_SET_DATA_BOOL;
		u.raw[sizeof(u.hdr)] = below(d, 2);
		break;
	case 5:
		u.hdr.argsz = interesting(d);
		break;
	case 6:
		u.hdr.flags = rnd(d) & 0x3f;
		break;
	case 7:
		u.hdr.start = interesting(d);
		u.hdr.count = interesting(d);
		break;
	}
	memcpy(u.hdr.data, &fd, sizeof(fd));
	fuzz_ioctl(t, OP_SET_IRQS, h->device, VFIO_DEVICE_SET_IRQS,
		   sel == 8 ? (void *)guard : (void *)&u);
}

/* A region offset: in a region mostly, at or past its end sometimes. */
static __u64 pick_offset(struct draw *d, size_t *len)
{
	static const unsigned int idx[] = {
		VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_BAR0_REGION_INDEX,
		VFIO_PCI_BAR2_REGION_INDEX, VFIO_PCI_BAR1_REGION_INDEX,
	};
	static const __u64 size[] = {
		MFIX_CONFIG_SIZE, MFIX_BAR0_SIZE, MFIX_CTL_SIZE, 0,
	};
	__u64 i = below(d, ARRAY_SIZE(idx)), sel = below(d, 6);
	__u64 base = region_off(idx[i]), sz = size[i] ? size[i] : 64;

	switch (below(d, 4)) {
	case 0:
		*len = 1u << below(d, 4);
		break;
	case 1:
		*len = below(d, page_size + 1);
		break;
	default:
		*len = 1 + below(d, 16);
		break;
	}
	switch (sel) {
	case 0:
		return interesting(d);
	case 1:
		return base + sz - below(d, 8);
	case 2:
		return base + sz + below(d, 64);
	default:
		return base + below(d, sz);
	}
}

/*
 * Where a pread or pwrite goes, by @sel: the device mostly, else the
 * group or the container, which refuse it.
 */
static int rw_fd(const struct handle *h, __u64 sel)
{
	return sel == 0 ? h->group : sel == 1 ? h->container : h->device;
}

static void do_pread(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	unsigned char buf[4096 + 16];
	size_t len;
	__u64 off = pick_offset(d, &len), sel = below(d, 32);
	int fd = rw_fd(h, sel);
	long ret;

	if (sel == 2)
		off = region_off(VFIO_PCI_BAR2_REGION_INDEX) + MFIX_CTL_STATUS;
	begin(t, OP_PREAD);
	ret = pread(fd, sel == 3 ? (void *)guard : (void *)buf, len, off);
	account(t, OP_PREAD, ret, errno, len);
}

static void do_pwrite(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	unsigned char buf[4096 + 16];
	struct mfix_ctl_cmd *cmd = (void *)buf;
	size_t len, i;
	__u64 off = pick_offset(d, &len), sel = below(d, 32);
	__u64 fill = rnd(d);
	int fd = rw_fd(h, sel);
	long ret;

	for (i = 0; i < len; i++)
		buf[i] = splitmix(fill + i / 8) >> (8 * (i % 8));
	if (sel >= 4 && sel < 16) {
		/* A well-formed control command on the arena's IOVAs. */
		off = region_off(VFIO_PCI_BAR2_REGION_INDEX) + MFIX_CTL_CMD;
		len = sizeof(*cmd);
		cmd->iova = htole64(ARENA_IOVA +
				    page_size * below(d, 2 * ARENA_PAGES) +
				    (below(d, 8) ? 0 : below(d, page_size)));
		cmd->count = htole32(below(d, 8) ? 1 + below(d, 8) :
					 interesting(d));
		cmd->op = htole32(1 + below(d, MFIX_OP_UNPIN_ALL +
					       (below(d, 8) == 0)));
	}
	begin(t, OP_PWRITE);
	ret = pwrite(fd, sel == 3 ? (void *)guard : (void *)buf, len, off);
	account(t, OP_PWRITE, ret, errno, len);
}

static void do_mmap(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 sel = below(d, 8), pgoff = below(d, 6);
	size_t len = page_size * (1 + below(d, 5));
	int prot = PROT_READ | PROT_WRITE, flags = MAP_SHARED, i, ret;
	off_t off = region_off(VFIO_PCI_BAR0_REGION_INDEX) + pgoff * page_size;
	void *p;

	switch (sel) {
	case 0:
		flags = MAP_PRIVATE;
		break;
	case 1:
		off = region_off(below(d, 10));
		break;
	case 2:
		prot = PROT_READ;
		break;
	case 3:
		off = (interesting(d) & ~(__u64)(page_size - 1)) &
		      ((1ULL << 62) - 1);
		break;
	}
	if (!may_open_device())
		return;
	begin(t, OP_MMAP);
	p = mmap(NULL, len, prot, flags, h->device, off);
	account(t, OP_MMAP, p == MAP_FAILED ? -1 : 0, errno, -1);
	if (p == MAP_FAILED)
		return;
	/* Touch it before anyone else can see it; then keep it a while. */
	if (__atomic_load_n((unsigned char *)p, __ATOMIC_RELAXED) == 0x5a &&
	    (prot & PROT_WRITE))
		__atomic_store_n((unsigned char *)p, 0xa5, __ATOMIC_RELAXED);
	pthread_mutex_lock(&maps_lock);
	for (i = 0; i < NR_MAPS && maps[i].addr; i++)
		;
	if (i < NR_MAPS) {
		maps[i].addr = p;
		maps[i].len = len;
		p = NULL;
	}
	pthread_mutex_unlock(&maps_lock);
	if (p) {
		begin(t, OP_MUNMAP);
		ret = munmap(p, len);
		account(t, OP_MUNMAP, ret, errno, -1);
	}
}

static void do_munmap(struct thread *t, struct draw *d)
{
	int i = below(d, NR_MAPS);
	size_t len;
	void *p;
	int ret;

	pthread_mutex_lock(&maps_lock);
	p = maps[i].addr;
	len = maps[i].len;
	maps[i].addr = NULL;
	pthread_mutex_unlock(&maps_lock);
	if (!p)
		return;
	begin(t, OP_MUNMAP);
	ret = munmap(p, len);
	account(t, OP_MUNMAP, ret, errno, -1);
}

/* ------------------------------------------------------------------ */
/* Close and re-open.                                                  */

static void do_close(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	__u64 sel = below(d, 8);

	/* Device fds mostly: they are what removal and rmmod wait for. */
	slot_close(t, sel < 4 ? h->device : sel < 6 ? h->group : h->container);
}

/* Open a container into @h's slot. */
static void open_container(struct thread *t, struct handle *h)
{
	int fd, err;

	begin(t, OP_OPEN_CONTAINER);
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	err = errno;
	account(t, OP_OPEN_CONTAINER, fd, err, -1);
	slot_install(h->container, fd);
}

/* Open the group of uuids[@u] into @h's slot; false if it has none. */
static bool open_group(struct thread *t, struct handle *h, int u)
{
	int id, fd, err;
	char path[64];

	begin(t, OP_GROUP_LINK);
	id = mdev_group_id(uuids[u]);
	account(t, OP_GROUP_LINK, id < 0 ? -1 : 0, -id, -1);
	if (id < 0)
		return false;
	begin(t, OP_OPEN_GROUP);
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	fd = open(path, O_RDWR | O_CLOEXEC);
	err = errno;
	account(t, OP_OPEN_GROUP, fd, err, -1);
	slot_install(h->group, fd);
	return true;
}

static void do_open_container(struct thread *t, struct draw *d)
{
	open_container(t, pick_handle(d));
}

static void do_open_group(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);

	open_group(t, h, handle_uuid(d, h));
}

/*
 * What a client does to get a device, step by step on a handle whose
 * device is not open (any more): close what the handle had, open the
 * container and the group, SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD and arm
 * REQ, each step accounted as its own operation. Other threads may close
 * or reuse the slots at any point; steps then fail as they would one by
 * one.
 */
static void do_bring_up(struct thread *t, struct draw *d)
{
	struct handle *h = pick_handle(d);
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int u = handle_uuid(d, h), cfd;
	long ret;

	/* A live handle is left alone: only do_close() and REQ take it. */
	if (!ioctl(h->device, VFIO_DEVICE_GET_INFO, &info))
		return;
	slot_close(t, h->device);
	slot_close(t, h->group);
	slot_close(t, h->container);
	open_container(t, h);
	if (!open_group(t, h, u))
		return;

	cfd = h->container;
	fuzz_ioctl(t, OP_SET_CONTAINER, h->group, VFIO_GROUP_SET_CONTAINER,
		   &cfd);
	fuzz_ioctl(t, OP_SET_IOMMU, h->container, VFIO_SET_IOMMU,
		   (void *)VFIO_TYPE1v2_IOMMU);

	if (!may_open_device())
		return;
	ret = fuzz_ioctl(t, OP_GET_DEVICE_FD, h->group,
			 VFIO_GROUP_GET_DEVICE_FD, (void *)uuids[u]);
	if (ret < 0)
		return;
	slot_install(h->device, ret);

	if (u == NR_UUIDS - 1)
		return;	/* the noreq type has no REQ index */
	begin(t, OP_SET_IRQS);
	ret = vt_set_eventfd(h->device, VFIO_PCI_REQ_IRQ_INDEX, efds[0]);
	account(t, OP_SET_IRQS, ret, errno, -1);
}

/*
 * Unmap BAR0 and put the placeholder in every device slot, and with @all
 * in every slot: nothing holds a device, or anything, then.
 */
static void release_files(bool all)
{
	int i;

	unmap_all();
	for (i = 0; i < NR_HANDLES; i++) {
		dup2(placeholder, handles[i].device);
		if (!all)
			continue;
		dup2(placeholder, handles[i].group);
		dup2(placeholder, handles[i].container);
	}
}

/* Let the devices go, as an operation @op of @t. */
static void release_devices(struct thread *t, enum fuzz_op op)
{
	begin(t, op);
	release_files(false);
	account(t, op, 0, 0, -1);
}

/* Answer a drain of the module thread, once per drain. */
static void check_drain(struct thread *t)
{
	int epoch;

	if (!atomic_load(&draining))
		return;
	epoch = atomic_load(&drain_epoch);
	if (t->drain_seen == epoch)
		return;
	t->drain_seen = epoch;
	release_devices(t, OP_DRAIN);
	atomic_fetch_add(&drain_acks, 1);
}

/*
 * What a well-behaved user does when its REQ eventfd (efds[0], as armed
 * by do_bring_up()) fires: let the devices go. Random SET_IRQS may point
 * REQ elsewhere, or INTx at efds[0]; then a removal waits for a random
 * close, or a device goes for nothing. No random word is drawn here, so
 * the operation stream does not change.
 */
static void check_req(struct thread *t)
{
	if (vt_eventfd_drain(efds[0]))
		release_devices(t, OP_REQ_RELEASE);
}

/* ------------------------------------------------------------------ */
/* Threads.                                                            */

/* --ops bounds the fuzz threads; lifecycle threads run until they end. */
static bool should_stop(struct thread *t)
{
	if (atomic_load(&stop))
		return true;
	if (max_ops && t->index < nr_fuzzers && t->done >= max_ops)
		return true;
	return now_ms() - start_ms >= seconds * 1000LL;
}

/* The fuzz operations: a draw below 1000 picks the first bound above it. */
static const struct {
	unsigned int below;
	void (*fn)(struct thread *t, struct draw *d);
} fuzz_mix[] = {
	{ 30, do_bring_up },
	{ 70, do_cont_ioctl },
	{ 90, do_set_iommu },
	{ 170, do_map_dma },
	{ 230, do_unmap_dma },
	{ 250, do_group_status },
	{ 270, do_set_container },
	{ 280, do_unset_container },
	{ 310, do_get_device_fd },
	{ 450, do_dev_ioctl },
	{ 510, do_set_irqs },
	{ 660, do_pread },
	{ 880, do_pwrite },
	{ 940, do_mmap },
	{ 985, do_munmap },
	{ 988, do_close },
	{ 994, do_open_container },
	{ 1000, do_open_group },
};

static void fuzz_step(struct thread *t, struct draw *d)
{
	unsigned int what = below(d, 1000);
	size_t i = 0;

	while (what >= fuzz_mix[i].below)
		i++;
	fuzz_mix[i].fn(t, d);
	t->done++;
	check_drain(t);
	if (t->done % 8 == 0)
		check_req(t);
}

/*
 * Create uuids[@u] on the fixture (OP_CREATE) or on --xparent (OP_XCREATE),
 * or remove it (OP_REMOVE), through sysfs, accounted: 0 or -errno.
 */
static int sysfs_op(struct thread *t, enum fuzz_op op, int u)
{
	char path[PATH_MAX];
	int ret;

	if (op == OP_XCREATE)
		snprintf(path, sizeof(path), "%s/create", xparent);
	begin(t, op);
	if (op == OP_CREATE)
		ret = mdev_create(uuid_type(u), uuids[u]);
	else if (op == OP_XCREATE)
		ret = sysfs_write(path, uuids[u]);
	else
		ret = mdev_remove(uuids[u]);
	account_ret(t, op, ret);
	return ret;
}

static void create_step(struct thread *t, struct draw *d)
{
	int ret = sysfs_op(t, OP_CREATE, uuid_index(d));

	t->done++;
	sleep_ms(ret == -ENOENT ? 50 : below(d, 10));
}

static void remove_step(struct thread *t, struct draw *d)
{
	sysfs_op(t, OP_REMOVE, uuid_index(d));
	t->done++;
	sleep_ms(100 + below(d, 300));
}

/* Create the fuzzed UUIDs under the other parent too, and remove them. */
static void xparent_step(struct thread *t, struct draw *d)
{
	int u = uuid_index(d), ret;

	ret = sysfs_op(t, OP_XCREATE, u);
	t->done++;
	if (ret) {
		sleep_ms(20 + below(d, 100));
		return;
	}
	sleep_ms(20 + below(d, 200));
	sysfs_op(t, OP_REMOVE, u);
}

static bool module_loaded(void)
{
	return path_exists("/sys/module/" FIX_MODULE);
}

static int module_insert(struct thread *t)
{
	int fd, err;
	long ret;

	fd = open(module_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	begin(t, OP_INSMOD);
	ret = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	account(t, OP_INSMOD, ret, err, -1);
	close(fd);
	return ret ? -err : 0;
}

static void module_step(struct thread *t, struct draw *d)
{
	bool drain;
	__s64 until;
	long ret;

	sleep_ms(300 + below(d, 1200));
	drain = below(d, 2);
	if (should_stop(t))
		return;
	if (drain) {
		atomic_store(&drain_acks, 0);
		atomic_fetch_add(&drain_epoch, 1);
		atomic_store(&draining, 1);
		/* Slow kernels get time; a finished fuzzer never acks. */
		until = now_ms() + 10000;
		while (atomic_load(&drain_acks) < nr_fuzzers &&
		       !should_stop(t) && now_ms() < until)
			sleep_ms(5);
	}
	begin(t, OP_RMMOD);
	ret = syscall(SYS_delete_module, FIX_MODULE, O_NONBLOCK);
	account(t, OP_RMMOD, ret, errno, -1);
	t->done++;
	if (!ret) {
		sleep_ms(below(d, 200));
		module_insert(t);
	}
	atomic_store(&draining, 0);
}

/* What a thread does, one step per draw of NR_WORDS words. */
struct role {
	const char *name;
	void (*step)(struct thread *t, struct draw *d);
};

static const struct role fuzz_role = { "fuzz", fuzz_step },
	create_role = { "create", create_step },
	remove_role = { "remove", remove_step },
	xparent_role = { "xparent", xparent_step },
	module_role = { "module", module_step };

static void *thread_main(void *arg)
{
	struct thread *t = arg;
	struct draw d;

	while (!should_stop(t)) {
		draw_words(t, &d);
		t->role->step(t, &d);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Watchdog, fatal signals, report.                                    */

static void say(const char *s)
{
	ssize_t n = write(STDOUT_FILENO, s, strlen(s));

	(void)n;
}

/*
 * The FAIL line @why, then what each thread is doing. Async-signal-safe
 * enough: snprintf of integers, write(2).
 */
static void dump_threads(const char *why)
{
	char line[160];
	__s64 now = now_ms();
	int i;

	say(why);
	for (i = 0; i < nr_threads; i++) {
		int op = atomic_load(&threads[i].cur_op);

		snprintf(line, sizeof(line),
			 "INFO thread %d (%s): op #%ld, %s%s for %lld ms\n", i,
			 threads[i].role->name,
			 threads[i].done, op >= 0 ? "in " : "between ops",
			 op >= 0 ? ops[op].name : "",
			 op >= 0 ? (long long)(now -
					       atomic_load(&threads[i].cur_since)) :
				   0LL);
		say(line);
	}
}

static void on_alarm(int sig)
{
	char line[200];

	(void)sig;
	snprintf(line, sizeof(line),
		 "FAIL fuzz_concurrent.watchdog: not done %d s after the start (seed %llu); thread states follow\n",
		 watchdog_s, (unsigned long long)seed);
	dump_threads(line);
	_exit(3);
}

static void on_fatal(int sig)
{
	char line[160];

	snprintf(line, sizeof(line),
		 "FAIL fuzz_concurrent.signal: signal %d (seed %llu); thread states follow\n",
		 sig, (unsigned long long)seed);
	dump_threads(line);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void merge(struct stats *all)
{
	int i, o, e;

	memset(all, 0, sizeof(*all));
	for (i = 0; i < nr_threads; i++) {
		struct stats *s = &threads[i].st;

		for (o = 0; o < NR_OPS; o++) {
			all->tried[o] += s->tried[o];
			all->ok[o] += s->ok[o];
			all->bad[o] += s->bad[o];
			if (s->slowest_ms[o] > all->slowest_ms[o])
				all->slowest_ms[o] = s->slowest_ms[o];
			for (e = 0; e <= MAX_ERRNO; e++)
				all->err[o][e] += s->err[o][e];
		}
	}
}

static void report(const struct stats *all, __s64 ms)
{
	int o, e;

	printf("INFO %-22s %8s %8s %6s %8s  %s\n", "operation", "tried", "ok",
	       "bad", "max ms", "failures by errno");
	for (o = 0; o < NR_OPS; o++) {
		if (!all->tried[o])
			continue;
		printf("INFO %-22s %8ld %8ld %6ld %8lld ", ops[o].name,
		       all->tried[o], all->ok[o], all->bad[o],
		       (long long)all->slowest_ms[o]);
		for (e = 1; e <= MAX_ERRNO; e++)
			if (all->err[o][e])
				printf(" %s:%ld",
				       e == MAX_ERRNO ? "other" : errname(e),
				       all->err[o][e]);
		printf("\n");
	}
	fprintf(stdout,
		"INFO cycles: %ld creates (%ld on the other parent), %ld removes, %ld unloads, %ld reloads, in %.1f s\n",
		all->ok[OP_CREATE] + all->ok[OP_XCREATE], all->ok[OP_XCREATE],
		all->ok[OP_REMOVE], all->ok[OP_RMMOD], all->ok[OP_INSMOD],
		ms / 1000.0);
	fflush(stdout);
}

/* ------------------------------------------------------------------ */
/* Setup and teardown.                                                 */

static int setup(void)
{
	int i, j;

	page_size = sysconf(_SC_PAGESIZE);
	placeholder = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (placeholder < 0)
		return -errno;
	for (i = 0; i < NR_HANDLES; i++) {
		int *slot[] = { &handles[i].container, &handles[i].group,
				&handles[i].device };

		for (j = 0; j < 3; j++) {
			*slot[j] = fcntl(placeholder, F_DUPFD_CLOEXEC, 3);
			if (*slot[j] < 0)
				return -errno;
		}
	}
	for (i = 0; i < NR_EFDS; i++) {
		efds[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (efds[i] < 0)
			return -errno;
	}
	/* The shared DMA arena, then a PROT_NONE guard page for EFAULT. */
	arena = mmap(NULL, (ARENA_PAGES + 1) * page_size,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED)
		return -errno;
	memset(arena, 0x5a, ARENA_PAGES * page_size);
	guard = arena + ARENA_PAGES * page_size;
	if (mprotect(guard, page_size, PROT_NONE))
		return -errno;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"fuzz_concurrent [--seed N] [--seconds S] [--ops N] [--threads N]\n"
		"                [--watchdog S] [--module FIXTURE.ko] [--xparent TYPE_DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "ops", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "watchdog", required_argument, NULL, 'w' },
		{ "module", required_argument, NULL, 'm' },
		{ "xparent", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	const struct role *lifecycle[4] = { &create_role, &remove_role };
	int nr_life = 2, i, c, ret, bad_exit = 0;
	bool have_seed = false;
	struct stats all;
	long bad = 0;
	__s64 ms;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			have_seed = true;
			break;
		case 'S':
			seconds = atoi(optarg);
			break;
		case 'o':
			max_ops = atol(optarg);
			break;
		case 't':
			nr_fuzzers = atoi(optarg);
			break;
		case 'w':
			watchdog_s = atoi(optarg);
			break;
		case 'm':
			module_path = optarg;
			break;
		case 'x':
			xparent = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || seconds <= 0 || nr_fuzzers < 1 ||
	    nr_fuzzers > MAX_THREADS - 4)
		usage();
	if (!have_seed)
		seed = (__u64)now_ms() ^ ((__u64)getpid() << 32);
	if (!watchdog_s)
		watchdog_s = 3 * seconds + 120;

	fprintf(stdout,
		"INFO fuzz_concurrent: seed %llu, %d fuzz threads, %d s, %ld ops per thread, watchdog %d s, module %s, other parent %s\n",
		(unsigned long long)seed, nr_fuzzers, seconds, max_ops,
		watchdog_s, module_path ?: "(not reloaded)",
		xparent ?: "(none)");
	fflush(stdout);

	signal(SIGALRM, on_alarm);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGILL, on_fatal);
	signal(SIGFPE, on_fatal);
	signal(SIGABRT, on_fatal);
	alarm(watchdog_s);

	ret = setup();
	if (ret) {
		t_fail("fuzz_concurrent.setup", "%s", strerrorname_np(-ret));
		return 1;
	}
	if (module_path && !module_loaded()) {
		t_fail("fuzz_concurrent.setup", "%s is not loaded", FIX_MODULE);
		return 1;
	}

	/* The module thread comes last: the final cleanup is accounted to it. */
	if (xparent)
		lifecycle[nr_life++] = &xparent_role;
	if (module_path)
		lifecycle[nr_life++] = &module_role;
	start_ms = now_ms();
	nr_threads = nr_fuzzers + nr_life;
	for (i = 0; i < nr_threads; i++) {
		struct thread *t = &threads[i];

		t->index = i;
		t->role = i < nr_fuzzers ? &fuzz_role :
			  lifecycle[i - nr_fuzzers];
		t->rng = splitmix(seed + 0x1000 * (i + 1)) | 1;
		atomic_store(&t->cur_op, -1);
		ret = pthread_create(&t->tid, NULL, thread_main, t);
		if (ret) {
			t_fail("fuzz_concurrent.setup", "pthread_create: %s",
			       strerrorname_np(ret));
			atomic_store(&stop, 1);
			nr_threads = i;
			bad_exit = 1;
			break;
		}
	}
	for (i = 0; i < nr_fuzzers && i < nr_threads; i++)
		pthread_join(threads[i].tid, NULL);
	/* Fuzzers done: let go of everything, so removals and unloads end. */
	atomic_store(&stop, 1);
	release_files(true);
	for (; i < nr_threads; i++)
		pthread_join(threads[i].tid, NULL);
	ms = now_ms() - start_ms;

	/* Leave the fixture loaded and no device behind, for the scenario. */
	for (i = 0; i < NR_UUIDS; i++)
		if (mdev_exists(uuids[i]))
			sysfs_op(&threads[nr_threads - 1], OP_REMOVE, i);
	if (module_path && !module_loaded())
		module_insert(&threads[nr_threads - 1]);
	alarm(0);

	merge(&all);
	report(&all, ms);
	for (i = 0; i < NR_OPS; i++)
		bad += all.bad[i];
	t_check(!bad, "fuzz_concurrent.results",
		"%ld results outside the legal set; first: %s; reproduce with --seed %llu",
		bad, first_bad, (unsigned long long)seed);
	t_check(all.ok[OP_CREATE] && all.ok[OP_REMOVE],
		"fuzz_concurrent.cycles", "no create/remove cycle done");
	for (i = 0; i < NR_UUIDS; i++)
		if (mdev_exists(uuids[i]))
			t_fail("fuzz_concurrent.cleanup", "%s still exists",
			       uuids[i]);
	if (module_path)
		t_check(module_loaded(), "fuzz_concurrent.reloaded",
			"%s is not loaded at the end", FIX_MODULE);
	if (!t_failures() && !bad_exit) {
		long n = 0;

		for (i = 0; i < NR_OPS; i++)
			n += all.tried[i];
		printf("PASS fuzz_concurrent: %ld operations in %.1f s, seed %llu\n",
		       n, ms / 1000.0, (unsigned long long)seed);
		fflush(stdout);
	}
	return t_exit_status() || bad_exit;
}
