// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helpers shared by the mdev-sdk userspace conformance clients.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>
#include <mdev_sdk/vfio_cdev.h>

#include "common.h"

static int failures;

static void t_report(const char *verdict, const char *name, const char *fmt,
		     va_list ap)
{
	printf("%s %s", verdict, name);
	if (fmt) {
		printf(": ");
		vprintf(fmt, ap);
	}
	printf("\n");
	/* Children are forked mid-run: never leave output buffered. */
	fflush(stdout);
}

void t_pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
}

void t_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	t_report("FAIL", name, fmt, ap);
	va_end(ap);
}

void t_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_report("SKIP", name, fmt, ap);
	va_end(ap);
}

bool t_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		t_pass(name);
		return true;
	}
	failures++;
	va_start(ap, fmt);
	t_report("FAIL", name, fmt, ap);
	va_end(ap);
	return false;
}

/* @ret is a syscall result: -1 with errno set on failure. */
bool t_expect_errno(const char *name, long ret, int want)
{
	int err = errno;

	if (ret == -1 && err == want) {
		t_pass(name);
		return true;
	}
	if (ret == -1)
		return t_check(false, name, "expected %s, got %s",
			       strerrorname_np(want), strerrorname_np(err));
	return t_check(false, name, "expected %s, call returned %ld",
		       strerrorname_np(want), ret);
}

bool t_expect_ok(const char *name, long ret)
{
	int err = errno;

	return t_check(ret >= 0, name, "failed with %s", strerrorname_np(err));
}

/* @ret is 0 or -errno, as from fix_cmd() or sysfs_write(); @want an errno. */
bool t_expect_ret(const char *name, int ret, int want)
{
	if (ret == -want) {
		t_pass(name);
		return true;
	}
	if (!want)
		return t_check(false, name, "failed with %s",
			       strerrorname_np(-ret));
	if (!ret)
		return t_check(false, name, "expected %s, succeeded",
			       strerrorname_np(want));
	return t_check(false, name, "expected %s, got %s",
		       strerrorname_np(want), strerrorname_np(-ret));
}

int t_failures(void)
{
	return failures;
}

int t_exit_status(void)
{
	return failures ? 1 : 0;
}

int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return n;
}

/* A sysfs store reports its error on write(2), which is what tests need. */
int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

int sysfs_read_long(const char *path, long *val)
{
	char buf[64], *end;
	int ret;

	ret = sysfs_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	return 0;
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A "Name:   123 kB" line of /proc/PID/status, in kB; -1 if missing. */
long pid_status_kb(pid_t pid, const char *field)
{
	size_t flen = strlen(field);
	char path[64], line[256];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* The same line of this process's own status. */
long proc_status_kb(const char *field)
{
	return pid_status_kb(getpid(), field);
}

/*
 * The watchdog: a hung ioctl must not hang the whole run. Its message is
 * formatted when armed, since the handler may only write(2) and _exit(2).
 */
static char watchdog_msg[160];
static size_t watchdog_len;

static void watchdog_fire(int sig)
{
	ssize_t ret;

	(void)sig;
	ret = write(STDOUT_FILENO, watchdog_msg, watchdog_len);
	(void)ret;
	_exit(2);
}

void t_watchdog_arm(const char *section, unsigned int seconds)
{
	int n = snprintf(watchdog_msg, sizeof(watchdog_msg),
			 "FAIL %s.watchdog: no progress for %u s, aborting\n",
			 section, seconds);

	watchdog_len = n > 0 ? (size_t)n : 0;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

void uuid_random(char out[UUID_STR_LEN])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n > 0)
			got += n;
	}
	/* RFC 4122 version 4, variant 1. */
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, UUID_STR_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

int mdev_create_on(const char *parent, const char *type, const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
		 parent, type);
	return sysfs_write(path, uuid);
}

int mdev_create(const char *type, const char *uuid)
{
	return mdev_create_on(MFIX_PARENT_NAME, type, uuid);
}

int mdev_remove(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/remove", MDEV_BUS_DEVICES, uuid);
	return sysfs_write(path, "1");
}

