// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev sysfs ABI conformance client for mdev-sdk.
 *
 * Checks the parent's mdev_supported_types directory, device creation and
 * removal through "create" and "remove", the links of a mediated device,
 * the shared instance pool of the fixture's two types, and the kernel
 * uevents of a device's life, the way mdevctl and libvirt rely on them.
 *
 * Runs as root in the test guest with the fixture loaded and no fixture
 * devices present. Output: PASS/FAIL/SKIP lines.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "common.h"

static const struct {
	const char *dir;
	const char *name;
} types[] = {
	{ MFIX_BASIC, "fixture basic" },
	{ MFIX_NOREQ, "fixture noreq" },
};

static void type_path(char *buf, size_t len, const char *type,
		      const char *attr)
{
	snprintf(buf, len, "%s/%s/%s", MFIX_TYPES_PATH, type, attr);
}

static bool dir_lists(const char *dir, const char *entry)
{
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d)))
		if (!strcmp(de->d_name, entry))
			found = true;
	closedir(d);
	return found;
}

static int dir_entries(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

static long avail(const char *type)
{
	long v;

	return mfix_available(type, &v) ? -1 : v;
}

/* ------------------------------------------------------------------ */
/* Kernel uevents.                                                     */

static int uevent_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,	/* the kernel's own broadcasts, not udev's */
	};
	int bufsz = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Find "KEY=" in a uevent's NUL-separated environment. */
static const char *uevent_get(const char *msg, size_t len, const char *key)
{
	size_t klen = strlen(key);
	size_t off = strnlen(msg, len) + 1;

	while (off < len) {
		const char *kv = msg + off;
		size_t kvlen = strnlen(kv, len - off);

		if (kvlen > klen && !strncmp(kv, key, klen) && kv[klen] == '=')
			return kv + klen + 1;
		off += kvlen + 1;
	}
	return NULL;
}

/*
 * Wait up to @timeout_ms for a kernel uevent ACTION=@action on the mdev
 * bus whose DEVPATH ends in "/@uuid".
 */
static bool uevent_wait(int fd, const char *action, const char *uuid,
			int timeout_ms)
{
	__s64 deadline = now_ms() + timeout_ms;
	char msg[8192];

	for (;;) {
		int left = deadline - now_ms();
		const char *act, *path, *subsys;
		size_t plen, ulen = strlen(uuid);
		ssize_t n;

		n = recv(fd, msg, sizeof(msg) - 1, 0);
		if (n < 0 && errno == EAGAIN) {
			if (left <= 0 || wait_readable(fd, left) <= 0)
				return false;
			continue;
		}
		if (n <= 0)
			return false;
		msg[n] = '\0';
		act = uevent_get(msg, n, "ACTION");
		path = uevent_get(msg, n, "DEVPATH");
		subsys = uevent_get(msg, n, "SUBSYSTEM");
		if (!act || !path || !subsys)
			continue;
		plen = strlen(path);
		if (!strcmp(act, action) && !strcmp(subsys, "mdev") &&
		    plen > ulen && path[plen - ulen - 1] == '/' &&
		    !strcmp(path + plen - ulen, uuid))
			return true;
	}
}

/* ------------------------------------------------------------------ */

static void test_types(void)
{
	char path[PATH_MAX], buf[4096];
	struct stat st;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		const char *t = types[i].dir;
		char name[128];

		snprintf(name, sizeof(name), "sysfs.%s.dir", t);
		t_check(dir_lists(MFIX_TYPES_PATH, t), name,
			"%s not in %s", t, MFIX_TYPES_PATH);

		type_path(path, sizeof(path), t, "name");
		ret = sysfs_read(path, buf, sizeof(buf));
		snprintf(name, sizeof(name), "sysfs.%s.name", t);
		t_check(ret >= 0 && !strcmp(buf, types[i].name), name,
			"read \"%s\" (%d), expected \"%s\"",
			ret >= 0 ? buf : "", ret, types[i].name);

		type_path(path, sizeof(path), t, "device_api");
		ret = sysfs_read(path, buf, sizeof(buf));
		snprintf(name, sizeof(name), "sysfs.%s.device_api", t);
		t_check(ret >= 0 && !strcmp(buf, "vfio-pci"), name,
			"read \"%s\" (%d)", ret >= 0 ? buf : "", ret);

		snprintf(name, sizeof(name), "sysfs.%s.available_instances", t);
		t_check(avail(t) == MFIX_MAX_INSTANCES, name,
			"%ld, expected %d (are fixture devices left over?)",
			avail(t), MFIX_MAX_INSTANCES);

		type_path(path, sizeof(path), t, "description");
		ret = sysfs_read(path, buf, sizeof(buf));
		snprintf(name, sizeof(name), "sysfs.%s.description", t);
		t_check(ret > 0 && strstr(buf, "fixture"), name,
			"read \"%s\" (%d)", ret >= 0 ? buf : "", ret);

		type_path(path, sizeof(path), t, "create");
		ret = stat(path, &st);
		snprintf(name, sizeof(name), "sysfs.%s.create_write_only", t);
		t_check(!ret && (st.st_mode & 0777) == 0200, name,
			"mode %#o", ret ? 0 : st.st_mode & 0777);

		type_path(path, sizeof(path), t, "devices");
		snprintf(name, sizeof(name), "sysfs.%s.devices_empty", t);
		ret = dir_entries(path);
		t_check(ret == 0, name, "%d entries", ret);
	}
}

