// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd user ABI conformance client for mdev-sdk: /dev/iommu and the
 * vfio_device cdev (/dev/vfio/devices/vfioX).
 *
 * Every expected answer is upstream Linux's (6.12: drivers/iommu/iommufd/,
 * drivers/vfio/device_cdev.c), so the same client can run against
 * upstream's own iommufd on a reference kernel. Sections:
 *  - iommufd.ioctl.*: the size-in-struct ioctl framework of /dev/iommu;
 *  - iommufd.<command>.*: IOAS_ALLOC, DESTROY, IOVA_RANGES, ALLOW_IOVAS,
 *    MAP, COPY, UNMAP, OPTION, VFIO_IOAS, GET_HW_INFO, HWPT_ALLOC;
 *  - cdev.*: the vfio_device cdev of an mdev_sdk_fixture device, its bind/
 *    attach/detach ABI and its exclusion against the group path; the
 *    fixture's control region makes the device pin pages and do DMA
 *    through the iommufd access (vfio_pin_pages()/vfio_dma_rw());
 *  - acct.*: VmPin/VmLck, RLIMIT_MEMLOCK as an unprivileged user in both
 *    accounting modes, and pins released when their process is killed.
 *
 * Runs as root in the test guest with the stack (iommufd included) and the
 * fixture loaded; it creates and removes its own devices.
 * Output: PASS/FAIL/SKIP/INFO lines; exit status 1 if any check failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <mdev_sdk/vfio_cdev.h>

#include "common.h"

#define KIB		1024ULL
#define MIB		(1024 * KIB)
#define U64_MAX_	(~0ULL)
#define IOMMU_DEV	"/dev/iommu"
#define NOBODY		65534

/* Fixed IOVAs the tests use; an IOAS of /dev/iommu has no reserved range. */
#define IOVA_A		0x40000000ULL
#define IOVA_B		0x80000000ULL
#define IOVA_C		0xc0000000ULL
#define IOVA_EMPTY	(5ULL << 30)
#define ALLOW_START	(8ULL << 30)
#define ALLOW_LEN	(256 * KIB)

/* Pages the unprivileged children may lock: RLIMIT_MEMLOCK over VmLck. */
#define LIMIT_PAGES	16

static long page_size;
static unsigned char *buf;	/* BUF_SIZE of faulted-in anonymous memory */
#define BUF_SIZE	(1 * MIB)

/* ------------------------------------------------------------------ */
/* /dev/iommu wrappers: each returns the ioctl's result (-1 and errno). */

static int ioas_alloc(int fd, __u32 *id)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	int ret;

	*id = 0;
	ret = ioctl(fd, IOMMU_IOAS_ALLOC, &a);
	if (!ret)
		*id = a.out_ioas_id;
	return ret;
}

static int destroy_id(int fd, __u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static int ioas_map(int fd, __u32 ioas, __u32 flags, const void *va,
		    __u64 len, __u64 *iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = flags,
		.ioas_id = ioas,
		.user_va = (uintptr_t)va,
		.length = len,
		.iova = *iova,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_MAP, &m);
	if (!ret)
		*iova = m.iova;
	return ret;
}

#define MAP_RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define MAP_FRW	(IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW)

static int map_fixed(int fd, __u32 ioas, const void *va, __u64 len,
		     __u64 iova)
{
	return ioas_map(fd, ioas, MAP_FRW, va, len, &iova);
}

static int ioas_unmap(int fd, __u32 ioas, __u64 iova, __u64 len,
		      __u64 *unmapped)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_UNMAP, &u);
	if (unmapped)
		*unmapped = ret ? 0 : u.length;
	return ret;
}

static int iova_ranges(int fd, __u32 ioas, struct iommu_iova_range *r,
		       __u32 *num, __u64 *align)
{
	struct iommu_ioas_iova_ranges q = {
		.size = sizeof(q),
		.ioas_id = ioas,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)r,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q);
	*num = q.num_iovas;
	if (align)
		*align = q.out_iova_alignment;
	return ret;
}

/* The IOAS's alignment, or 0 if IOVA_RANGES fails. */
static __u64 ioas_alignment(int fd, __u32 ioas)
{
	struct iommu_iova_range r[8];
	__u32 num = ARRAY_SIZE(r);
	__u64 align = 0;

	if (iova_ranges(fd, ioas, r, &num, &align))
		return 0;
	return align;
}

static int option(int fd, __u32 option_id, __u16 op, __u32 object,
		  __u64 *val)
{
	struct iommu_option o = {
		.size = sizeof(o),
		.option_id = option_id,
		.op = op,
		.object_id = object,
		.val64 = *val,
	};
	int ret;

	ret = ioctl(fd, IOMMU_OPTION, &o);
	if (!ret)
		*val = o.val64;
	return ret;
}

static int vfio_ioas(int fd, __u16 op, __u32 *id)
{
	struct iommu_vfio_ioas v = {
		.size = sizeof(v),
		.ioas_id = *id,
		.op = op,
	};
	int ret;

	ret = ioctl(fd, IOMMU_VFIO_IOAS, &v);
	if (!ret)
		*id = v.ioas_id;
	return ret;
}

static int ioas_copy(int fd, __u32 flags, __u32 dst, __u32 src, __u64 len,
		     __u64 *dst_iova, __u64 src_iova)
{
	struct iommu_ioas_copy c = {
		.size = sizeof(c),
		.flags = flags,
		.dst_ioas_id = dst,
		.src_ioas_id = src,
		.length = len,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_COPY, &c);
	if (!ret)
		*dst_iova = c.dst_iova;
	return ret;
}

static int hw_info(int fd, __u32 dev_id)
{
	struct iommu_hw_info h = { .size = sizeof(h), .dev_id = dev_id };

	return ioctl(fd, IOMMU_GET_HW_INFO, &h);
}

static int hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id)
{
	struct iommu_hwpt_alloc a = {
		.size = sizeof(a),
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = IOMMU_HWPT_DATA_NONE,
	};

	return ioctl(fd, IOMMU_HWPT_ALLOC, &a);
}

/* ------------------------------------------------------------------ */
/* The cdev and the device.                                            */

static int bind_fd(int dev, __u32 argsz, __u32 flags, __s32 iommufd,
		   __u32 *devid)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = argsz,
		.flags = flags,
		.iommufd = iommufd,
	};
	int ret;

	ret = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);
	if (devid)
		*devid = ret ? 0 : b.out_devid;
	return ret;
}

static int attach_pt(int dev, __u32 argsz, __u32 flags, __u32 *pt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = argsz,
		.flags = flags,
		.pt_id = *pt_id,
	};
	int ret;

	ret = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
	if (!ret)
		*pt_id = a.pt_id;
	return ret;
}

static int attach(int dev, __u32 ioas)
{
	return attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt), 0,
			 &ioas);
}

static int detach_pt(int dev, __u32 argsz, __u32 flags)
{
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = argsz,
		.flags = flags,
	};

	return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

/*
 * The cdev of mdev @uuid, from sysfs: @node gets /dev/vfio/devices/vfioX,
 * @devt its "major:minor". Returns 0 or -errno.
 */
static int cdev_find(const char *uuid, char *node, size_t len, dev_t *devt)
{
	char path[PATH_MAX], val[32];
	struct dirent *de;
	unsigned int ma, mi;
	int ret = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s/vfio-dev", MDEV_BUS_DEVICES, uuid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "%s/%s/vfio-dev/%s/dev",
			 MDEV_BUS_DEVICES, uuid, de->d_name);
		ret = sysfs_read(path, val, sizeof(val));
		if (ret < 0)
			break;
		if (sscanf(val, "%u:%u", &ma, &mi) != 2) {
			ret = -EINVAL;
			break;
		}
		*devt = makedev(ma, mi);
		snprintf(node, len, "/dev/vfio/devices/%s", de->d_name);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

