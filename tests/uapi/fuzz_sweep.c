// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded, bounded random sweep of bad input over every mediated device
 * parent present (/sys/class/mdev_bus/<parent>): random ioctls around the
 * VFIO range and elsewhere on the container, group and device fds, random
 * argsz/flags/index/offset fields, random device fd reads and writes, and
 * random strings written to the sysfs create and remove files.
 *
 *   fuzz_sweep [SEED [COUNT]]	(or FUZZ_SEED / FUZZ_COUNT in the environment)
 *
 * COUNT inputs are tried per parent. Checks: pointers to a PROT_NONE page
 * fail with EFAULT, no kernel-internal errno (>= 512) reaches userspace,
 * and the device's invariants (device/region/IRQ info, read-only config
 * fields, available_instances) read back identical afterwards, when a
 * normal open, MAP_DMA and UNMAP_DMA must still work.
 *
 * Inputs that could hurt the sweep itself are steered: MAP_DMA never
 * points outside a scratch arena or at memory other than the guard page,
 * the group is never detached from its container, and migration state is
 * only ever probed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "common.h"

#define MDEV_CLASS	"/sys/class/mdev_bus"
#define MAX_REGIONS	16
#define MAX_IRQS	16
#define MAX_TYPES	16
#define ARENA_SIZE	(4UL << 20)
#define ARENA_IOVA	(256ULL << 20)
#define VFIO_NR(n)	_IO(VFIO_TYPE, VFIO_BASE + (n))

static __u64 rng_state;
static long page_size;
static unsigned char *argbuf;	/* one page, followed by the guard page */
static unsigned char *guard;	/* PROT_NONE */
static unsigned char *arena;	/* DMA scratch, mapped at ARENA_IOVA */
static long tried, succeeded, efault_tried, efault_bad, internal_errno;
static long fds_closed;
static char first_bad[160];

static __u64 rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static __u64 rnd_below(__u64 n)
{
	return n ? rnd() % n : 0;
}

/* A value likely to sit on a boundary, else anything. */
static __u64 rnd_interesting(void)
{
	static const __u64 v[] = {
		0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 255, 256, 4095, 4096,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
		1ULL << 40, (1ULL << 40) - 1, (9ULL << 40) + 4,
	};

	switch (rnd_below(3)) {
	case 0:
		return v[rnd_below(ARRAY_SIZE(v))];
	case 1:
		return rnd_below(64);
	default:
		return rnd();
	}
}

static void rnd_fill(void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd();
}

static void note_bad(const char *what, int err)
{
	if (!first_bad[0])
		snprintf(first_bad, sizeof(first_bad), "%s: errno %d", what,
			 err);
}

/* Account a syscall result of the sweep. */
static void outcome(const char *what, long ret)
{
	int err = errno;

	tried++;
	if (ret >= 0)
		succeeded++;
	if (ret < 0 && err >= 512) {
		internal_errno++;
		note_bad(what, err);
	}
}

/* A deliberate bad pointer: the call must fail with EFAULT. */
static void expect_efault(const char *what, long ret)
{
	int err = errno;

	tried++;
	efault_tried++;
	if (ret == -1 && err == EFAULT)
		return;
	efault_bad++;
	if (!first_bad[0])
		snprintf(first_bad, sizeof(first_bad),
			 "%s with a PROT_NONE pointer: %s", what,
			 ret == -1 ? strerrorname_np(err) : "succeeded");
}

/* ------------------------------------------------------------------ */
/* Device invariants.                                                  */

struct invariants {
	struct vfio_device_info info;
	int info_err;
	struct {
		int err;
		__u32 flags;
		__u64 size, offset;
	} region[MAX_REGIONS];
	struct {
		int err;
		__u32 flags, count;
	} irq[MAX_IRQS];
	int cfg_err;
	unsigned char cfg_ids[16];	/* 0x00-0x03, 0x08-0x0b, 0x2c-0x2f, 0x3d */
};

