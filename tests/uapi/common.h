/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the mdev-sdk userspace conformance clients: result
 * reporting in the PASS/FAIL/SKIP line protocol, sysfs access, UUIDs, the
 * fixture's sysfs paths and the usual container/group/device bring-up.
 */
#ifndef MDEV_SDK_TESTS_COMMON_H
#define MDEV_SDK_TESTS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/types.h>

#include "../fixture/mdev_sdk_fixture.h"

#define MDEV_BUS_DEVICES	"/sys/bus/mdev/devices"
#define MFIX_PARENT_PATH	"/sys/class/mdev_bus/" MFIX_PARENT_NAME
#define MFIX_TYPES_PATH		MFIX_PARENT_PATH "/mdev_supported_types"
#define MFIX_BASIC		MFIX_CLASS_NAME "-" MFIX_TYPE_BASIC
#define MFIX_NOREQ		MFIX_CLASS_NAME "-" MFIX_TYPE_NOREQ

#define UUID_STR_LEN		37

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* The kernel's __printf(), which userspace headers do not provide. */
#define MDEV_TESTS_ATTRIBUTE	__attribute__
#define __printf(f, a)		MDEV_TESTS_ATTRIBUTE((format(printf, f, a)))

/* Results: one line per check on stdout, flushed at once. */
void t_pass(const char *name);
__printf(2, 3) void t_fail(const char *name, const char *fmt, ...);
__printf(2, 3) void t_skip(const char *name, const char *fmt, ...);
__printf(3, 4) bool t_check(bool ok, const char *name, const char *fmt,
			    ...);
bool t_expect_errno(const char *name, long ret, int want);
bool t_expect_ok(const char *name, long ret);
bool t_expect_ret(const char *name, int ret, int want);
int t_failures(void);
int t_exit_status(void);
/*
 * From now on, a run that makes no progress for @seconds prints "FAIL
 * SECTION.watchdog" and exits 2; re-arming restarts the count.
 */
void t_watchdog_arm(const char *section, unsigned int seconds);

/* sysfs and procfs. Return 0 (or a length) on success, else -errno. */
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_write(const char *path, const char *val);
int sysfs_read_long(const char *path, long *val);
bool path_exists(const char *path);
long pid_status_kb(pid_t pid, const char *field);
long proc_status_kb(const char *field);

/* UUIDs and the fixture's mediated devices. */
void uuid_random(char out[UUID_STR_LEN]);
int mdev_create_on(const char *parent, const char *type, const char *uuid);
int mdev_create(const char *type, const char *uuid);
int mdev_remove(const char *uuid);
bool mdev_exists(const char *uuid);
int mdev_group_id(const char *uuid);
int mfix_available(const char *type, long *val);

/* Time and waiting. */
__s64 now_ms(void);
int wait_readable(int fd, int timeout_ms);
void sleep_ms(int ms);

/**
 * struct vfio_handle - the file descriptors of an opened device
 * @container: where DMA mappings go: /dev/vfio/vfio, or /dev/iommu on the
 *	cdev path (vt_dma_map() and vt_dma_unmap() take either)
 * @group: /dev/vfio/N; -1 on the cdev path
 * @device: from VFIO_GROUP_GET_DEVICE_FD, or /dev/vfio/devices/vfioX
 *	bound to @container and attached to @ioas_id
 * @group_id: N
 * @ioas_id: the IOAS on the cdev path, else 0
 */
struct vfio_handle {
	int container;
	int group;
	int device;
	int group_id;
	__u32 ioas_id;
};

/*
 * vfio_open_device() takes the group and container path, or with
 * MDEV_SDK_VFIO_PATH=cdev in the environment the vfio_device cdev bound
 * to an iommufd, so every client runs on either path unchanged.
 */
bool vt_cdev_path(void);
/*
 * The /proc/self/status field that counts the pages a device pinned:
 * type1 charges them to locked_vm ("VmLck"), iommufd, as upstream, to the
 * user's locked_vm and the process's pinned_vm ("VmPin").
 */
const char *vt_pin_counter(void);
int vfio_open_device(const char *uuid, struct vfio_handle *h);
int vfio_open_cdev(const char *uuid, struct vfio_handle *h);
void vfio_close(struct vfio_handle *h);

/* Fixture device access, through the device fd's regions. */
struct vt_region {
	__u64 offset;
	__u64 size;
	__u32 flags;
};

struct fix_status {
	__u32 pinned;
	__u32 open_count;
	__u32 close_count;
	__u32 request_count;
	__u32 last_request;
	__u32 dma_unmap_count;
	__u32 dma_unmap_pages;
	__u32 intx_fired;
};

int vt_region_info(int dev, __u32 index, struct vt_region *r);
int fix_cmd(int dev, __u32 op, __u64 iova, __u32 count);
int fix_status(int dev, struct fix_status *s);
int vt_set_irqs(int dev, __u32 index, __u32 flags, __u32 start, __u32 count,
		const void *data, size_t dlen, __u32 argsz);
int vt_set_eventfd(int dev, __u32 index, __s32 fd);
__u64 vt_eventfd_drain(int efd);

/* type1 mappings. */
int vt_dma_map(int c, __u64 iova, const void *vaddr, __u64 size, __u32 flags);
int vt_dma_unmap(int c, __u64 iova, __u64 size, __u32 flags, __u64 *unmapped);
void *vt_anon_buffer(size_t size, unsigned char fill);

pid_t vt_remove_in_child(const char *uuid);
int vt_wait_child(pid_t pid, int timeout_ms);

#endif /* MDEV_SDK_TESTS_COMMON_H */