static int group_open(const char *uuid)
{
	char path[64];
	int gid = mdev_group_id(uuid);

	if (gid < 0) {
		errno = -gid;
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	return open(path, O_RDWR | O_CLOEXEC);
}

/* A "Name:   123 kB" line of /proc/PID/status; -1 if missing. */
/*
 * FOLL_PIN pins held system-wide (/proc/vmstat), or LONG_MIN. The counters
 * are per-CPU with a threshold, folded about once a second by vmstat's
 * worker: wait for that first.
 */
static long foll_pins_held(void)
{
	long acq = LONG_MIN, rel = LONG_MIN, v;
	char name[64];
	FILE *f;

	sleep_ms(2500);
	f = fopen("/proc/vmstat", "re");
	if (!f)
		return LONG_MIN;
	while (fscanf(f, "%63s %ld", name, &v) == 2) {
		if (!strcmp(name, "nr_foll_pin_acquired"))
			acq = v;
		else if (!strcmp(name, "nr_foll_pin_released"))
			rel = v;
	}
	fclose(f);
	if (acq == LONG_MIN || rel == LONG_MIN)
		return LONG_MIN;
	return acq - rel;
}

static long pages_kb(long n)
{
	return n * (page_size / 1024);
}

/* ------------------------------------------------------------------ */
/* 1. The ioctl framework.                                             */

static void test_framework(int fd)
{
	union {
		struct iommu_ioas_alloc a;
		struct iommu_hwpt_alloc hw;
		unsigned char raw[64];
	} u;
	bool tail_zero;
	__u32 id;
	size_t i;
	int ret;

	t_watchdog_arm("iommufd.ioctl", 30);

	memset(&u, 0, sizeof(u));
	u.a.size = offsetof(struct iommu_ioas_alloc, out_ioas_id);
	t_expect_errno("iommufd.ioctl.size_below_min_einval",
		       ioctl(fd, IOMMU_IOAS_ALLOC, &u), EINVAL);
	memset(&u, 0, sizeof(u));
	t_expect_errno("iommufd.ioctl.size_zero_einval",
		       ioctl(fd, IOMMU_IOAS_ALLOC, &u), EINVAL);

	/* A longer struct with a zero tail: accepted, answered in 12 bytes. */
	memset(&u, 0, sizeof(u));
	u.a.size = sizeof(u);
	ret = ioctl(fd, IOMMU_IOAS_ALLOC, &u);
	tail_zero = true;
	for (i = sizeof(u.a); i < sizeof(u); i++)
		tail_zero &= !u.raw[i];
	t_check(!ret && u.a.out_ioas_id && tail_zero && u.a.size == sizeof(u),
		"iommufd.ioctl.long_struct_zero_tail_ok",
		"ret %d (%s), id %u, tail %s", ret,
		ret ? strerrorname_np(errno) : "-", u.a.out_ioas_id,
		tail_zero ? "zero" : "written");
	/* The first object of a file: ids are allocated from 1. */
	t_check(!ret && u.a.out_ioas_id == 1, "iommufd.ioas_alloc.first_id_1",
		"ret %d, id %u", ret, u.a.out_ioas_id);
	if (!ret)
		destroy_id(fd, u.a.out_ioas_id);

	memset(&u, 0, sizeof(u));
	u.a.size = sizeof(u);
	u.raw[40] = 1;
	t_expect_errno("iommufd.ioctl.long_struct_nonzero_tail_e2big",
		       ioctl(fd, IOMMU_IOAS_ALLOC, &u), E2BIG);

	/*
	 * Zero extension: HWPT_ALLOC's minimum ends at __reserved (24 bytes).
	 * Behind those 24 bytes the buffer says data_type NONE with data_len
	 * 1, which the kernel refuses with EINVAL if it reads it; zero
	 * extended, the command gets as far as the (bogus) device: ENOENT.
	 * The full-size call with that tail shows the contrast is real.
	 */
	memset(&u, 0, sizeof(u));
	u.hw.size = sizeof(u.hw);
	u.hw.dev_id = 0xfffffff0;
	u.hw.data_type = IOMMU_HWPT_DATA_NONE;
	u.hw.data_len = 1;
	t_expect_errno("iommufd.hwpt_alloc.data_len_without_type_einval",
		       ioctl(fd, IOMMU_HWPT_ALLOC, &u), EINVAL);
	u.hw.size = offsetof(struct iommu_hwpt_alloc, data_type);
	t_expect_errno("iommufd.ioctl.short_struct_zero_extended",
		       ioctl(fd, IOMMU_HWPT_ALLOC, &u), ENOENT);
	u.hw.size = offsetof(struct iommu_hwpt_alloc, __reserved);
	t_expect_errno("iommufd.ioctl.short_struct_below_min_einval",
		       ioctl(fd, IOMMU_HWPT_ALLOC, &u), EINVAL);

	memset(&u, 0, sizeof(u));
	u.a.size = sizeof(u.a);
	t_expect_errno("iommufd.ioctl.unknown_cmd_enotty",
		       ioctl(fd, _IO(IOMMUFD_TYPE, 0xff), &u), ENOTTY);
	t_expect_errno("iommufd.ioctl.wrong_type_enotty",
		       ioctl(fd, _IO('x', IOMMUFD_CMD_IOAS_ALLOC), &u), ENOTTY);
	t_expect_errno("iommufd.ioctl.sized_number_enotty",
		       ioctl(fd, _IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
				       struct iommu_ioas_alloc), &u), ENOTTY);
	t_expect_errno("iommufd.ioctl.bad_pointer_efault",
		       ioctl(fd, IOMMU_IOAS_ALLOC, NULL), EFAULT);

	/* The answer is copied back in min(user size, kernel size) bytes. */
	ret = ioas_alloc(fd, &id);
	t_check(!ret && id, "iommufd.ioas_alloc.ok", "ret %d (%s), id %u", ret,
		ret ? strerrorname_np(errno) : "-", id);
	if (!ret)
		destroy_id(fd, id);
}

/* ------------------------------------------------------------------ */
/* 2. IOAS commands.                                                   */

static void test_alloc_destroy(int fd)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a), .flags = 1 };
	__u32 id1, id2;

	t_watchdog_arm("iommufd.ioas_alloc", 30);
	t_expect_errno("iommufd.ioas_alloc.flags_eopnotsupp",
		       ioctl(fd, IOMMU_IOAS_ALLOC, &a), EOPNOTSUPP);
	if (ioas_alloc(fd, &id1) || ioas_alloc(fd, &id2)) {
		t_fail("iommufd.ioas_alloc.two", "%s", strerrorname_np(errno));
		return;
	}
	t_check(id1 && id2 && id1 != id2, "iommufd.ioas_alloc.ids_distinct",
		"ids %u and %u", id1, id2);
	t_expect_errno("iommufd.destroy.unknown_enoent",
		       destroy_id(fd, 0x7ffffff0), ENOENT);
	t_expect_errno("iommufd.destroy.zero_enoent", destroy_id(fd, 0),
		       ENOENT);
	t_expect_ok("iommufd.destroy.ok", destroy_id(fd, id1));
	t_expect_errno("iommufd.destroy.twice_enoent", destroy_id(fd, id1),
		       ENOENT);
	t_expect_errno("iommufd.iova_ranges.destroyed_ioas_enoent",
		       ioas_alignment(fd, id1) ? 0 : -1, ENOENT);
	destroy_id(fd, id2);
}

static void test_iova_ranges(int fd, __u32 ioas)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q;
	__u32 num = 0, total;
	__u64 align = 0;
	int ret;

	t_watchdog_arm("iommufd.iova_ranges", 30);
	ret = iova_ranges(fd, ioas, NULL, &num, &align);
	t_expect_errno("iommufd.iova_ranges.emsgsize", ret, EMSGSIZE);
	t_check(num >= 1, "iommufd.iova_ranges.num_written_back",
		"num_iovas %u after EMSGSIZE", num);
	total = num;
	if (total > ARRAY_SIZE(r)) {
		t_fail("iommufd.iova_ranges.full", "%u ranges on a new IOAS",
		       total);
		return;
	}
	memset(r, 0xa5, sizeof(r));
	ret = iova_ranges(fd, ioas, r, &num, &align);
	t_check(!ret && num == total, "iommufd.iova_ranges.full",
		"ret %d (%s), num %u of %u", ret,
		ret ? strerrorname_np(errno) : "-", num, total);
	/* A new IOAS reserves nothing: the whole space, alignment 1. */
	t_check(!ret && num == 1 && r[0].start == 0 && r[0].last == U64_MAX_,
		"iommufd.iova_ranges.new_ioas_whole_space",
		"%u ranges, first [%#llx, %#llx]", num,
		(unsigned long long)r[0].start, (unsigned long long)r[0].last);
	t_check(!ret && align == 1, "iommufd.iova_ranges.new_ioas_alignment_1",
		"alignment %llu", (unsigned long long)align);

	num = 0;
	t_expect_errno("iommufd.iova_ranges.unknown_ioas_enoent",
		       iova_ranges(fd, 0x7ffffff0, r, &num, NULL), ENOENT);
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.ioas_id = ioas;
	q.num_iovas = ARRAY_SIZE(r);
	q.allowed_iovas = (uintptr_t)r;
	q.__reserved = 1;
	t_expect_errno("iommufd.iova_ranges.reserved_eopnotsupp",
		       ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), EOPNOTSUPP);
}

static int allow_iovas(int fd, __u32 ioas, const struct iommu_iova_range *r,
		       __u32 num, __u32 reserved)
{
	struct iommu_ioas_allow_iovas a = {
		.size = sizeof(a),
		.ioas_id = ioas,
		.num_iovas = num,
		.__reserved = reserved,
		.allowed_iovas = (uintptr_t)r,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &a);
}

static void test_allow_iovas(int fd, __u32 ioas)
{
	struct iommu_iova_range r[2] = {
		{ .start = ALLOW_START, .last = ALLOW_START + ALLOW_LEN - 1 },
	};
	__u64 iova = 0, unmapped;
	int ret;

	t_watchdog_arm("iommufd.allow_iovas", 30);
	t_expect_errno("iommufd.allow_iovas.reserved_eopnotsupp",
		       allow_iovas(fd, ioas, r, 1, 1), EOPNOTSUPP);
	r[1].start = ALLOW_START + page_size;
	r[1].last = ALLOW_START + 2 * page_size - 1;
	t_expect_errno("iommufd.allow_iovas.overlap_einval",
		       allow_iovas(fd, ioas, r, 2, 0), EINVAL);
	r[1].start = ALLOW_START + ALLOW_LEN + page_size;
	r[1].last = r[1].start;
	t_expect_errno("iommufd.allow_iovas.start_ge_last_einval",
		       allow_iovas(fd, ioas, r, 2, 0), EINVAL);
	t_expect_errno("iommufd.allow_iovas.unknown_ioas_enoent",
		       allow_iovas(fd, 0x7ffffff0, r, 1, 0), ENOENT);
	if (!t_expect_ok("iommufd.allow_iovas.ok",
			 allow_iovas(fd, ioas, r, 1, 0)))
		return;

	/* The kernel now picks its IOVAs inside the allowed range only. */
	ret = ioas_map(fd, ioas, MAP_RW, buf, 64 * KIB, &iova);
	t_check(!ret && iova >= ALLOW_START &&
		iova + 64 * KIB <= ALLOW_START + ALLOW_LEN,
		"iommufd.allow_iovas.auto_map_inside",
		"ret %d (%s), iova %#llx", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)iova);
	if (!ret)
		ioas_unmap(fd, ioas, iova, 64 * KIB, &unmapped);
	/* A range too small for the request: no IOVA to choose. */
	iova = 0;
	t_expect_errno("iommufd.allow_iovas.auto_map_too_big_enospc",
		       ioas_map(fd, ioas, MAP_RW, buf, ALLOW_LEN * 2, &iova),
		       ENOSPC);
	t_expect_ok("iommufd.allow_iovas.clear", allow_iovas(fd, ioas, r, 0, 0));
}