static void cfg_ids(int dev, struct invariants *inv)
{
	static const int off[] = { 0x00, 0x08, 0x2c };
	__u64 base = inv->region[VFIO_PCI_CONFIG_REGION_INDEX].offset;
	size_t i;

	inv->cfg_err = 0;
	if (inv->region[VFIO_PCI_CONFIG_REGION_INDEX].err ||
	    !inv->region[VFIO_PCI_CONFIG_REGION_INDEX].size) {
		inv->cfg_err = -1;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(off); i++)
		if (pread(dev, inv->cfg_ids + 4 * i, 4, base + off[i]) != 4)
			inv->cfg_err = errno;
	if (pread(dev, inv->cfg_ids + 12, 1, base + 0x3d) != 1)
		inv->cfg_err = errno;
}

static void read_invariants(int dev, struct invariants *inv)
{
	__u32 i;

	memset(inv, 0, sizeof(*inv));
	inv->info.argsz = sizeof(inv->info);
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &inv->info))
		inv->info_err = errno;
	/* Not the capability offset: the chain is the same or absent. */
	inv->info.cap_offset = 0;
	inv->info.argsz = 0;
	for (i = 0; i < MAX_REGIONS; i++) {
		struct vfio_region_info r = { .argsz = sizeof(r), .index = i };

		if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r)) {
			inv->region[i].err = errno;
			continue;
		}
		inv->region[i].flags = r.flags;
		inv->region[i].size = r.size;
		inv->region[i].offset = r.offset;
	}
	for (i = 0; i < MAX_IRQS; i++) {
		struct vfio_irq_info q = { .argsz = sizeof(q), .index = i };

		if (ioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &q)) {
			inv->irq[i].err = errno;
			continue;
		}
		inv->irq[i].flags = q.flags;
		inv->irq[i].count = q.count;
	}
	cfg_ids(dev, inv);
}

/* ------------------------------------------------------------------ */
/* Random ioctls.                                                      */

enum fd_kind { FD_CONTAINER, FD_GROUP, FD_DEVICE };

static unsigned long ioctl_cmd(void)
{
	switch (rnd_below(8)) {
	case 0:
		return rnd() & 0xffffffff;
	case 1:
		/* A VFIO number with random direction and size bits. */
		return (rnd() & 0xffff0000) | (VFIO_TYPE << 8) |
			(VFIO_BASE + rnd_below(31));
	default:
		return VFIO_NR(rnd_below(31));
	}
}

/* Keep the inputs that would hurt the sweep itself harmless. */
static unsigned long steer(enum fd_kind kind, unsigned long cmd)
{
	if (kind == FD_GROUP && cmd == VFIO_GROUP_UNSET_CONTAINER)
		return VFIO_GROUP_GET_STATUS;
	/* Whatever the size and direction bits say. */
	if (kind == FD_CONTAINER &&
	    (cmd & 0xffff) == (VFIO_IOMMU_MAP_DMA & 0xffff)) {
		struct vfio_iommu_type1_dma_map *m = (void *)argbuf;
		__u64 off = rnd_below(ARENA_SIZE) & ~(page_size - 1);

		switch (rnd_below(3)) {
		case 0:
			m->vaddr = (uintptr_t)guard;
			break;
		case 1:
			/* Aligned or not, inside the arena only. */
			m->vaddr = (uintptr_t)arena + off;
			if (m->size > ARENA_SIZE - off)
				m->size = ARENA_SIZE - off;
			break;
		default:
			m->vaddr = (uintptr_t)arena + off;
			m->size = page_size * (1 + rnd_below(4));
			if (m->size > ARENA_SIZE - off)
				m->size = ARENA_SIZE - off;
			m->iova = ARENA_IOVA + page_size * rnd_below(2048);
			break;
		}
	}
	if (kind == FD_DEVICE && cmd == VFIO_DEVICE_FEATURE) {
		struct vfio_device_feature *f = (void *)argbuf;

		if ((f->flags & VFIO_DEVICE_FEATURE_MASK) ==
		    VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE &&
		    (f->flags & VFIO_DEVICE_FEATURE_SET)) {
			f->flags &= ~(VFIO_DEVICE_FEATURE_SET |
				      VFIO_DEVICE_FEATURE_GET);
			f->flags |= VFIO_DEVICE_FEATURE_PROBE;
		}
	}
	return cmd;
}