static void test_create_errors(const char *existing)
{
	char upper[UUID_STR_LEN];
	unsigned int i;

	t_expect_ret("sysfs.create_malformed_uuid",
		     mdev_create(MFIX_BASIC, "not-a-uuid-at-all-but-36-chars-long!"),
		     EINVAL);
	t_expect_ret("sysfs.create_short_uuid", mdev_create(MFIX_BASIC, "1234"),
		     EINVAL);
	t_expect_ret("sysfs.create_empty", mdev_create(MFIX_BASIC, "\n"), EINVAL);
	t_expect_ret("sysfs.create_duplicate_uuid",
		     mdev_create(MFIX_BASIC, existing), EEXIST);
	t_expect_ret("sysfs.create_duplicate_uuid_other_type",
		     mdev_create(MFIX_NOREQ, existing), EEXIST);
	for (i = 0; existing[i]; i++)
		upper[i] = toupper((unsigned char)existing[i]);
	upper[i] = '\0';
	t_expect_ret("sysfs.create_duplicate_uuid_uppercase",
		     mdev_create(MFIX_BASIC, upper), EEXIST);
}

static void test_device_links(const char *uuid)
{
	char dev[256], path[PATH_MAX], tdir[PATH_MAX], real[PATH_MAX];
	char buf[256];
	int gid, ret;

	snprintf(dev, sizeof(dev), "%s/%s", MDEV_BUS_DEVICES, uuid);
	t_check(path_exists(dev), "sysfs.device_on_bus", "%s missing", dev);

	snprintf(path, sizeof(path), "%s/remove", dev);
	t_check(path_exists(path), "sysfs.device_remove_attr", "missing");

	snprintf(path, sizeof(path), "%s/mdev_type", dev);
	snprintf(tdir, sizeof(tdir), "%s/%s", MFIX_TYPES_PATH, MFIX_BASIC);
	t_check(same_file(path, tdir), "sysfs.device_mdev_type_link",
		"%s does not resolve to %s", path, tdir);
	snprintf(path, sizeof(path), "%s/mdev_type/name", dev);
	ret = sysfs_read(path, buf, sizeof(buf));
	t_check(ret >= 0 && !strcmp(buf, "fixture basic"),
		"sysfs.device_mdev_type_name", "read \"%s\" (%d)",
		ret >= 0 ? buf : "", ret);

	/* The device hangs below its parent in the device tree. */
	if (realpath(dev, real)) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%s", real);
		t_check(same_file(dirname(parent), MFIX_PARENT_PATH),
			"sysfs.device_under_parent", "%s", real);
	} else {
		t_fail("sysfs.device_under_parent", "cannot resolve %s", dev);
	}

	snprintf(path, sizeof(path), "%s/driver", dev);
	t_check(path_exists(path), "sysfs.device_driver_bound",
		"no driver link");

	gid = mdev_group_id(uuid);
	if (t_check(gid >= 0, "sysfs.device_iommu_group_link", "%s",
		    gid < 0 ? strerrorname_np(-gid) : "")) {
		snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
		t_check(path_exists(path), "sysfs.device_group_node",
			"%s missing", path);
	}

	snprintf(path, sizeof(path), "%s/%s/devices", MFIX_TYPES_PATH,
		 MFIX_BASIC);
	t_check(dir_lists(path, uuid), "sysfs.type_devices_lists_device",
		"%s not in %s", uuid, path);
	snprintf(path, sizeof(path), "%s/%s/devices/%s", MFIX_TYPES_PATH,
		 MFIX_BASIC, uuid);
	t_check(same_file(path, dev), "sysfs.type_devices_link",
		"%s does not resolve to the device", path);
}