static void test_map(int fd, __u32 ioas)
{
	struct iommu_ioas_map m;
	__u64 iova, unmapped;
	int ret;

	t_watchdog_arm("iommufd.ioas_map", 30);
	iova = IOVA_A;
	ret = ioas_map(fd, ioas, MAP_FRW, buf, 64 * KIB, &iova);
	t_check(!ret && iova == IOVA_A, "iommufd.ioas_map.fixed_ok",
		"ret %d (%s), iova %#llx", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)iova);

	iova = 0;
	ret = ioas_map(fd, ioas, MAP_RW, buf + 64 * KIB, 64 * KIB, &iova);
	t_check(!ret && iova && (iova + 64 * KIB <= IOVA_A ||
				 iova >= IOVA_A + 64 * KIB),
		"iommufd.ioas_map.auto_iova",
		"ret %d (%s), iova %#llx", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)iova);
	if (!ret) {
		ret = ioas_unmap(fd, ioas, iova, 64 * KIB, &unmapped);
		t_check(!ret && unmapped == 64 * KIB,
			"iommufd.ioas_map.auto_iova_unmaps",
			"ret %d (%s), unmapped %#llx", ret,
			ret ? strerrorname_np(errno) : "-",
			(unsigned long long)unmapped);
	}

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.ioas_id = ioas;
	m.user_va = (uintptr_t)buf;
	m.length = 64 * KIB;
	m.iova = IOVA_B;
	m.flags = MAP_FRW | (1 << 3);
	t_expect_errno("iommufd.ioas_map.unknown_flags_eopnotsupp",
		       ioctl(fd, IOMMU_IOAS_MAP, &m), EOPNOTSUPP);
	m.flags = MAP_FRW;
	m.__reserved = 1;
	t_expect_errno("iommufd.ioas_map.reserved_eopnotsupp",
		       ioctl(fd, IOMMU_IOAS_MAP, &m), EOPNOTSUPP);

	iova = IOVA_B;
	t_expect_errno("iommufd.ioas_map.neither_r_nor_w_einval",
		       ioas_map(fd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA, buf,
				64 * KIB, &iova), EINVAL);
	t_expect_errno("iommufd.ioas_map.overlap_eexist",
		       map_fixed(fd, ioas, buf, 64 * KIB, IOVA_A + 32 * KIB),
		       EEXIST);
	t_expect_errno("iommufd.ioas_map.overlap_start_eexist",
		       map_fixed(fd, ioas, buf, 64 * KIB, IOVA_A - 32 * KIB),
		       EEXIST);
	t_expect_errno("iommufd.ioas_map.length_zero_einval",
		       map_fixed(fd, ioas, buf, 0, IOVA_B), EINVAL);
	t_expect_errno("iommufd.ioas_map.iova_overflow_eoverflow",
		       map_fixed(fd, ioas, buf, 64 * KIB, U64_MAX_),
		       EOVERFLOW);
	t_expect_errno("iommufd.ioas_map.length_overflow_eoverflow",
		       map_fixed(fd, ioas, buf, U64_MAX_, IOVA_B), EOVERFLOW);
	t_expect_errno("iommufd.ioas_map.iova_wrap_eoverflow",
		       map_fixed(fd, ioas, buf, 2 * page_size,
				 U64_MAX_ - page_size + 1), EOVERFLOW);
	t_expect_errno("iommufd.ioas_map.unknown_ioas_enoent",
		       map_fixed(fd, 0x7ffffff0, buf, 64 * KIB, IOVA_B),
		       ENOENT);
	/* Nothing of the refused maps may have stayed. */
	ret = ioas_unmap(fd, ioas, IOVA_B, 64 * KIB, NULL);
	t_expect_errno("iommufd.ioas_map.refused_left_nothing", ret, ENOENT);

	ret = ioas_unmap(fd, ioas, IOVA_A, 64 * KIB, &unmapped);
	t_check(!ret && unmapped == 64 * KIB, "iommufd.ioas_map.fixed_unmaps",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
}

static void test_copy(int fd, __u32 src)
{
	__u64 dst_iova, unmapped;
	__u32 dst;
	int ret;

	t_watchdog_arm("iommufd.ioas_copy", 30);
	if (ioas_alloc(fd, &dst)) {
		t_fail("iommufd.ioas_copy.setup", "IOAS_ALLOC: %s",
		       strerrorname_np(errno));
		return;
	}
	if (map_fixed(fd, src, buf, 128 * KIB, IOVA_A)) {
		t_fail("iommufd.ioas_copy.setup", "IOAS_MAP: %s",
		       strerrorname_np(errno));
		destroy_id(fd, dst);
		return;
	}

	dst_iova = IOVA_B;
	ret = ioas_copy(fd, MAP_FRW, dst, src, 128 * KIB, &dst_iova, IOVA_A);
	t_check(!ret && dst_iova == IOVA_B, "iommufd.ioas_copy.fixed_ok",
		"ret %d (%s), dst_iova %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)dst_iova);
	dst_iova = IOVA_B;
	t_expect_errno("iommufd.ioas_copy.overlap_eexist",
		       ioas_copy(fd, MAP_FRW, dst, src, 64 * KIB, &dst_iova,
				 IOVA_A), EEXIST);
	/* Part of an area may be copied; the kernel picks the IOVA. */
	dst_iova = 0;
	ret = ioas_copy(fd, MAP_RW, dst, src, 64 * KIB, &dst_iova,
			IOVA_A + 64 * KIB);
	t_check(!ret && dst_iova && (dst_iova + 64 * KIB <= IOVA_B ||
				     dst_iova >= IOVA_B + 128 * KIB),
		"iommufd.ioas_copy.auto_iova_part",
		"ret %d (%s), dst_iova %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)dst_iova);
	dst_iova = IOVA_C;
	t_expect_errno("iommufd.ioas_copy.unmapped_src_enoent",
		       ioas_copy(fd, MAP_FRW, dst, src, 64 * KIB, &dst_iova,
				 IOVA_EMPTY), ENOENT);
	t_expect_errno("iommufd.ioas_copy.unknown_flags_eopnotsupp",
		       ioas_copy(fd, MAP_FRW | (1 << 3), dst, src, 64 * KIB,
				 &dst_iova, IOVA_A), EOPNOTSUPP);
	t_expect_errno("iommufd.ioas_copy.neither_r_nor_w_einval",
		       ioas_copy(fd, IOMMU_IOAS_MAP_FIXED_IOVA, dst, src,
				 64 * KIB, &dst_iova, IOVA_A), EINVAL);
	t_expect_errno("iommufd.ioas_copy.length_zero_einval",
		       ioas_copy(fd, MAP_FRW, dst, src, 0, &dst_iova, IOVA_A),
		       EINVAL);
	t_expect_errno("iommufd.ioas_copy.unknown_dst_enoent",
		       ioas_copy(fd, MAP_FRW, 0x7ffffff0, src, 64 * KIB,
				 &dst_iova, IOVA_A), ENOENT);

	/* The copy outlives the source's mapping. */
	ioas_unmap(fd, src, IOVA_A, 128 * KIB, NULL);
	ret = ioas_unmap(fd, dst, 0, U64_MAX_, &unmapped);
	t_check(!ret && unmapped == 192 * KIB, "iommufd.ioas_copy.dst_mapped",
		"unmap-all of the destination: ret %d (%s), %#llx bytes",
		ret, ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	destroy_id(fd, dst);
}

static void test_unmap(int fd, __u32 ioas)
{
	__u64 unmapped;
	int ret;

	t_watchdog_arm("iommufd.ioas_unmap", 30);
	if (map_fixed(fd, ioas, buf, 64 * KIB, IOVA_A) ||
	    map_fixed(fd, ioas, buf + 64 * KIB, 64 * KIB, IOVA_A + 64 * KIB)) {
		t_fail("iommufd.ioas_unmap.setup", "IOAS_MAP: %s",
		       strerrorname_np(errno));
		return;
	}
	t_expect_errno("iommufd.ioas_unmap.cut_area_enoent",
		       ioas_unmap(fd, ioas, IOVA_A, 32 * KIB, NULL), ENOENT);
	t_expect_errno("iommufd.ioas_unmap.cut_area_end_enoent",
		       ioas_unmap(fd, ioas, IOVA_A + 32 * KIB, 64 * KIB, NULL),
		       ENOENT);
	t_expect_errno("iommufd.ioas_unmap.length_zero_einval",
		       ioas_unmap(fd, ioas, IOVA_A, 0, NULL), EINVAL);
	t_expect_errno("iommufd.ioas_unmap.nothing_mapped_enoent",
		       ioas_unmap(fd, ioas, IOVA_EMPTY, 64 * KIB, NULL),
		       ENOENT);
	t_expect_errno("iommufd.ioas_unmap.iova_overflow_eoverflow",
		       ioas_unmap(fd, ioas, U64_MAX_, 1, NULL), EOVERFLOW);
	t_expect_errno("iommufd.ioas_unmap.wrap_eoverflow",
		       ioas_unmap(fd, ioas, U64_MAX_ - 1, 4, NULL), EOVERFLOW);
	t_expect_errno("iommufd.ioas_unmap.unknown_ioas_enoent",
		       ioas_unmap(fd, 0x7ffffff0, IOVA_A, 64 * KIB, NULL),
		       ENOENT);

	/* Two whole areas in one call, from a range reaching past both. */
	ret = ioas_unmap(fd, ioas, IOVA_A - 64 * KIB, 256 * KIB, &unmapped);
	t_check(!ret && unmapped == 128 * KIB,
		"iommufd.ioas_unmap.whole_areas_length",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	t_expect_errno("iommufd.ioas_unmap.gone_enoent",
		       ioas_unmap(fd, ioas, IOVA_A, 128 * KIB, NULL), ENOENT);

	if (map_fixed(fd, ioas, buf, 64 * KIB, IOVA_A) ||
	    map_fixed(fd, ioas, buf, 128 * KIB, IOVA_C)) {
		t_fail("iommufd.ioas_unmap.setup_all", "IOAS_MAP: %s",
		       strerrorname_np(errno));
		return;
	}
	ret = ioas_unmap(fd, ioas, 0, U64_MAX_, &unmapped);
	t_check(!ret && unmapped == 192 * KIB, "iommufd.ioas_unmap.all_length",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	/* Upstream: unmap-all of an empty IOAS succeeds, with length 0. */
	unmapped = 1;
	ret = ioas_unmap(fd, ioas, 0, U64_MAX_, &unmapped);
	t_check(!ret && !unmapped, "iommufd.ioas_unmap.all_empty_ok",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
}

static void test_option(int fd, __u32 ioas)
{
	struct iommu_option o;
	__u64 val;
	int fd2, ret;

	t_watchdog_arm("iommufd.option", 30);
	val = 7;
	ret = option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0,
		     &val);
	t_check(!ret && val == 0, "iommufd.option.rlimit_mode_get",
		"ret %d (%s), val %llu (expected 0: charge the user)", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)val);
	val = 0;
	t_expect_errno("iommufd.option.rlimit_mode_object_eopnotsupp",
		       option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET,
			      ioas, &val), EOPNOTSUPP);
	val = 1;
	t_expect_errno("iommufd.option.rlimit_mode_set_with_objects_ebusy",
		       option(fd, IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET,
			      0, &val), EBUSY);
	val = 0;
	t_expect_errno("iommufd.option.rlimit_mode_bad_op_eopnotsupp",
		       option(fd, IOMMU_OPTION_RLIMIT_MODE, 7, 0, &val),
		       EOPNOTSUPP);

	fd2 = open(IOMMU_DEV, O_RDWR | O_CLOEXEC);
	if (t_expect_ok("iommufd.option.second_open", fd2)) {
		val = 2;
		t_expect_errno("iommufd.option.rlimit_mode_bad_value_einval",
			       option(fd2, IOMMU_OPTION_RLIMIT_MODE,
				      IOMMU_OPTION_OP_SET, 0, &val), EINVAL);
		val = 1;
		ret = option(fd2, IOMMU_OPTION_RLIMIT_MODE,
			     IOMMU_OPTION_OP_SET, 0, &val);
		val = 0;
		if (!ret)
			ret = option(fd2, IOMMU_OPTION_RLIMIT_MODE,
				     IOMMU_OPTION_OP_GET, 0, &val);
		t_check(!ret && val == 1, "iommufd.option.rlimit_mode_set_get",
			"ret %d (%s), val %llu", ret,
			ret ? strerrorname_np(errno) : "-",
			(unsigned long long)val);
		close(fd2);
	}

	val = 7;
	ret = option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, ioas,
		     &val);
	t_check(!ret && val == 1, "iommufd.option.huge_pages_get",
		"ret %d (%s), val %llu (expected 1)", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)val);
	val = 0;
	ret = option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas,
		     &val);
	val = 7;
	if (!ret)
		ret = option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
			     ioas, &val);
	t_check(!ret && val == 0, "iommufd.option.huge_pages_set_get",
		"ret %d (%s), val %llu", ret,
		ret ? strerrorname_np(errno) : "-", (unsigned long long)val);
	/* Without large pages the IOAS maps in PAGE_SIZE units. */
	t_check(ioas_alignment(fd, ioas) == (__u64)page_size,
		"iommufd.option.huge_pages_off_alignment_page",
		"alignment %llu", (unsigned long long)ioas_alignment(fd, ioas));
	t_expect_errno("iommufd.ioas_map.unaligned_iova_einval",
		       map_fixed(fd, ioas, buf, page_size, IOVA_A + 512),
		       EINVAL);
	t_expect_errno("iommufd.ioas_map.unaligned_length_einval",
		       map_fixed(fd, ioas, buf, page_size + 512, IOVA_A),
		       EINVAL);
	val = 1;
	ret = option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, ioas,
		     &val);
	t_check(!ret && ioas_alignment(fd, ioas) == 1,
		"iommufd.option.huge_pages_on_alignment_1",
		"ret %d (%s), alignment %llu", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)ioas_alignment(fd, ioas));
	val = 2;
	t_expect_errno("iommufd.option.huge_pages_bad_value_einval",
		       option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET,
			      ioas, &val), EINVAL);
	t_expect_errno("iommufd.option.huge_pages_unknown_ioas_enoent",
		       option(fd, IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET,
			      0x7ffffff0, &val), ENOENT);
	t_expect_errno("iommufd.option.huge_pages_bad_op_eopnotsupp",
		       option(fd, IOMMU_OPTION_HUGE_PAGES, 7, ioas, &val),
		       EOPNOTSUPP);
	t_expect_errno("iommufd.option.bad_option_eopnotsupp",
		       option(fd, 99, IOMMU_OPTION_OP_GET, 0, &val),
		       EOPNOTSUPP);
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.option_id = IOMMU_OPTION_RLIMIT_MODE;
	o.op = IOMMU_OPTION_OP_GET;
	o.__reserved = 1;
	t_expect_errno("iommufd.option.reserved_eopnotsupp",
		       ioctl(fd, IOMMU_OPTION, &o), EOPNOTSUPP);
}