static void fuzz_ioctl(enum fd_kind kind, int fd)
{
	unsigned long cmd = ioctl_cmd();
	__u32 *w = (__u32 *)argbuf;
	unsigned long arg;
	long ret;

	rnd_fill(argbuf, page_size);
	/* argsz, then flags, then an index/start, then the rest. */
	w[0] = rnd_interesting();
	if (rnd_below(2))
		w[1] = 1u << rnd_below(32);
	if (rnd_below(2))
		w[2] = rnd_below(12);
	if (rnd_below(2))
		w[3] = rnd_interesting();
	if (rnd_below(8) == 0) {
		/* An argsz that fits the buffer exactly or nearly. */
		w[0] = rnd_below(page_size + 64);
	}
	cmd = steer(kind, cmd);
	arg = rnd_below(6) ? (uintptr_t)argbuf : rnd_below(16);
	ret = ioctl(fd, cmd, arg);
	outcome("ioctl", ret);
	/* GET_DEVICE_FD or a feature may hand out a new fd. */
	if (ret > 2 && (cmd == VFIO_GROUP_GET_DEVICE_FD ||
			cmd == VFIO_DEVICE_FEATURE)) {
		close(ret);
		fds_closed++;
	}
}

static void deliberate_efault(struct vfio_handle *h)
{
	static const struct {
		enum fd_kind kind;
		unsigned long cmd;
		const char *name;
	} c[] = {
		{ FD_DEVICE, VFIO_DEVICE_GET_INFO, "DEVICE_GET_INFO" },
		{ FD_DEVICE, VFIO_DEVICE_GET_REGION_INFO, "GET_REGION_INFO" },
		{ FD_DEVICE, VFIO_DEVICE_GET_IRQ_INFO, "GET_IRQ_INFO" },
		{ FD_DEVICE, VFIO_DEVICE_SET_IRQS, "SET_IRQS" },
		{ FD_CONTAINER, VFIO_IOMMU_GET_INFO, "IOMMU_GET_INFO" },
		{ FD_CONTAINER, VFIO_IOMMU_MAP_DMA, "MAP_DMA" },
		{ FD_CONTAINER, VFIO_IOMMU_UNMAP_DMA, "UNMAP_DMA" },
		{ FD_GROUP, VFIO_GROUP_GET_STATUS, "GROUP_GET_STATUS" },
		{ FD_GROUP, VFIO_GROUP_GET_DEVICE_FD, "GET_DEVICE_FD" },
		{ FD_GROUP, VFIO_GROUP_SET_CONTAINER, "SET_CONTAINER" },
	};
	struct vt_region cfg;
	size_t i = rnd_below(ARRAY_SIZE(c) + 2);
	int fd;

	if (i >= ARRAY_SIZE(c)) {
		if (vt_region_info(h->device, VFIO_PCI_CONFIG_REGION_INDEX,
				   &cfg) || !cfg.size)
			return;
		if (i == ARRAY_SIZE(c))
			expect_efault("config pread",
				      pread(h->device, guard, 4, cfg.offset));
		else
			expect_efault("config pwrite",
				      pwrite(h->device, guard, 4, cfg.offset));
		return;
	}
	fd = c[i].kind == FD_DEVICE ? h->device :
	     c[i].kind == FD_GROUP ? h->group : h->container;
	expect_efault(c[i].name, ioctl(fd, c[i].cmd, guard));
}

/* ------------------------------------------------------------------ */
/* Random reads and writes.                                            */

