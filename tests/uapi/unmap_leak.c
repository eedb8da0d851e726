// SPDX-License-Identifier: GPL-2.0-only
/*
 * Broken-driver check of the type1 backend's unmap path for mdev-sdk.
 *
 * With the fixture's leak_on_unmap parameter set, the device's dma_unmap
 * callback keeps its pins. The backend must then refuse the unmap instead
 * of looping forever or freeing pinned memory, keep the mapping and its
 * locked_vm charge, warn naming the device, and recover as soon as the
 * pins are gone (the parameter is cleared, or the device is closed).
 *
 * The backend's warning is a ratelimited log line, not a WARN: a user can
 * make an unmap outlast its rounds. Needs the stack and the fixture
 * loaded. Output: PASS/FAIL/SKIP lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "common.h"

#define LEAK_PARAM	"/sys/module/mdev_sdk_fixture/parameters/leak_on_unmap"
#define MIB		(1024ULL * 1024)
#define IOVA		(256 * MIB)
#define PIN_OFFSET	(64 * 1024)

/* Wait for a kernel log record naming @uuid; false after @timeout_ms. */
static bool kmsg_names(int kmsg, const char *uuid, int timeout_ms)
{
	__s64 deadline = now_ms() + timeout_ms;
	char rec[1024];

	while (now_ms() < deadline) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);

		if (n > 0) {
			rec[n] = '\0';
			if (strstr(rec, uuid)) {
				printf("# kmsg: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
				return true;
			}
		} else if (n < 0 && errno == EAGAIN) {
			sleep_ms(50);
		} else if (n < 0 && errno != EPIPE) {
			return false;
		}
	}
	return false;
}

static void map_and_pin(struct vfio_handle *h, void *buf, const char *tag)
{
	char name[64];

	snprintf(name, sizeof(name), "leak.%s_map", tag);
	t_expect_ok(name, vt_dma_map(h->container, IOVA, buf, MIB,
				     VFIO_DMA_MAP_FLAG_READ |
				     VFIO_DMA_MAP_FLAG_WRITE));
	snprintf(name, sizeof(name), "leak.%s_pin", tag);
	t_expect_ret(name, fix_cmd(h->device, MFIX_OP_PIN_WRITE,
				   IOVA + PIN_OFFSET, 4), 0);
}

int main(void)
{
	const long pg_kb = sysconf(_SC_PAGESIZE) / 1024;
	char uuid[UUID_STR_LEN];
	struct fix_status s0, s;
	struct vfio_handle h;
	__u64 unmapped;
	long lck0, lck;
	int kmsg, ret;
	void *buf;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, SIG_DFL);
	alarm(60);

	if (!t_check(path_exists(LEAK_PARAM), "leak.param", "%s missing",
		     LEAK_PARAM))
		return 1;
	uuid_random(uuid);
	ret = mdev_create(MFIX_BASIC, uuid);
	if (!t_expect_ret("leak.create", ret, 0))
		return 1;
	ret = vfio_open_device(uuid, &h);
	if (!t_expect_ret("leak.open", ret, 0))
		goto out_remove;
	buf = vt_anon_buffer(MIB, 0x77);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);
	lck0 = proc_status_kb("VmLck");

	/* Round 1: the driver keeps its pins; then it is fixed. */
	map_and_pin(&h, buf, "first");
	t_expect_ret("leak.param_on", sysfs_write(LEAK_PARAM, "1"), 0);
	fix_status(h.device, &s0);
	ret = vt_dma_unmap(h.container, IOVA, MIB, 0, &unmapped);
	t_expect_errno("leak.unmap_refused", ret, EBUSY);
	fix_status(h.device, &s);
	t_check(s.dma_unmap_count > s0.dma_unmap_count,
		"leak.dma_unmap_called", "no dma_unmap callback");
	t_check(s.pinned == 4, "leak.pins_kept", "pinned %u", s.pinned);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0 + 4 * pg_kb, "leak.charge_kept",
		"VmLck %ld kB, expected %ld kB", lck, lck0 + 4 * pg_kb);
	t_expect_errno("leak.mapping_kept",
		       vt_dma_map(h.container, IOVA, buf, MIB,
				  VFIO_DMA_MAP_FLAG_READ), EEXIST);
	if (kmsg >= 0)
		t_check(kmsg_names(kmsg, uuid, 2000), "leak.warning_names_device",
			"no kernel message naming %s", uuid);
	else
		t_skip("leak.warning_names_device", "cannot open /dev/kmsg");

	t_expect_ret("leak.param_off", sysfs_write(LEAK_PARAM, "0"), 0);
	unmapped = 0;
	ret = vt_dma_unmap(h.container, IOVA, MIB, 0, &unmapped);
	t_check(!ret && unmapped == MIB, "leak.unmap_after_fix",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	fix_status(h.device, &s);
	lck = proc_status_kb("VmLck");
	t_check(s.pinned == 0 && lck == lck0, "leak.recovered",
		"pinned %u, VmLck %ld kB (baseline %ld kB)", s.pinned, lck,
		lck0);

	/* Round 2: closing the device drops the pins the unmap could not. */
	map_and_pin(&h, buf, "second");
	sysfs_write(LEAK_PARAM, "1");
	t_expect_errno("leak.unmap_refused_again",
		       vt_dma_unmap(h.container, IOVA, MIB, 0, NULL), EBUSY);
	close(h.device);
	h.device = -1;
	unmapped = 0;
	ret = vt_dma_unmap(h.container, IOVA, MIB, 0, &unmapped);
	lck = proc_status_kb("VmLck");
	t_check(!ret && unmapped == MIB && lck == lck0,
		"leak.close_releases",
		"ret %d, unmapped %#llx, VmLck %ld kB (baseline %ld kB)", ret,
		(unsigned long long)unmapped, lck, lck0);
	sysfs_write(LEAK_PARAM, "0");

	if (kmsg >= 0)
		close(kmsg);
	if (buf)
		munmap(buf, MIB);
	vfio_close(&h);
out_remove:
	t_expect_ret("leak.remove", mdev_remove(uuid), 0);
	return t_exit_status();
}