static void test_vfio_ioas(int fd, __u32 ioas)
{
	struct iommu_vfio_ioas v;
	__u32 id;
	int ret;

	t_watchdog_arm("iommufd.vfio_ioas", 30);
	id = 0;
	t_expect_errno("iommufd.vfio_ioas.get_unset_enodev",
		       vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	id = 0x7ffffff0;
	t_expect_errno("iommufd.vfio_ioas.set_unknown_enoent",
		       vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id), ENOENT);
	id = ioas;
	t_expect_ok("iommufd.vfio_ioas.set_ok",
		    vfio_ioas(fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	ret = vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id);
	t_check(!ret && id == ioas, "iommufd.vfio_ioas.get_returns_set",
		"ret %d (%s), id %u (set %u)", ret,
		ret ? strerrorname_np(errno) : "-", id, ioas);
	t_expect_ok("iommufd.vfio_ioas.clear_ok",
		    vfio_ioas(fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	id = 0;
	t_expect_errno("iommufd.vfio_ioas.get_cleared_enodev",
		       vfio_ioas(fd, IOMMU_VFIO_IOAS_GET, &id), ENODEV);
	t_expect_errno("iommufd.vfio_ioas.bad_op_eopnotsupp",
		       vfio_ioas(fd, 7, &id), EOPNOTSUPP);
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.op = IOMMU_VFIO_IOAS_CLEAR;
	v.__reserved = 1;
	t_expect_errno("iommufd.vfio_ioas.reserved_eopnotsupp",
		       ioctl(fd, IOMMU_VFIO_IOAS, &v), EOPNOTSUPP);
}

static void test_hw(int fd, __u32 ioas)
{
	struct iommu_hw_info h;

	t_watchdog_arm("iommufd.hw_info", 30);
	t_expect_errno("iommufd.hw_info.bogus_id_enoent",
		       hw_info(fd, 0x7ffffff0), ENOENT);
	t_expect_errno("iommufd.hw_info.ioas_id_enoent", hw_info(fd, ioas),
		       ENOENT);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.flags = 1;
	h.dev_id = 0x7ffffff0;
	t_expect_errno("iommufd.hw_info.flags_eopnotsupp",
		       ioctl(fd, IOMMU_GET_HW_INFO, &h), EOPNOTSUPP);
	t_expect_errno("iommufd.hwpt_alloc.bogus_id_enoent",
		       hwpt_alloc(fd, 0x7ffffff0, ioas), ENOENT);
	t_expect_errno("iommufd.hwpt_alloc.ioas_as_device_enoent",
		       hwpt_alloc(fd, ioas, ioas), ENOENT);
}

static void test_iommufd(void)
{
	__u32 ioas;
	int fd;

	fd = open(IOMMU_DEV, O_RDWR | O_CLOEXEC);
	if (!t_expect_ok("iommufd.open", fd))
		return;
	test_framework(fd);
	test_alloc_destroy(fd);
	if (ioas_alloc(fd, &ioas)) {
		t_fail("iommufd.setup.ioas", "IOAS_ALLOC: %s",
		       strerrorname_np(errno));
		close(fd);
		return;
	}
	test_iova_ranges(fd, ioas);
	test_allow_iovas(fd, ioas);
	test_map(fd, ioas);
	test_copy(fd, ioas);
	test_unmap(fd, ioas);
	test_option(fd, ioas);
	test_vfio_ioas(fd, ioas);
	test_hw(fd, ioas);
	t_expect_ok("iommufd.destroy.used_ioas_ok", destroy_id(fd, ioas));
	close(fd);
}

/* ------------------------------------------------------------------ */
/* 3. The cdev.                                                        */

static void test_cdev_unbound(int dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char c[8];
	void *p;
	__u32 pt = 1;

	t_watchdog_arm("cdev.unbound", 30);
	t_expect_errno("cdev.unbound.get_info_einval",
		       ioctl(dev, VFIO_DEVICE_GET_INFO, &info), EINVAL);
	t_expect_errno("cdev.unbound.attach_einval",
		       attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt),
				 0, &pt), EINVAL);
	t_expect_errno("cdev.unbound.detach_einval",
		       detach_pt(dev, sizeof(struct vfio_device_detach_iommufd_pt),
				 0), EINVAL);
	t_expect_errno("cdev.unbound.read_einval", pread(dev, c, 4, 0), EINVAL);
	t_expect_errno("cdev.unbound.write_einval", pwrite(dev, c, 4, 0),
		       EINVAL);
	p = mmap(NULL, page_size, PROT_READ, MAP_SHARED, dev, 0);
	t_expect_errno("cdev.unbound.mmap_einval", p == MAP_FAILED ? -1 : 0,
		       EINVAL);
	if (p != MAP_FAILED)
		munmap(p, page_size);
}

static void test_cdev_bind_errors(int dev, int ifd)
{
	int nul, closed;

	t_watchdog_arm("cdev.bind", 30);
	t_expect_errno("cdev.bind.short_argsz_einval",
		       bind_fd(dev, 15, 0, ifd, NULL), EINVAL);
	t_expect_errno("cdev.bind.flags_einval",
		       bind_fd(dev, 16, 1, ifd, NULL), EINVAL);
	t_expect_errno("cdev.bind.negative_fd_einval",
		       bind_fd(dev, 16, 0, -1, NULL), EINVAL);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	t_expect_errno("cdev.bind.not_iommufd_ebadfd",
		       bind_fd(dev, 16, 0, nul, NULL), EBADFD);
	closed = dup(nul);
	close(closed);
	t_expect_errno("cdev.bind.closed_fd_ebadf",
		       bind_fd(dev, 16, 0, closed, NULL), EBADF);
	close(nul);
}

static void test_cdev_attached(int dev, int ifd, __u32 ioas)
{
	struct fix_status s0, s;
	struct vt_region bar0;
	unsigned char pat[64], got[64];
	__u64 iova = IOVA_A, unmapped;
	void *hole;
	size_t i;
	int ret;

	t_watchdog_arm("cdev.attached", 60);
	t_check(ioas_alignment(ifd, ioas) == (__u64)page_size,
		"cdev.attach.iova_alignment_page", "alignment %llu",
		(unsigned long long)ioas_alignment(ifd, ioas));
	t_expect_errno("cdev.attach.destroy_ioas_ebusy", destroy_id(ifd, ioas),
		       EBUSY);
	t_expect_errno("cdev.attach.unaligned_map_einval",
		       map_fixed(ifd, ioas, buf, page_size, IOVA_A + 512),
		       EINVAL);
	ret = vt_region_info(dev, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	t_check(!ret && bar0.size, "cdev.attach.region_info",
		"ret %d (%s), size %llu", ret, strerrorname_np(-ret),
		(unsigned long long)bar0.size);
	if (fix_status(dev, &s0))
		return;
	t_pass("cdev.attach.region_read");

	if (!t_expect_ok("cdev.map", map_fixed(ifd, ioas, buf, BUF_SIZE, iova)))
		return;

	/* vfio_dma_rw() through the access: both directions. */
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = 0x30 + i;
	memset(buf + 100, 0, sizeof(pat));
	if (pwrite(dev, pat, sizeof(pat), bar0.offset) != sizeof(pat))
		t_fail("cdev.dma_write", "BAR0 write: %s",
		       strerrorname_np(errno));
	ret = fix_cmd(dev, MFIX_OP_DMA_WRITE, iova + 100, sizeof(pat));
	t_check(!ret && !memcmp(buf + 100, pat, sizeof(pat)), "cdev.dma_write",
		"ret %s, memory %s", strerrorname_np(-ret),
		memcmp(buf + 100, pat, sizeof(pat)) ? "differs" : "same");
	for (i = 0; i < sizeof(pat); i++)
		buf[page_size + 7 + i] = 0x90 ^ i;
	ret = fix_cmd(dev, MFIX_OP_DMA_READ, iova + page_size + 7, sizeof(pat));
	memset(got, 0, sizeof(got));
	if (!ret && pread(dev, got, sizeof(got), bar0.offset) != sizeof(got))
		ret = -errno;
	t_check(!ret && !memcmp(got, buf + page_size + 7, sizeof(got)),
		"cdev.dma_read", "ret %s, data %s", strerrorname_np(-ret),
		memcmp(got, buf + page_size + 7, sizeof(got)) ? "differs" :
		"same");

	/* Pins through vfio_pin_pages() and the access. */
	ret = fix_cmd(dev, MFIX_OP_PIN_WRITE, iova, 4);
	fix_status(dev, &s);
	t_check(!ret && s.pinned == s0.pinned + 4, "cdev.pin.ok",
		"ret %s, pinned %u (was %u)", strerrorname_np(-ret), s.pinned,
		s0.pinned);
	t_expect_ret("cdev.pin.unmapped_iova_enoent",
		     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_EMPTY, 1), ENOENT);
	t_expect_ret("cdev.pin.past_area_end_enoent",
		     fix_cmd(dev, MFIX_OP_PIN_READ,
			     iova + BUF_SIZE - page_size, 2), ENOENT);
	iova = IOVA_C;
	if (t_expect_ok("cdev.map_readonly",
			ioas_map(ifd, ioas, IOMMU_IOAS_MAP_FIXED_IOVA |
				 IOMMU_IOAS_MAP_READABLE, buf, 64 * KIB,
				 &iova))) {
		t_expect_ret("cdev.pin.write_on_readonly_eperm",
			     fix_cmd(dev, MFIX_OP_PIN_WRITE, IOVA_C, 1), EPERM);
		t_expect_ret("cdev.pin.read_on_readonly_ok",
			     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_C, 1), 0);
		t_expect_ret("cdev.dma_write.readonly_eperm",
			     fix_cmd(dev, MFIX_OP_DMA_WRITE, IOVA_C + 8, 16),
			     EPERM);
	}
	t_expect_ret("cdev.dma_read.unmapped_enoent",
		     fix_cmd(dev, MFIX_OP_DMA_READ, IOVA_EMPTY + 8, 16), ENOENT);
	t_expect_ret("cdev.dma_read.past_area_end_enoent",
		     fix_cmd(dev, MFIX_OP_DMA_READ, IOVA_A + BUF_SIZE - 8, 16),
		     ENOENT);
	/* IOAS_MAP pins nothing, so memory that is not there maps... */
	hole = mmap(NULL, 64 * KIB, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hole != MAP_FAILED && !munmap(hole, 64 * KIB) &&
	    t_expect_ok("iommufd.ioas_map.unbacked_va_ok",
			map_fixed(ifd, ioas, hole, 64 * KIB, IOVA_B))) {
		/* ... and the pin is what fails. */
		t_expect_ret("cdev.pin.unbacked_va_efault",
			     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_B, 1), EFAULT);
		ioas_unmap(ifd, ioas, IOVA_B, 64 * KIB, NULL);
	}
	fix_status(dev, &s0);

	/* Unmapping pinned memory calls dma_unmap, which drops the pins. */
	ret = ioas_unmap(ifd, ioas, IOVA_A, BUF_SIZE, &unmapped);
	fix_status(dev, &s);
	t_check(!ret && unmapped == BUF_SIZE, "cdev.unmap_pinned.ok",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	t_check(s.dma_unmap_count > s0.dma_unmap_count &&
		s.pinned == s0.pinned - 4,
		"cdev.unmap_pinned.dma_unmap_called",
		"dma_unmap calls %u -> %u, pinned %u -> %u",
		s0.dma_unmap_count, s.dma_unmap_count, s0.pinned, s.pinned);
}