static void fuzz_rw(struct vfio_handle *h, const struct invariants *inv,
		    bool fixture)
{
	unsigned int idx = rnd_below(MAX_REGIONS);
	__u64 off, size = inv->region[idx].size;
	size_t len;
	int fd = h->device;
	long ret;

	switch (rnd_below(4)) {
	case 0:
		len = 1u << rnd_below(4);
		break;
	case 1:
		len = rnd_below(page_size + 1);
		break;
	default:
		len = 1 + rnd_below(16);
		break;
	}
	switch (rnd_below(6)) {
	case 0:
		off = rnd_interesting();
		break;
	case 1:
		off = inv->region[idx].offset + size - rnd_below(8);
		break;
	case 2:
		off = inv->region[idx].offset + size + rnd_below(64);
		break;
	default:
		off = inv->region[idx].offset + rnd_below(size ? size : 64);
		break;
	}
	if (rnd_below(32) == 0)
		fd = rnd_below(2) ? h->group : h->container;

	if (rnd_below(2)) {
		ret = pread(fd, argbuf, len, off);
		outcome("pread", ret);
		return;
	}
	rnd_fill(argbuf, len);
	if (fixture && idx == VFIO_PCI_BAR2_REGION_INDEX && rnd_below(2)) {
		/* A well-formed control command on the DMA arena. */
		struct mfix_ctl_cmd *cmd = (void *)argbuf;

		off = inv->region[idx].offset + MFIX_CTL_CMD;
		len = sizeof(*cmd);
		cmd->iova = htole64(ARENA_IOVA + page_size * rnd_below(1100));
		cmd->count = htole32(1 + rnd_below(8));
		cmd->op = htole32(1 + rnd_below(MFIX_OP_UNPIN_ALL));
	}
	ret = pwrite(fd, argbuf, len, off);
	outcome("pwrite", ret);
}

/* ------------------------------------------------------------------ */
/* sysfs create and remove.                                            */

static void rnd_string(char *s, size_t cap)
{
	char uuid[UUID_STR_LEN];
	size_t len, i;

	uuid_random(uuid);
	switch (rnd_below(4)) {
	case 0:
		len = rnd_below(cap);
		for (i = 0; i < len; i++)
			s[i] = 1 + rnd_below(255);
		s[len] = '\0';
		break;
	case 1:
		/* A UUID with one character changed. */
		strcpy(s, uuid);
		s[rnd_below(36)] = 1 + rnd_below(255);
		break;
	case 2:
		/* A UUID cut short or run long. */
		strcpy(s, uuid);
		s[rnd_below(37)] = '\0';
		if (rnd_below(2))
			strcat(s, rnd_below(2) ? "\n\n" : "0");
		break;
	default:
		snprintf(s, cap, "%s%s", uuid, rnd_below(2) ? "\n" : "");
		if (rnd_below(2))
			for (i = 0; s[i]; i++)
				if (s[i] >= 'a' && s[i] <= 'f')
					s[i] -= 'a' - 'A';
		break;
	}
}

static bool errno_in(int err, const int *ok, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (err == ok[i])
			return true;
	return false;
}

static void fuzz_create(const char *parent, const char *type)
{
	static const int ok[] = { EINVAL, EEXIST, EUSERS };
	char s[80], uuid[UUID_STR_LEN];
	int ret;

	rnd_string(s, sizeof(s));
	ret = mdev_create_on(parent, type, s);
	tried++;
	if (!ret) {
		/* It was a well-formed UUID: take the device away again. */
		snprintf(uuid, sizeof(uuid), "%.36s", s);
		for (ret = 0; uuid[ret]; ret++)
			if (uuid[ret] >= 'A' && uuid[ret] <= 'F')
				uuid[ret] += 'a' - 'A';
		if (mdev_remove(uuid))
			note_bad("create of a random UUID left no device", 0);
	} else if (!errno_in(-ret, ok, ARRAY_SIZE(ok))) {
		internal_errno++;
		note_bad("create", -ret);
	}
}

/* Random strings at a sacrificial device's remove file; 1 if removed. */
static int fuzz_remove(const char *uuid)
{
	static const char *const fixed[] = {
		"0", "00", "0x0", "-0", "1", " 1", "1 ", "+1", "-1", "0x",
		"99999999999999999999999", "1\n", "\n", "one",
	};
	static const int ok[] = { EINVAL, ERANGE };
	char path[PATH_MAX], s[80];
	int ret;

	if (rnd_below(2))
		snprintf(s, sizeof(s), "%s",
			 fixed[rnd_below(ARRAY_SIZE(fixed))]);
	else
		rnd_string(s, 24);
	snprintf(path, sizeof(path), "%s/%s/remove", MDEV_BUS_DEVICES, uuid);
	ret = sysfs_write(path, s);
	tried++;
	if (ret && !errno_in(-ret, ok, ARRAY_SIZE(ok))) {
		internal_errno++;
		note_bad("remove", -ret);
	}
	return !mdev_exists(uuid);
}

/* ------------------------------------------------------------------ */
/* One parent.                                                         */