static void test_pool(void)
{
	char uuids[MFIX_MAX_INSTANCES][UUID_STR_LEN], extra[UUID_STR_LEN];
	char path[PATH_MAX], name[64];
	bool created[MFIX_MAX_INSTANCES] = { false };
	int i, ret;

	/* The caller's device holds one slot; fill the rest from both types. */
	for (i = 1; i < MFIX_MAX_INSTANCES; i++) {
		const char *type = i % 2 ? MFIX_NOREQ : MFIX_BASIC;

		uuid_random(uuids[i]);
		ret = mdev_create(type, uuids[i]);
		snprintf(name, sizeof(name), "sysfs.pool_create_%d", i + 1);
		created[i] = t_expect_ret(name, ret, 0);
		snprintf(name, sizeof(name), "sysfs.pool_available_after_%d",
			 i + 1);
		t_check(avail(MFIX_BASIC) == MFIX_MAX_INSTANCES - 1 - i &&
			avail(MFIX_NOREQ) == MFIX_MAX_INSTANCES - 1 - i, name,
			"basic %ld, noreq %ld, expected %d", avail(MFIX_BASIC),
			avail(MFIX_NOREQ), MFIX_MAX_INSTANCES - 1 - i);
	}
	uuid_random(extra);
	t_expect_ret("sysfs.create_past_max_basic",
		     mdev_create(MFIX_BASIC, extra), EUSERS);
	t_expect_ret("sysfs.create_past_max_noreq",
		     mdev_create(MFIX_NOREQ, extra), EUSERS);
	t_check(!mdev_exists(extra), "sysfs.create_past_max_left_nothing",
		"%s exists", extra);

	/* Freeing a slot of one type makes room in both. */
	if (created[1]) {
		ret = mdev_remove(uuids[1]);
		created[1] = ret != 0;
		t_expect_ret("sysfs.pool_remove", ret, 0);
		t_check(avail(MFIX_BASIC) == 1 && avail(MFIX_NOREQ) == 1,
			"sysfs.pool_available_after_remove",
			"basic %ld, noreq %ld", avail(MFIX_BASIC),
			avail(MFIX_NOREQ));
		snprintf(path, sizeof(path), "%s/%s/devices", MFIX_TYPES_PATH,
			 MFIX_NOREQ);
		t_check(!dir_lists(path, uuids[1]),
			"sysfs.pool_removed_unlisted", "%s still in %s",
			uuids[1], path);
		t_expect_ret("sysfs.pool_create_into_freed_slot",
			     mdev_create(MFIX_BASIC, extra), 0);
		if (!mdev_exists(extra))
			extra[0] = '\0';
	}

	for (i = 1; i < MFIX_MAX_INSTANCES; i++)
		if (created[i])
			mdev_remove(uuids[i]);
	if (extra[0])
		mdev_remove(extra);
}

int main(void)
{
	char uuid[UUID_STR_LEN], path[PATH_MAX], line[UUID_STR_LEN + 1];
	int uev, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Bound the run: a hung sysfs write must not hang the suite. */
	signal(SIGALRM, SIG_DFL);
	alarm(120);

	if (!t_check(path_exists(MFIX_PARENT_PATH), "sysfs.parent",
		     "%s missing: is the fixture loaded?", MFIX_PARENT_PATH))
		return 1;
	t_check(path_exists(MFIX_PARENT_PATH "/mdev_supported_types"),
		"sysfs.parent_supported_types", "missing");

	test_types();

	uev = uevent_open();
	if (uev < 0)
		t_fail("sysfs.uevent_socket", "%s", strerrorname_np(-uev));

	/* echo(1) appends a newline; the kernel must accept it. */
	uuid_random(uuid);
	snprintf(line, sizeof(line), "%s\n", uuid);
	if (!t_expect_ret("sysfs.create", mdev_create(MFIX_BASIC, line), 0))
		return t_exit_status();
	if (uev >= 0)
		t_check(uevent_wait(uev, "add", uuid, 3000),
			"sysfs.uevent_add", "no add event for %s", uuid);
	t_check(avail(MFIX_BASIC) == MFIX_MAX_INSTANCES - 1 &&
		avail(MFIX_NOREQ) == MFIX_MAX_INSTANCES - 1,
		"sysfs.available_decreases_on_create", "basic %ld, noreq %ld",
		avail(MFIX_BASIC), avail(MFIX_NOREQ));

	test_device_links(uuid);
	test_create_errors(uuid);
	test_pool();

	ret = mdev_remove(uuid);
	t_expect_ret("sysfs.remove", ret, 0);
	t_check(!mdev_exists(uuid), "sysfs.remove_device_gone",
		"%s still on the bus", uuid);
	snprintf(path, sizeof(path), "%s/%s/devices", MFIX_TYPES_PATH,
		 MFIX_BASIC);
	t_check(dir_entries(path) == 0, "sysfs.remove_type_devices_empty",
		"%d entries left", dir_entries(path));
	if (uev >= 0)
		t_check(uevent_wait(uev, "remove", uuid, 3000),
			"sysfs.uevent_remove", "no remove event for %s", uuid);
	t_check(avail(MFIX_BASIC) == MFIX_MAX_INSTANCES &&
		avail(MFIX_NOREQ) == MFIX_MAX_INSTANCES,
		"sysfs.available_restored", "basic %ld, noreq %ld",
		avail(MFIX_BASIC), avail(MFIX_NOREQ));
	t_expect_ret("sysfs.remove_twice", mdev_remove(uuid), ENOENT);

	if (uev >= 0)
		close(uev);
	return t_exit_status();
}