/* Attach to a second IOAS while pins are held on the first one. */
static void test_cdev_replace(int dev, int ifd, __u32 ioas1)
{
	struct fix_status s0, s;
	__u32 ioas2, pt;
	int ret;

	t_watchdog_arm("cdev.replace", 60);
	if (ioas_alloc(ifd, &ioas2)) {
		t_fail("cdev.replace.setup", "IOAS_ALLOC: %s",
		       strerrorname_np(errno));
		return;
	}
	if (map_fixed(ifd, ioas2, buf, BUF_SIZE, IOVA_B)) {
		t_fail("cdev.replace.setup", "IOAS_MAP: %s",
		       strerrorname_np(errno));
		return;
	}
	/* IOVA_C of ioas1 is still mapped, one page pinned read-only. */
	fix_status(dev, &s0);
	pt = 0x7ffffff0;
	ret = attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt), 0,
			&pt);
	fix_status(dev, &s);
	t_expect_errno("cdev.attach.replace_unknown_pt_enoent", ret, ENOENT);
	t_check(s.pinned == s0.pinned && s.pinned &&
		s.dma_unmap_count == s0.dma_unmap_count,
		"cdev.attach.failed_replace_keeps_pins",
		"pinned %u -> %u, dma_unmap calls %u -> %u", s0.pinned,
		s.pinned, s0.dma_unmap_count, s.dma_unmap_count);
	t_expect_ret("cdev.attach.failed_replace_still_attached",
		     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_C + page_size, 1), 0);
	fix_status(dev, &s0);
	pt = ioas1;
	ret = attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt), 0,
			&pt);
	fix_status(dev, &s);
	t_check(!ret && pt == ioas1 && s.dma_unmap_count == s0.dma_unmap_count,
		"cdev.attach.same_ioas_again_ok",
		"ret %d (%s), pt_id %u, dma_unmap calls %u -> %u", ret,
		ret ? strerrorname_np(errno) : "-", pt, s0.dma_unmap_count,
		s.dma_unmap_count);

	pt = ioas2;
	ret = attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt), 0,
			&pt);
	fix_status(dev, &s);
	t_check(!ret && pt == ioas2, "cdev.attach.replace_ok",
		"ret %d (%s), pt_id %u", ret,
		ret ? strerrorname_np(errno) : "-", pt);
	t_check(s.dma_unmap_count > s0.dma_unmap_count && s.pinned == 0,
		"cdev.attach.replace_unmaps_old_pins",
		"dma_unmap calls %u -> %u, pinned %u -> %u",
		s0.dma_unmap_count, s.dma_unmap_count, s0.pinned, s.pinned);
	t_expect_ret("cdev.attach.replace_old_iova_enoent",
		     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_C, 1), ENOENT);
	t_expect_ret("cdev.attach.replace_new_iova_pins",
		     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_B, 2), 0);
	t_expect_ok("cdev.attach.replace_releases_old",
		    destroy_id(ifd, ioas1));
	t_expect_errno("cdev.attach.replace_holds_new_ebusy",
		       destroy_id(ifd, ioas2), EBUSY);

	/* Detach drops the pins too, and releases the IOAS. */
	t_expect_errno("cdev.detach.flags_einval",
		       detach_pt(dev, sizeof(struct vfio_device_detach_iommufd_pt),
				 1), EINVAL);
	t_expect_errno("cdev.detach.short_argsz_einval", detach_pt(dev, 7, 0),
		       EINVAL);
	fix_status(dev, &s0);
	ret = detach_pt(dev, sizeof(struct vfio_device_detach_iommufd_pt), 0);
	fix_status(dev, &s);
	t_check(!ret && s.pinned == 0 && s.dma_unmap_count > s0.dma_unmap_count,
		"cdev.detach.ok_unpins",
		"ret %d (%s), pinned %u -> %u, dma_unmap calls %u -> %u", ret,
		ret ? strerrorname_np(errno) : "-", s0.pinned, s.pinned,
		s0.dma_unmap_count, s.dma_unmap_count);
	t_expect_ret("cdev.detach.pin_enoent",
		     fix_cmd(dev, MFIX_OP_PIN_READ, IOVA_B, 1), ENOENT);
	t_check(ioas_alignment(ifd, ioas2) == 1, "cdev.detach.alignment_back_1",
		"alignment %llu", (unsigned long long)ioas_alignment(ifd, ioas2));
	t_expect_ok("cdev.detach.releases_ioas", destroy_id(ifd, ioas2));
}