static int type_list(const char *parent, char types[MAX_TYPES][NAME_MAX + 1],
		     long avail[MAX_TYPES])
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/mdev_supported_types", MDEV_CLASS,
		 parent);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MAX_TYPES) {
		char p[PATH_MAX + NAME_MAX + 32];

		if (de->d_name[0] == '.')
			continue;
		snprintf(types[n], NAME_MAX + 1, "%s", de->d_name);
		snprintf(p, sizeof(p), "%s/%s/available_instances", path,
			 de->d_name);
		if (sysfs_read_long(p, &avail[n]))
			avail[n] = -1;
		n++;
	}
	closedir(d);
	return n;
}

static int create_on(const char *parent, const char *type, char *uuid)
{
	uuid_random(uuid);
	return mdev_create_on(parent, type, uuid);
}

/* A normal open, map, (pin and unpin on the fixture), unmap, close. */
static bool still_works(const char *uuid, bool fixture, char *why, size_t n)
{
	struct fix_status s;
	struct vfio_handle h;
	__u64 unmapped = 0;
	int ret;

	ret = vfio_open_device(uuid, &h);
	if (ret) {
		snprintf(why, n, "open: %s", strerrorname_np(-ret));
		return false;
	}
	ret = vt_dma_map(h.container, ARENA_IOVA, arena, 4 * page_size,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (ret) {
		snprintf(why, n, "MAP_DMA: %s", strerrorname_np(errno));
		goto out;
	}
	if (fixture) {
		ret = fix_cmd(h.device, MFIX_OP_PIN_WRITE, ARENA_IOVA, 4);
		if (!ret)
			ret = fix_cmd(h.device, MFIX_OP_UNPIN, ARENA_IOVA, 4);
		if (!ret)
			ret = fix_status(h.device, &s);
		if (ret || s.pinned) {
			snprintf(why, n, "pin/unpin: %s, pinned %u",
				 strerrorname_np(-ret), s.pinned);
			ret = -1;
			goto out;
		}
	}
	ret = vt_dma_unmap(h.container, ARENA_IOVA, 4 * page_size, 0,
			   &unmapped);
	if (ret || unmapped != 4 * (__u64)page_size) {
		snprintf(why, n, "UNMAP_DMA: %s, %llu bytes",
			 ret ? strerrorname_np(errno) : "ok",
			 (unsigned long long)unmapped);
		ret = -1;
	}
out:
	vfio_close(&h);
	return !ret;
}

static void sweep_parent(const char *parent, long count)
{
	char types[MAX_TYPES][NAME_MAX + 1], uuid[UUID_STR_LEN];
	char victim[UUID_STR_LEN], name[96], why[160] = "";
	char inv_name[96], works_name[96], avail_name[96];
	long avail0[MAX_TYPES], avail1[MAX_TYPES], i, t0 = tried;
	bool fixture = !strcmp(parent, MFIX_PARENT_NAME);
	struct invariants before, after, reopened;
	int ntypes, n1, t, ret, removals = 0;
	struct vfio_handle h;
	__s64 start = now_ms();

	snprintf(name, sizeof(name), "fuzz.%s.errors", parent);
	snprintf(inv_name, sizeof(inv_name), "fuzz.%s.invariants", parent);
	snprintf(works_name, sizeof(works_name), "fuzz.%s.still_works", parent);
	snprintf(avail_name, sizeof(avail_name), "fuzz.%s.available_instances",
		 parent);
	succeeded = 0;
	efault_tried = 0;
	efault_bad = 0;
	internal_errno = 0;
	first_bad[0] = '\0';

	ntypes = type_list(parent, types, avail0);
	for (t = 0; t < ntypes && avail0[t] < 2; t++)
		;
	if (t == ntypes) {
		t_skip(name, "no type with two instances available");
		return;
	}
	ret = create_on(parent, types[t], uuid);
	if (!ret)
		ret = vfio_open_device(uuid, &h);
	if (ret) {
		t_fail(name, "create/open on %s: %s", types[t],
		       strerrorname_np(-ret));
		mdev_remove(uuid);
		return;
	}
	read_invariants(h.device, &before);
	if (vt_dma_map(h.container, ARENA_IOVA, arena, ARENA_SIZE,
		       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		t_fail(name, "arena MAP_DMA: %s", strerrorname_np(errno));
	victim[0] = '\0';

	for (i = 0; i < count; i++) {
		unsigned int what = rnd_below(100);

		if (what < 35) {
			fuzz_ioctl(FD_DEVICE, h.device);
		} else if (what < 45) {
			fuzz_ioctl(FD_CONTAINER, h.container);
		} else if (what < 52) {
			fuzz_ioctl(FD_GROUP, h.group);
		} else if (what < 90) {
			fuzz_rw(&h, &before, fixture);
		} else if (what < 95) {
			deliberate_efault(&h);
		} else if (what < 98) {
			fuzz_create(parent, types[rnd_below(ntypes)]);
		} else {
			if (!victim[0] && create_on(parent, types[t], victim))
				victim[0] = '\0';
			if (victim[0] && fuzz_remove(victim)) {
				removals++;
				victim[0] = '\0';
			}
		}
	}

	read_invariants(h.device, &after);
	vt_dma_unmap(h.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	vfio_close(&h);
	if (victim[0])
		mdev_remove(victim);

	ret = vfio_open_device(uuid, &h);
	if (!ret) {
		read_invariants(h.device, &reopened);
		vfio_close(&h);
	}
	t_check(!ret && !memcmp(&before, &after, sizeof(before)) &&
		!memcmp(&before, &reopened, sizeof(before)),
		inv_name, "%s",
		ret ? "reopen failed" :
		memcmp(&before, &after, sizeof(before)) ?
		"info/config ids changed during the sweep" :
		"info/config ids differ after a reopen");
	t_check(still_works(uuid, fixture, why, sizeof(why)),
		works_name, "%s", why);
	ret = mdev_remove(uuid);
	n1 = type_list(parent, types, avail1);
	t_check(!ret && n1 == ntypes &&
		!memcmp(avail0, avail1, ntypes * sizeof(long)),
		avail_name, "remove %s, or the counts changed",
		strerrorname_np(-ret));
	t_check(!efault_bad && !internal_errno, name,
		"%ld EFAULT misses, %ld bad errnos; first: %s", efault_bad,
		internal_errno, first_bad);
	printf("INFO fuzz.%s: %ld inputs, %ld succeeded, %ld EFAULT probes, ",
	       parent, tried - t0, succeeded, efault_tried);
	printf("%d removed by remove-file strings, ", removals);
	printf("%ld fds closed, %.1f s\n", fds_closed,
	       (now_ms() - start) / 1000.0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *e_seed = getenv("FUZZ_SEED");
	const char *e_count = getenv("FUZZ_COUNT");
	__u64 seed = 0x6d6465765f73646bULL;	/* "mdev_sdk" */
	long count = 40000;
	struct dirent *de;
	DIR *d;
	int parents = 0;

	if (argc > 1)
		e_seed = argv[1];
	if (argc > 2)
		e_count = argv[2];
	if (e_seed && *e_seed)
		seed = strtoull(e_seed, NULL, 0);
	if (e_count && *e_count)
		count = strtol(e_count, NULL, 0);
	rng_state = seed ? seed : 1;
	page_size = sysconf(_SC_PAGESIZE);

	argbuf = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	arena = vt_anon_buffer(ARENA_SIZE, 0);
	if (argbuf == MAP_FAILED || !arena) {
		t_fail("fuzz.setup", "out of memory");
		return 1;
	}
	guard = argbuf + page_size;
	if (mprotect(guard, page_size, PROT_NONE)) {
		t_fail("fuzz.setup", "mprotect: %s", strerrorname_np(errno));
		return 1;
	}

	d = opendir(MDEV_CLASS);
	if (!d) {
		t_fail("fuzz.setup", "%s: %s", MDEV_CLASS,
		       strerrorname_np(errno));
		return 1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		sweep_parent(de->d_name, count);
		parents++;
	}
	closedir(d);
	t_check(parents > 0, "fuzz.parents", "no mdev parent present");
	if (!t_failures()) {
		printf("PASS fuzz.sweep: %ld inputs over %d parents, ",
		       tried, parents);
		printf("seed 0x%llx, %ld per parent\n",
		       (unsigned long long)seed, count);
		fflush(stdout);
	}
	return t_exit_status();
}