bool mdev_exists(const char *uuid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", MDEV_BUS_DEVICES, uuid);
	return path_exists(path);
}

/* The group number is the last component of the iommu_group link. */
int mdev_group_id(const char *uuid)
{
	char path[PATH_MAX], target[PATH_MAX], *base, *end;
	ssize_t n;
	long id;

	snprintf(path, sizeof(path), "%s/%s/iommu_group", MDEV_BUS_DEVICES,
		 uuid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	errno = 0;
	id = strtol(base, &end, 10);
	if (errno || end == base || *end || id < 0 || id > INT_MAX)
		return -EINVAL;
	return id;
}

int mfix_available(const char *type, long *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/available_instances",
		 MFIX_TYPES_PATH, type);
	return sysfs_read_long(path, val);
}

__s64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 if @fd became readable within @timeout_ms, 0 on timeout, else -errno. */
int wait_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	__s64 deadline = now_ms() + timeout_ms;
	int ret;

	for (;;) {
		int left = deadline - now_ms();

		ret = poll(&pfd, 1, left > 0 ? left : 0);
		if (ret >= 0 || errno != EINTR)
			break;
	}
	if (ret < 0)
		return -errno;
	return ret > 0 && (pfd.revents & POLLIN);
}

void sleep_ms(int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * The IOAS of each /dev/iommu fd vfio_open_cdev() opened, by fd number, so
 * that vt_dma_map() and vt_dma_unmap() work from the fd alone on both
 * paths. 0 (never an object id) marks a container fd.
 */
static __u32 vt_ioas_of_fd[4096];

static __u32 vt_ioas_of(int fd)
{
	return fd >= 0 && fd < (int)ARRAY_SIZE(vt_ioas_of_fd) ? vt_ioas_of_fd[fd] : 0;
}

bool vt_cdev_path(void)
{
	const char *p = getenv("MDEV_SDK_VFIO_PATH");

	return p && !strcmp(p, "cdev");
}

const char *vt_pin_counter(void)
{
	return vt_cdev_path() ? "VmPin" : "VmLck";
}

/* The vfioX name under the mdev's vfio-dev directory; 0 or -errno. */
static int vfio_cdev_name(const char *uuid, char *name, size_t len)
{
	char path[128];
	struct dirent *d;
	DIR *dir;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), MDEV_BUS_DEVICES "/%s/vfio-dev", uuid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!strncmp(d->d_name, "vfio", 4) && strlen(d->d_name) < len) {
			memcpy(name, d->d_name, strlen(d->d_name) + 1);
			ret = 0;
			break;
		}
	}
	closedir(dir);
	return ret;
}

/*
 * /dev/vfio/devices/vfioX of @uuid, bound to a new /dev/iommu fd and
 * attached to a new IOAS. Returns 0 or -errno; on failure nothing is left
 * open.
 */