static void test_cdev(const char *uuid)
{
	char node[PATH_MAX];
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_handle h;
	struct stat st;
	__u32 ioas, devid, pt;
	int ifd, dev, dev2, grp, ret;
	dev_t devt;

	t_watchdog_arm("cdev.setup", 30);
	ret = cdev_find(uuid, node, sizeof(node), &devt);
	if (!t_check(!ret, "cdev.sysfs_dev", "%s/%s/vfio-dev/vfio*/dev: %s",
		     MDEV_BUS_DEVICES, uuid, strerrorname_np(-ret)))
		return;
	ret = stat(node, &st);
	t_check(!ret && S_ISCHR(st.st_mode) && st.st_rdev == devt,
		"cdev.node_matches_sysfs", "%s: %s, rdev %u:%u, sysfs %u:%u",
		node, ret ? strerrorname_np(errno) : "stat ok",
		major(st.st_rdev), minor(st.st_rdev), major(devt),
		minor(devt));
	dev = open(node, O_RDWR | O_CLOEXEC);
	if (!t_check(dev >= 0, "cdev.open", "%s: %s", node,
		     strerrorname_np(errno)))
		return;
	ifd = open(IOMMU_DEV, O_RDWR | O_CLOEXEC);
	if (!t_expect_ok("cdev.iommufd_open", ifd)) {
		close(dev);
		return;
	}
	test_cdev_unbound(dev);
	test_cdev_bind_errors(dev, ifd);

	t_watchdog_arm("cdev.bind", 30);
	if (ioas_alloc(ifd, &ioas)) {
		t_fail("cdev.setup.ioas", "IOAS_ALLOC: %s",
		       strerrorname_np(errno));
		goto out;
	}
	ret = bind_fd(dev, sizeof(struct vfio_device_bind_iommufd), 0, ifd,
		      &devid);
	if (!t_check(!ret && devid, "cdev.bind.ok", "ret %d (%s), out_devid %u",
		     ret, ret ? strerrorname_np(errno) : "-", devid))
		goto out;
	t_check(devid != ioas, "cdev.bind.devid_shares_id_space",
		"out_devid %u equals the IOAS's id", devid);
	t_expect_errno("cdev.bind.second_einval",
		       bind_fd(dev, 16, 0, ifd, NULL), EINVAL);
	dev2 = open(node, O_RDWR | O_CLOEXEC);
	if (t_check(dev2 >= 0, "cdev.open_second", "%s",
		    strerrorname_np(errno))) {
		t_expect_errno("cdev.bind.other_fd_while_bound_einval",
			       bind_fd(dev2, 16, 0, ifd, NULL), EINVAL);
		close(dev2);
	}
	grp = group_open(uuid);
	t_expect_errno("cdev.bound.group_open_ebusy", grp, EBUSY);
	if (grp >= 0)
		close(grp);
	t_expect_ok("cdev.bound.get_info_ok",
		    ioctl(dev, VFIO_DEVICE_GET_INFO, &info));

	/* The access's id: not a device with hardware, not destroyable. */
	t_expect_errno("iommufd.hw_info.emulated_device_enoent",
		       hw_info(ifd, devid), ENOENT);
	t_expect_errno("iommufd.hwpt_alloc.emulated_device_enoent",
		       hwpt_alloc(ifd, devid, ioas), ENOENT);
	t_expect_errno("iommufd.destroy.device_id_ebusy", destroy_id(ifd, devid),
		       EBUSY);

	t_watchdog_arm("cdev.attach", 30);
	pt = ioas;
	t_expect_errno("cdev.attach.flags_einval",
		       attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt),
				 1, &pt), EINVAL);
	t_expect_errno("cdev.attach.short_argsz_einval",
		       attach_pt(dev, 11, 0, &pt), EINVAL);
	pt = 0x7ffffff0;
	t_expect_errno("cdev.attach.unknown_pt_enoent",
		       attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt),
				 0, &pt), ENOENT);
	pt = devid;
	t_expect_errno("cdev.attach.device_id_as_pt_enoent",
		       attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt),
				 0, &pt), ENOENT);
	t_check(ioas_alignment(ifd, ioas) == 1, "cdev.unattached_alignment_1",
		"alignment %llu", (unsigned long long)ioas_alignment(ifd, ioas));
	pt = ioas;
	ret = attach_pt(dev, sizeof(struct vfio_device_attach_iommufd_pt), 0,
			&pt);
	if (!t_check(!ret && pt == ioas, "cdev.attach.ok",
		     "ret %d (%s), pt_id %u (IOAS %u)", ret,
		     ret ? strerrorname_np(errno) : "-", pt, ioas))
		goto out;
	test_cdev_attached(dev, ifd, ioas);
	test_cdev_replace(dev, ifd, ioas);

	/* Closing the cdev unbinds: the group opens again. */
	t_watchdog_arm("cdev.close", 30);
	close(dev);
	dev = -1;
	grp = group_open(uuid);
	t_expect_ok("cdev.close_unbinds", grp);
	if (grp >= 0)
		close(grp);

	/* The group path in use: the cdev cannot bind. */
	ret = vfio_open_device(uuid, &h);
	if (t_check(!ret, "cdev.group_path_open", "%s",
		    strerrorname_np(-ret))) {
		t_expect_errno("cdev.bind.group_device_fd_einval",
			       bind_fd(h.device, 16, 0, ifd, NULL), EINVAL);
		dev = open(node, O_RDWR | O_CLOEXEC);
		if (t_check(dev >= 0, "cdev.open_while_group_open", "%s",
			    strerrorname_np(errno))) {
			t_expect_errno("cdev.bind.group_open_ebusy",
				       bind_fd(dev, 16, 0, ifd, NULL), EBUSY);
			close(dev);
			dev = -1;
		}
		vfio_close(&h);
	}
	dev = open(node, O_RDWR | O_CLOEXEC);
	t_expect_ok("cdev.rebind_after_group_close",
		    dev < 0 ? -1 : bind_fd(dev, 16, 0, ifd, NULL));
out:
	if (dev >= 0)
		close(dev);
	close(ifd);
}

/*
 * Two devices on one IOAS, the way QEMU puts them: an unmap reaches both,
 * a device keeps the IOAS until it closes, and the iommufd outlives the
 * user's descriptor while a device holds it.
 */
static int cdev_bind_attach(const char *uuid, int ifd, __u32 ioas,
			    __u32 *devid)
{
	char node[PATH_MAX];
	dev_t devt;
	int dev, ret;

	ret = cdev_find(uuid, node, sizeof(node), &devt);
	if (ret) {
		errno = -ret;
		return -1;
	}
	dev = open(node, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	if (bind_fd(dev, 16, 0, ifd, devid) || attach(dev, ioas)) {
		ret = errno;
		close(dev);
		errno = ret;
		return -1;
	}
	return dev;
}

static void test_cdev_shared(const char *uuid1, const char *uuid2)
{
	struct fix_status a0, b0, a, b;
	__u32 ioas, id1, id2;
	int ifd, d1, d2, ret;
	long pin0, pin;
	__u64 unmapped;

	t_watchdog_arm("cdev.shared", 60);
	pin0 = proc_status_kb("VmPin");
	ifd = open(IOMMU_DEV, O_RDWR | O_CLOEXEC);
	if (ifd < 0 || ioas_alloc(ifd, &ioas)) {
		t_fail("cdev.shared.setup", "%s", strerrorname_np(errno));
		if (ifd >= 0)
			close(ifd);
		return;
	}
	d1 = cdev_bind_attach(uuid1, ifd, ioas, &id1);
	d2 = d1 < 0 ? -1 : cdev_bind_attach(uuid2, ifd, ioas, &id2);
	if (!t_check(d1 >= 0 && d2 >= 0, "cdev.shared.two_devices_attached",
		     "%s", strerrorname_np(errno)))
		goto out;
	t_check(id1 != id2 && id1 != ioas && id2 != ioas,
		"cdev.shared.devids_distinct", "ids %u, %u, IOAS %u", id1, id2,
		ioas);
	if (!t_expect_ok("cdev.shared.map",
			 map_fixed(ifd, ioas, buf, BUF_SIZE, IOVA_A)))
		goto out;
	ret = fix_cmd(d1, MFIX_OP_PIN_WRITE, IOVA_A, 4);
	ret = ret ? ret : fix_cmd(d2, MFIX_OP_PIN_READ, IOVA_A, 4);
	pin = proc_status_kb("VmPin");
	t_check(!ret && pin == pin0 + pages_kb(4),
		"cdev.shared.same_pages_counted_once",
		"pins %s, VmPin %ld kB (baseline %ld kB, 4 pages)",
		strerrorname_np(-ret), pin, pin0);
	fix_status(d1, &a0);
	fix_status(d2, &b0);
	ret = ioas_unmap(ifd, ioas, IOVA_A, BUF_SIZE, &unmapped);
	fix_status(d1, &a);
	fix_status(d2, &b);
	t_check(!ret && unmapped == BUF_SIZE &&
		a.dma_unmap_count > a0.dma_unmap_count &&
		b.dma_unmap_count > b0.dma_unmap_count && !a.pinned &&
		!b.pinned, "cdev.shared.unmap_reaches_both",
		"unmap %s (%#llx), dma_unmap calls %u -> %u and %u -> %u, pinned %u and %u",
		ret ? strerrorname_np(errno) : "ok",
		(unsigned long long)unmapped, a0.dma_unmap_count,
		a.dma_unmap_count, b0.dma_unmap_count, b.dma_unmap_count,
		a.pinned, b.pinned);
	t_check(proc_status_kb("VmPin") == pin0, "cdev.shared.vmpin_back",
		"VmPin %ld kB, baseline %ld kB", proc_status_kb("VmPin"), pin0);

	close(d2);
	d2 = -1;
	t_expect_errno("cdev.shared.one_closed_ioas_still_busy",
		       destroy_id(ifd, ioas), EBUSY);
	close(d1);
	d1 = -1;
	t_expect_ok("cdev.close_releases_ioas", destroy_id(ifd, ioas));

	/* The device holds the iommufd: closing the user's fd changes nothing. */
	if (ioas_alloc(ifd, &ioas)) {
		t_fail("cdev.iommufd_closed.setup", "IOAS_ALLOC: %s",
		       strerrorname_np(errno));
		goto out;
	}
	d1 = cdev_bind_attach(uuid1, ifd, ioas, NULL);
	if (d1 < 0 || map_fixed(ifd, ioas, buf, BUF_SIZE, IOVA_A)) {
		t_fail("cdev.iommufd_closed.setup", "bind/attach/map: %s",
		       strerrorname_np(errno));
		goto out;
	}
	close(ifd);
	ifd = -1;
	ret = fix_cmd(d1, MFIX_OP_PIN_WRITE, IOVA_A, 4);
	ret = ret ? ret : fix_cmd(d1, MFIX_OP_DMA_WRITE, IOVA_A + 64, 16);
	t_expect_ret("cdev.iommufd_closed.device_still_works", ret, 0);
	close(d1);
	d1 = -1;
	t_check(proc_status_kb("VmPin") == pin0,
		"cdev.iommufd_closed.released_on_device_close",
		"VmPin %ld kB, baseline %ld kB", proc_status_kb("VmPin"), pin0);
out:
	if (d1 >= 0)
		close(d1);
	if (d2 >= 0)
		close(d2);
	if (ifd >= 0)
		close(ifd);
}

/* ------------------------------------------------------------------ */
/* 4. Accounting.                                                      */

/**
 * struct acct_dev - a bound, attached cdev with BUF_SIZE mapped at IOVA_A
 * @ifd: /dev/iommu
 * @dev: the cdev
 * @ioas: the IOAS
 */
struct acct_dev {
	int ifd;
	int dev;
	__u32 ioas;
};

static int acct_open(const char *uuid, struct acct_dev *a)
{
	char node[PATH_MAX];
	dev_t devt;
	int ret;

	a->ifd = -1;
	a->dev = -1;
	ret = cdev_find(uuid, node, sizeof(node), &devt);
	if (ret)
		return ret;
	a->ifd = open(IOMMU_DEV, O_RDWR | O_CLOEXEC);
	if (a->ifd < 0)
		return -errno;
	a->dev = open(node, O_RDWR | O_CLOEXEC);
	if (a->dev < 0)
		return -errno;
	return 0;
}

/* Bind, attach and map: after the privileges are what they will be. */
static int acct_setup(struct acct_dev *a, const void *mem)
{
	if (bind_fd(a->dev, 16, 0, a->ifd, NULL) ||
	    ioas_alloc(a->ifd, &a->ioas) || attach(a->dev, a->ioas) ||
	    map_fixed(a->ifd, a->ioas, mem, BUF_SIZE, IOVA_A))
		return -errno;
	return 0;
}

static void acct_close(struct acct_dev *a)
{
	if (a->dev >= 0)
		close(a->dev);
	if (a->ifd >= 0)
		close(a->ifd);
	a->dev = -1;
	a->ifd = -1;
}

/* Run as root: VmPin follows the pins, however they go away. */
static void test_acct_root(const char *uuid)
{
	struct acct_dev a;
	struct fix_status s;
	long pin0, lck0, pin, lck;
	int ret;

	t_watchdog_arm("acct.root", 60);
	pin0 = proc_status_kb("VmPin");
	lck0 = proc_status_kb("VmLck");
	ret = acct_open(uuid, &a);
	if (!ret)
		ret = acct_setup(&a, buf);
	if (!t_check(!ret, "acct.setup", "%s", strerrorname_np(-ret))) {
		acct_close(&a);
		return;
	}
	t_check(proc_status_kb("VmPin") == pin0, "acct.map_pins_nothing",
		"VmPin %ld kB after IOAS_MAP, baseline %ld kB",
		proc_status_kb("VmPin"), pin0);
	ret = fix_cmd(a.dev, MFIX_OP_PIN_WRITE, IOVA_A, 8);
	pin = proc_status_kb("VmPin");
	lck = proc_status_kb("VmLck");
	t_check(!ret && pin == pin0 + pages_kb(8), "acct.vmpin_counts_pins",
		"pin %s, VmPin %ld kB (baseline %ld kB, 8 pages)",
		strerrorname_np(-ret), pin, pin0);
	t_check(lck == lck0, "acct.vmlck_untouched_default_mode",
		"VmLck %ld kB, baseline %ld kB", lck, lck0);
	/* A page pinned twice is pinned memory once. */
	ret = fix_cmd(a.dev, MFIX_OP_PIN_READ, IOVA_A, 2);
	pin = proc_status_kb("VmPin");
	t_check(!ret && pin == pin0 + pages_kb(8), "acct.vmpin_double_pin_once",
		"pin %s, VmPin %ld kB (expected %ld kB)", strerrorname_np(-ret),
		pin, pin0 + pages_kb(8));
	fix_cmd(a.dev, MFIX_OP_UNPIN, IOVA_A, 2);
	ret = fix_cmd(a.dev, MFIX_OP_UNPIN, IOVA_A, 8);
	pin = proc_status_kb("VmPin");
	t_check(!ret && pin == pin0, "acct.vmpin_back_after_unpin",
		"unpin %s, VmPin %ld kB, baseline %ld kB",
		strerrorname_np(-ret), pin, pin0);

	ret = fix_cmd(a.dev, MFIX_OP_PIN_WRITE, IOVA_A + 16 * page_size, 8);
	ret = ret ? ret : ioas_unmap(a.ifd, a.ioas, IOVA_A, BUF_SIZE, NULL) ?
		-errno : 0;
	pin = proc_status_kb("VmPin");
	fix_status(a.dev, &s);
	t_check(!ret && pin == pin0 && s.pinned == 0,
		"acct.vmpin_back_after_unmap",
		"%s, VmPin %ld kB (baseline %ld kB), device pins %u",
		strerrorname_np(-ret), pin, pin0, s.pinned);

	ret = map_fixed(a.ifd, a.ioas, buf, BUF_SIZE, IOVA_A) ? -errno : 0;
	ret = ret ? ret : fix_cmd(a.dev, MFIX_OP_PIN_WRITE, IOVA_A, 8);
	pin = proc_status_kb("VmPin");
	acct_close(&a);
	t_check(!ret && pin == pin0 + pages_kb(8) &&
		proc_status_kb("VmPin") == pin0, "acct.vmpin_back_after_close",
		"%s, VmPin pinned %ld kB, closed %ld kB, baseline %ld kB",
		strerrorname_np(-ret), pin, proc_status_kb("VmPin"), pin0);
	t_check(proc_status_kb("VmLck") == lck0, "acct.vmlck_back",
		"VmLck %ld kB, baseline %ld kB", proc_status_kb("VmLck"), lck0);
}

enum acct_mode {
	ACCT_RLIMIT,	/* user mode: the limit, checked line by line */
	ACCT_MM,	/* RLIMIT_MODE 1: VmLck and the limit */
	ACCT_HOLD,	/* pin the whole limit, say so, wait to be killed */
	ACCT_REPIN,	/* pin the whole limit: exit 0 if it could */
};

static bool drop_to_nobody(const char *prefix, long lck0)
{
	char line[128], name[96];
	struct rlimit rl;
	long cap = -1;
	FILE *f;

	rl.rlim_cur = (lck0 + pages_kb(LIMIT_PAGES)) * 1024;
	rl.rlim_max = rl.rlim_cur;
	snprintf(name, sizeof(name), "%s.drop_privileges", prefix);
	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(NOBODY) || setuid(NOBODY)) {
		t_fail(name, "%s", strerrorname_np(errno));
		return false;
	}
	/* CapEff must be empty: CAP_IPC_LOCK would exempt us. */
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			cap = strtol(line + 7, NULL, 16);
	if (f)
		fclose(f);
	if (geteuid() != NOBODY || cap != 0) {
		t_fail(name, "euid %d, CapEff %#lx", geteuid(), cap);
		return false;
	}
	return true;
}