int vfio_open_cdev(const char *uuid, struct vfio_handle *h)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char name[NAME_MAX + 1], path[sizeof("/dev/vfio/devices/") + NAME_MAX];
	int ret;

	h->container = -1;
	h->group = -1;
	h->device = -1;
	h->ioas_id = 0;
	h->group_id = mdev_group_id(uuid);
	ret = vfio_cdev_name(uuid, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	h->device = open(path, O_RDWR | O_CLOEXEC);
	if (h->device < 0)
		goto err;
	h->container = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (h->container < 0)
		goto err;
	bind.iommufd = h->container;
	if (ioctl(h->device, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		goto err;
	if (ioctl(h->container, IOMMU_IOAS_ALLOC, &alloc))
		goto err;
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl(h->device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		goto err;
	h->ioas_id = alloc.out_ioas_id;
	if (h->container < (int)ARRAY_SIZE(vt_ioas_of_fd))
		vt_ioas_of_fd[h->container] = h->ioas_id;
	return 0;

err:
	ret = -errno;
	vfio_close(h);
	return ret;
}

/*
 * Container, group, TYPE1v2 backend and device fd for @uuid (or the cdev
 * path, see vt_cdev_path()). Returns 0 or -errno; on failure nothing is
 * left open.
 */
int vfio_open_device(const char *uuid, struct vfio_handle *h)
{
	char path[64];
	int ret;

	if (vt_cdev_path())
		return vfio_open_cdev(uuid, h);
	h->container = -1;
	h->group = -1;
	h->device = -1;
	h->ioas_id = 0;
	h->group_id = mdev_group_id(uuid);
	if (h->group_id < 0)
		return h->group_id;

	h->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (h->container < 0)
		goto err;
	snprintf(path, sizeof(path), "/dev/vfio/%d", h->group_id);
	h->group = open(path, O_RDWR | O_CLOEXEC);
	if (h->group < 0)
		goto err;
	if (ioctl(h->group, VFIO_GROUP_SET_CONTAINER, &h->container))
		goto err;
	if (ioctl(h->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		goto err;
	h->device = ioctl(h->group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (h->device < 0)
		goto err;
	return 0;

err:
	ret = -errno;
	vfio_close(h);
	return ret;
}

void vfio_close(struct vfio_handle *h)
{
	if (h->device >= 0)
		close(h->device);
	if (h->group >= 0)
		close(h->group);
	if (h->container >= 0) {
		if (h->container < (int)ARRAY_SIZE(vt_ioas_of_fd))
			vt_ioas_of_fd[h->container] = 0;
		close(h->container);
	}
	h->ioas_id = 0;
	h->device = -1;
	h->group = -1;
	h->container = -1;
}

void *vt_anon_buffer(size_t size, unsigned char fill)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Fault every page in, so pinning finds real memory. */
	memset(p, fill, size);
	return p;
}

int vt_region_info(int dev, __u32 index, struct vt_region *r)
{
	struct vfio_region_info info = {
		.argsz = sizeof(info),
		.index = index,
	};

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &info))
		return -errno;
	r->offset = info.offset;
	r->size = info.size;
	r->flags = info.flags;
	return 0;
}

static __u64 ctl_offset(int dev)
{
	struct vt_region r;

	if (vt_region_info(dev, VFIO_PCI_BAR2_REGION_INDEX, &r))
		return UINT64_MAX;
	return r.offset;
}

/* 0 or -errno, which is the framework's answer for pin/unpin/DMA ops. */
int fix_cmd(int dev, __u32 op, __u64 iova, __u32 count)
{
	struct mfix_ctl_cmd cmd = {
		.iova = htole64(iova),
		.count = htole32(count),
		.op = htole32(op),
	};
	ssize_t n;

	n = pwrite(dev, &cmd, sizeof(cmd), ctl_offset(dev) + MFIX_CTL_CMD);
	if (n < 0)
		return -errno;
	return n == sizeof(cmd) ? 0 : -EIO;
}

/*
 * Read the fixture's counters. On failure @s is filled with a value unique
 * to this call, so that no later comparison of two reads can pass by luck.
 */
int fix_status(int dev, struct fix_status *s)
{
	static __u32 poison = 0x80000000u;
	struct mfix_ctl_status raw;
	ssize_t n;

	n = pread(dev, &raw, sizeof(raw), ctl_offset(dev) + MFIX_CTL_STATUS);
	if (n != sizeof(raw)) {
		int err = n < 0 ? errno : EIO;

		poison += 0x10001;
		s->pinned = poison;
		s->open_count = poison;
		s->close_count = poison;
		s->request_count = poison;
		s->last_request = poison;
		s->dma_unmap_count = poison;
		s->dma_unmap_pages = poison;
		s->intx_fired = poison;
		t_fail("fixture.status_read", "%s", strerrorname_np(err));
		return -err;
	}
	s->pinned = le32toh(raw.pinned);
	s->open_count = le32toh(raw.open_count);
	s->close_count = le32toh(raw.close_count);
	s->request_count = le32toh(raw.request_count);
	s->last_request = le32toh(raw.last_request);
	s->dma_unmap_count = le32toh(raw.dma_unmap_count);
	s->dma_unmap_pages = le32toh(raw.dma_unmap_pages);
	s->intx_fired = le32toh(raw.intx_fired);
	return 0;
}

int vt_set_irqs(int dev, __u32 index, __u32 flags, __u32 start,
		__u32 count, const void *data, size_t dlen,
		    __u32 argsz)
{
	union {
		struct vfio_irq_set hdr;
		unsigned char raw[sizeof(struct vfio_irq_set) + 16];
	} u;

	memset(&u, 0, sizeof(u));
	u.hdr.argsz = argsz ? argsz : sizeof(u.hdr) + dlen;
	u.hdr.flags = flags;
	u.hdr.index = index;
	u.hdr.start = start;
	u.hdr.count = count;
	if (dlen)
		memcpy(u.hdr.data, data, dlen);
	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &u);
}

int vt_set_eventfd(int dev, __u32 index, __s32 fd)
{
	return vt_set_irqs(dev, index,
			VFIO_IRQ_SET_ACTION_TRIGGER |
			VFIO_IRQ_SET_DATA_EVENTFD, 0, 1, &fd, sizeof(fd), 0);
}

/* Consume an eventfd's counter: the count, 0 if it was not signalled. */
__u64 vt_eventfd_drain(int efd)
{
	__u64 v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ------------------------------------------------------------------ */
/* type1 helpers.                                                      */

/* MAP_DMA's answer, through IOMMU_IOAS_MAP when @c is a /dev/iommu fd. */
int vt_dma_map(int c, __u64 iova, const void *vaddr, __u64 size,
	       __u32 flags)
{
	struct iommu_ioas_map im = {
		.size = sizeof(im),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA |
			 (flags & VFIO_DMA_MAP_FLAG_READ ? IOMMU_IOAS_MAP_READABLE : 0) |
			 (flags & VFIO_DMA_MAP_FLAG_WRITE ? IOMMU_IOAS_MAP_WRITEABLE : 0),
		.ioas_id = vt_ioas_of(c),
		.user_va = (uintptr_t)vaddr,
		.length = size,
		.iova = iova,
	};
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = flags,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (im.ioas_id)
		return ioctl(c, IOMMU_IOAS_MAP, &im);
	return ioctl(c, VFIO_IOMMU_MAP_DMA, &m);
}

/*
 * UNMAP_DMA's answer, through IOMMU_IOAS_UNMAP when @c is a /dev/iommu fd
 * (VFIO_DMA_UNMAP_FLAG_ALL becomes its unmap-all).
 */
int vt_dma_unmap(int c, __u64 iova, __u64 size, __u32 flags,
		 __u64 *unmapped)
{
	struct iommu_ioas_unmap iu = {
		.size = sizeof(iu),
		.ioas_id = vt_ioas_of(c),
		.iova = iova,
		.length = size,
	};
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	int ret;

	if (iu.ioas_id) {
		if (flags & VFIO_DMA_UNMAP_FLAG_ALL) {
			iu.iova = 0;
			iu.length = UINT64_MAX;
		}
		ret = ioctl(c, IOMMU_IOAS_UNMAP, &iu);
		if (!ret && unmapped)
			*unmapped = iu.length;
		return ret;
	}
	ret = ioctl(c, VFIO_IOMMU_UNMAP_DMA, &u);
	if (!ret && unmapped)
		*unmapped = u.size;
	return ret;
}

/* Fork a child that removes @uuid; returns its pid. Exit code: errno. */
pid_t vt_remove_in_child(const char *uuid)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int ret;

		/* An inherited device fd would block our own remove. */
		close_range(3, ~0U, 0);
		ret = mdev_remove(uuid);

		_exit(ret < 0 ? -ret : 0);
	}
	return pid;
}

/*
 * Wait up to @timeout_ms for @pid. Returns its exit code, -ETIMEDOUT
 * (the child is then killed) or -ECHILD if it died of a signal.
 */
int vt_wait_child(pid_t pid, int timeout_ms)
{
	__s64 deadline = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0)
			return -errno;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		sleep_ms(20);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -ECHILD;
}