static int acct_child(const char *uuid, enum acct_mode mode, int ready)
{
	const int failures_before = t_failures();
	const char *prefix = mode == ACCT_MM ? "acct.mm_mode" :
			     mode == ACCT_RLIMIT ? "acct.rlimit" : "acct.kill";
	struct acct_dev a;
	struct fix_status s;
	long lck0, pin0, lck, pin;
	unsigned char *mem;
	__u64 val = 1;
	int ret;

	ret = acct_open(uuid, &a);
	mem = vt_anon_buffer(BUF_SIZE, 0x77);
	if (ret || !mem) {
		t_fail(prefix, "open: %s", strerrorname_np(ret ? -ret : ENOMEM));
		return 2;
	}
	/* The mode is set while the file is empty, and needs privilege. */
	if (mode == ACCT_MM &&
	    !t_expect_ok("acct.mm_mode.set",
			 option(a.ifd, IOMMU_OPTION_RLIMIT_MODE,
				IOMMU_OPTION_OP_SET, 0, &val)))
		return 2;
	lck0 = proc_status_kb("VmLck");
	pin0 = proc_status_kb("VmPin");
	if (!drop_to_nobody(prefix, lck0))
		return 2;
	ret = acct_setup(&a, mem);
	if (ret) {
		t_fail(prefix, "bind/attach/map as nobody: %s",
		       strerrorname_np(-ret));
		return 2;
	}

	if (mode == ACCT_HOLD || mode == ACCT_REPIN) {
		ret = fix_cmd(a.dev, MFIX_OP_PIN_WRITE, IOVA_A, LIMIT_PAGES);
		if (mode == ACCT_REPIN)
			return ret ? 3 : 0;
		if (ret) {
			t_fail("acct.kill.child_pin", "%s",
			       strerrorname_np(-ret));
			return 2;
		}
		if (write(ready, "R", 1) != 1)
			return 2;
		for (;;)
			pause();
	}

	t_expect_ret(mode == ACCT_MM ? "acct.mm_mode.within_limit" :
		     "acct.rlimit.within_limit",
		     fix_cmd(a.dev, MFIX_OP_PIN_READ, IOVA_A, 8), 0);
	pin = proc_status_kb("VmPin");
	lck = proc_status_kb("VmLck");
	if (mode == ACCT_MM)
		t_check(lck == lck0 + pages_kb(8) && pin == pin0 + pages_kb(8),
			"acct.mm_mode.vmlck_counts_pins",
			"VmLck %ld kB (baseline %ld), VmPin %ld kB (baseline %ld), 8 pages",
			lck, lck0, pin, pin0);
	else
		t_check(lck == lck0 && pin == pin0 + pages_kb(8),
			"acct.rlimit.vmpin_counts_pins",
			"VmLck %ld kB (baseline %ld), VmPin %ld kB (baseline %ld), 8 pages",
			lck, lck0, pin, pin0);
	t_expect_ret(mode == ACCT_MM ? "acct.mm_mode.over_limit_enomem" :
		     "acct.rlimit.over_limit_enomem",
		     fix_cmd(a.dev, MFIX_OP_PIN_READ, IOVA_A + 8 * page_size,
			     LIMIT_PAGES), ENOMEM);
	fix_status(a.dev, &s);
	pin = proc_status_kb("VmPin");
	t_check(s.pinned == 8 && pin == pin0 + pages_kb(8),
		mode == ACCT_MM ? "acct.mm_mode.over_limit_unwinds" :
		"acct.rlimit.over_limit_unwinds",
		"device pins %u (expected 8), VmPin %ld kB (expected %ld)",
		s.pinned, pin, pin0 + pages_kb(8));
	t_expect_ret(mode == ACCT_MM ? "acct.mm_mode.up_to_limit" :
		     "acct.rlimit.up_to_limit",
		     fix_cmd(a.dev, MFIX_OP_PIN_READ, IOVA_A + 8 * page_size,
			     LIMIT_PAGES - 8), 0);
	t_expect_ret(mode == ACCT_MM ? "acct.mm_mode.one_past_limit_enomem" :
		     "acct.rlimit.one_past_limit_enomem",
		     fix_cmd(a.dev, MFIX_OP_PIN_READ,
			     IOVA_A + LIMIT_PAGES * page_size, 1), ENOMEM);
	ret = ioas_unmap(a.ifd, a.ioas, 0, U64_MAX_, NULL);
	pin = proc_status_kb("VmPin");
	lck = proc_status_kb("VmLck");
	t_check(!ret && pin == pin0 && lck == lck0,
		mode == ACCT_MM ? "acct.mm_mode.back_after_unmap" :
		"acct.rlimit.back_after_unmap",
		"unmap %s, VmPin %ld kB (baseline %ld), VmLck %ld kB (baseline %ld)",
		ret ? strerrorname_np(errno) : "ok", pin, pin0, lck, lck0);
	/* The charge is gone: the whole limit can be pinned again. */
	ret = map_fixed(a.ifd, a.ioas, mem, BUF_SIZE, IOVA_A) ? -errno :
	      fix_cmd(a.dev, MFIX_OP_PIN_READ, IOVA_A, LIMIT_PAGES);
	t_expect_ret(mode == ACCT_MM ? "acct.mm_mode.limit_again" :
		     "acct.rlimit.limit_again", ret, 0);
	acct_close(&a);
	return t_failures() > failures_before;
}

static pid_t acct_fork(const char *uuid, enum acct_mode mode, int ready)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(0);
		_exit(acct_child(uuid, mode, ready));
	}
	return pid;
}

static void acct_run(const char *uuid, enum acct_mode mode, const char *name)
{
	pid_t pid = acct_fork(uuid, mode, -1);
	int ret = pid < 0 ? -errno : vt_wait_child(pid, 30000);

	/* The child reported its checks; this line covers its fate. */
	if (ret < 0)
		t_fail(name, "child %s", ret == -ETIMEDOUT ? "timed out" :
		       "crashed");
	else if (ret)
		t_fail(name, "child reported failures (exit %d)", ret);
}

static void test_acct_kill(const char *uuid)
{
	long held0, held = LONG_MIN, child_pin;
	int pfd[2], ret, status;
	__s64 deadline;
	char c = 0;
	pid_t pid;

	t_watchdog_arm("acct.kill", 90);
	if (pipe2(pfd, O_CLOEXEC)) {
		t_fail("acct.kill.setup", "pipe: %s", strerrorname_np(errno));
		return;
	}
	held0 = foll_pins_held();
	pid = acct_fork(uuid, ACCT_HOLD, pfd[1]);
	close(pfd[1]);
	if (pid < 0) {
		t_fail("acct.kill.setup", "fork: %s", strerrorname_np(errno));
		close(pfd[0]);
		return;
	}
	ret = wait_readable(pfd[0], 20000);
	if (ret != 1 || read(pfd[0], &c, 1) != 1 || c != 'R') {
		t_fail("acct.kill.child_pinned", "the child did not pin");
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(pfd[0]);
		return;
	}
	close(pfd[0]);
	child_pin = pid_status_kb(pid, "VmPin");
	t_check(child_pin >= pages_kb(LIMIT_PAGES), "acct.kill.child_pinned",
		"the child's VmPin is %ld kB", child_pin);
	if (held0 != LONG_MIN) {
		held = foll_pins_held();
		printf("INFO acct.kill: %ld FOLL_PIN pins held while pinned, %ld before\n",
		       held, held0);
		/* Without the pins in the counters, their release says nothing. */
		if (held < held0 + LIMIT_PAGES)
			held0 = LONG_MIN;
	}
	kill(pid, SIGKILL);
	ret = waitpid(pid, &status, 0);
	t_check(ret == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		"acct.kill.child_killed", "waitpid %d, status %#x", ret, status);

	/* Its pins must be gone: the same user may pin up to the limit. */
	pid = acct_fork(uuid, ACCT_REPIN, -1);
	ret = pid < 0 ? -errno : vt_wait_child(pid, 30000);
	t_check(ret == 0, "acct.kill.user_charge_released",
		"a new nobody process pinning %d pages: %s", LIMIT_PAGES,
		ret == 3 ? "refused (the killed one's charge stayed)" :
		ret < 0 ? strerrorname_np(-ret) : "setup failed");
	if (held0 == LONG_MIN) {
		t_skip("acct.kill.foll_pins_released",
		       "/proc/vmstat's nr_foll_pin_* did not count the child's pins");
		return;
	}
	deadline = now_ms() + 10000;
	while (now_ms() < deadline) {
		held = foll_pins_held();
		if (held <= held0)
			break;
		sleep_ms(100);
	}
	t_check(held <= held0, "acct.kill.foll_pins_released",
		"%ld FOLL_PIN pins held, %ld before the child", held, held0);
}

static void test_acct(const char *uuid)
{
	test_acct_root(uuid);
	t_watchdog_arm("acct.rlimit", 90);
	acct_run(uuid, ACCT_RLIMIT, "acct.rlimit.child");
	t_watchdog_arm("acct.mm_mode", 90);
	acct_run(uuid, ACCT_MM, "acct.mm_mode.child");
	test_acct_kill(uuid);
}

/* ------------------------------------------------------------------ */

int main(void)
{
	char uuid_c[UUID_STR_LEN], uuid_p[UUID_STR_LEN];
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	/* cdev.* opens the group path itself with vfio_open_device(). */
	unsetenv("MDEV_SDK_VFIO_PATH");

	if (!t_check(path_exists(IOMMU_DEV), "setup.dev_iommu",
		     "%s missing: iommufd is not loaded", IOMMU_DEV))
		return 1;
	buf = vt_anon_buffer(BUF_SIZE, 0x5a);
	if (!t_check(buf, "setup.buffer", "mmap failed"))
		return 1;

	test_iommufd();

	if (!t_check(path_exists(MFIX_TYPES_PATH "/" MFIX_BASIC),
		     "setup.fixture_loaded", "%s missing",
		     MFIX_TYPES_PATH "/" MFIX_BASIC))
		return 1;
	t_watchdog_arm("setup", 30);
	uuid_random(uuid_c);
	ret = mdev_create(MFIX_BASIC, uuid_c);
	if (t_check(!ret, "setup.create", "create %s: %s", uuid_c,
		    strerrorname_np(-ret))) {
		test_cdev(uuid_c);
		t_watchdog_arm("cleanup", 30);
		ret = mdev_remove(uuid_c);
		t_check(!ret && !mdev_exists(uuid_c), "cleanup.remove",
			"remove %s: %s", uuid_c, strerrorname_np(-ret));
	}

	t_watchdog_arm("setup", 30);
	uuid_random(uuid_p);
	ret = mdev_create(MFIX_BASIC, uuid_p);
	if (t_check(!ret, "setup.create_acct", "create %s: %s", uuid_p,
		    strerrorname_np(-ret))) {
		uuid_random(uuid_c);
		ret = mdev_create(MFIX_BASIC, uuid_c);
		if (t_check(!ret, "setup.create_second", "create %s: %s",
			    uuid_c, strerrorname_np(-ret))) {
			test_cdev_shared(uuid_p, uuid_c);
			t_watchdog_arm("cleanup", 30);
			ret = mdev_remove(uuid_c);
			t_check(!ret && !mdev_exists(uuid_c),
				"cleanup.remove_second", "remove %s: %s",
				uuid_c, strerrorname_np(-ret));
		}
		test_acct(uuid_p);
		t_watchdog_arm("cleanup", 30);
		ret = mdev_remove(uuid_p);
		t_check(!ret && !mdev_exists(uuid_p), "cleanup.remove_acct",
			"remove %s: %s", uuid_p, strerrorname_np(-ret));
	}
	alarm(0);
	munmap(buf, BUF_SIZE);
	return t_exit_status();
}
