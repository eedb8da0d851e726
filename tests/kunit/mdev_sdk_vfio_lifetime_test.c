// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_vfio_lifetime: the life of a vfio_device as a user
 * process sees it through /dev/vfio/vfio, /dev/vfio/N and device fds.
 *
 * A kernel thread plays the process (see struct mdev_sdk_kunit_user) and
 * goes through the real ioctls. open_device and close_device pair up
 * however many fds are opened; vfio_unregister_group_dev() waits for the
 * last fd, asking the driver's request callback with a rising count while
 * it waits, and close_device has run by the time it returns. The KVM
 * pointer open_device finds is one vfio_file_set_kvm() has not withdrawn.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/vfio.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/vfio_core.h"

#define LT_MAX_REQUESTS	8
#define LT_MAX_FDS	3
#define LT_OPEN_LOOPS	64

/**
 * struct lt_fixture - state of one test
 * @test: the test
 * @vd: the device under test, whose callbacks find the fixture as priv
 * @open_err: what open_device returns
 * @opens: open_device calls
 * @closes: close_device calls
 * @released: release calls
 * @unregistered: vfio_unregister_group_dev() has returned
 * @late_close: close_device ran after vfio_unregister_group_dev() returned
 * @requests: counts passed to the request callback, in call order
 * @nrequests: entries of @requests
 * @opened: the user thread holds its fds
 * @close_one: completed once per request: the user closes one device fd
 * @fds: device fds the user thread opens
 * @kvm: stands in for a VM: set on the group file, withdrawn and freed by
 *	@clearer, as KVM frees a VM once vfio_file_set_kvm(file, NULL) returns
 * @group_file: the group file @kvm is set on
 * @clearer: the thread withdrawing @kvm, referenced
 * @clearer_started: @clearer is about to call vfio_file_set_kvm()
 * @clearer_done: @clearer has withdrawn and freed @kvm
 * @kvm_cleared: vfio_file_set_kvm(@group_file, NULL) has returned
 * @open_kvm: &vfio_device.kvm as open_device found it
 * @stale_kvm: open_device found a KVM pointer already withdrawn
 */
struct lt_fixture {
	struct kunit *test;
	struct mdev_sdk_kunit_vfio_dev vd;
	int open_err;
	atomic_t opens;
	atomic_t closes;
	atomic_t released;
	atomic_t unregistered;
	atomic_t late_close;
	unsigned int requests[LT_MAX_REQUESTS];
	atomic_t nrequests;
	struct completion opened;
	struct completion close_one;
	unsigned int fds;
	struct kvm *kvm;
	struct file *group_file;
	struct task_struct *clearer;
	struct completion clearer_started;
	struct completion clearer_done;
	atomic_t kvm_cleared;
	struct kvm *open_kvm;
	atomic_t stale_kvm;
};

static struct lt_fixture *lt_fixture_of(struct vfio_device *vdev)
{
	return mdev_sdk_kunit_vfio_priv(vdev);
}

static struct vfio_device *lt_vdev(struct lt_fixture *fix)
{
	return fix->vd.vdev;
}

static void lt_release(struct vfio_device *vdev)
{
	atomic_inc(&lt_fixture_of(vdev)->released);
}

static int lt_open_device(struct vfio_device *vdev)
{
	struct lt_fixture *fix = lt_fixture_of(vdev);

	lockdep_assert_held(&vdev->dev_set->lock);
	atomic_inc(&fix->opens);
	fix->open_kvm = vdev->kvm;
	if (vdev->kvm) {
		if (atomic_read(&fix->kvm_cleared))
			atomic_set(&fix->stale_kvm, 1);
		/* What kvm_get_kvm() would touch; KASAN watches it. */
		(void)READ_ONCE(*(u8 *)vdev->kvm);
	}
	return fix->open_err;
}

static void lt_close_device(struct vfio_device *vdev)
{
	struct lt_fixture *fix = lt_fixture_of(vdev);

	lockdep_assert_held(&vdev->dev_set->lock);
	if (atomic_read(&fix->unregistered))
		atomic_inc(&fix->late_close);
	atomic_inc(&fix->closes);
}

static void lt_request(struct vfio_device *vdev, unsigned int count)
{
	struct lt_fixture *fix = lt_fixture_of(vdev);
	int n = atomic_fetch_inc(&fix->nrequests);

	if (n < LT_MAX_REQUESTS)
		fix->requests[n] = count;
	complete(&fix->close_one);
}

static const struct vfio_device_ops lt_ops = {
	.name		= "mdev_sdk_kunit_lt",
	.release	= lt_release,
	.open_device	= lt_open_device,
	.close_device	= lt_close_device,
	.request	= lt_request,
};

static int lt_init(struct kunit *test)
{
	struct lt_fixture *fix;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	fix->fds = 1;
	init_completion(&fix->opened);
	init_completion(&fix->close_one);
	init_completion(&fix->clearer_started);
	init_completion(&fix->clearer_done);
	return mdev_sdk_kunit_vfio_dev_init(&fix->vd, &lt_ops, fix);
}

static void lt_unregister(struct lt_fixture *fix)
{
	mdev_sdk_kunit_vfio_dev_unregister(&fix->vd);
	atomic_set(&fix->unregistered, 1);
}

static void lt_exit(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;
	bool allocated;

	if (!fix)
		return;
	if (fix->vd.registered)
		lt_unregister(fix);
	allocated = fix->vd.vdev;
	mdev_sdk_kunit_vfio_dev_exit(&fix->vd);
	if (allocated)
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->released), 1);
}

/*
 * Starts a process doing @fn, which completes fix->opened once it holds
 * what the case needs, and waits for that.
 */
static void lt_start_user(struct kunit *test, struct mdev_sdk_kunit_user *user,
			  int (*fn)(struct mdev_sdk_kunit_user *, void *))
{
	struct lt_fixture *fix = test->priv;

	user->test = test;
	user->fn = fn;
	user->data = fix;
	mdev_sdk_kunit_user_start(user);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&fix->opened,
							  MDEV_SDK_KUNIT_WAIT),
			0);
}

/* Plays a process that does @fn and exits; it must see @fn through. */
static void lt_run_user(struct kunit *test,
			int (*fn)(struct mdev_sdk_kunit_user *, void *))
{
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, fn, test->priv, 0),
			0);
}

/* Opens the device as QEMU does, for the cases that need it to work. */
static int lt_user_open(struct mdev_sdk_kunit_user *user,
			struct mdev_sdk_kunit_vfio_fds *fds)
{
	return mdev_sdk_kunit_user_vfio_expect_open(user, lt_vdev(user->data),
						    VFIO_TYPE1v2_IOMMU, fds);
}

/* Has the open device opened again, into fd[1] to fd[fix->fds - 1]. */
static void lt_user_open_more(struct mdev_sdk_kunit_user *user, int group_fd,
			      int fd[LT_MAX_FDS])
{
	struct lt_fixture *fix = user->data;
	unsigned int i;

	for (i = 1; i < fix->fds; i++) {
		fd[i] = mdev_sdk_kunit_user_get_device(user, lt_vdev(fix),
						       group_fd);
		KUNIT_EXPECT_GE(fix->test, fd[i], 0);
	}
}

static const int lt_fds_param[] = { 1, 2, LT_MAX_FDS };

static void lt_fds_desc(const int *fds, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%d device fds", *fds);
}

KUNIT_ARRAY_PARAM(lt_fds, lt_fds_param, lt_fds_desc);

static int lt_open_close_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct vfio_device *vdev = lt_vdev(fix);
	struct mdev_sdk_kunit_vfio_fds fds;
	int extra[LT_MAX_FDS];
	unsigned int i;
	int ret;

	ret = lt_user_open(user, &fds);
	if (ret)
		goto out_close;
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);

	lt_user_open_more(user, fds.group, extra);
	/* One open_device for all the fds. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(vdev->open_count), fix->fds);

	for (i = 1; i < fix->fds; i++) {
		if (extra[i] >= 0)
			mdev_sdk_kunit_user_close(extra[i]);
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 0);
	}
	mdev_sdk_kunit_user_close(fds.device);
	fds.device = -1;
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(vdev->open_count), 0);

	/* A second open is a first open again. */
	ret = mdev_sdk_kunit_user_get_device(user, vdev, fds.group);
	KUNIT_EXPECT_GE(test, ret, 0);
	if (ret >= 0)
		mdev_sdk_kunit_user_close(ret);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 2);
	ret = 0;
out_close:
	mdev_sdk_kunit_user_vfio_close(&fds);
	return ret;
}

/* open_device on the first fd, close_device on the last, whatever between. */
static void open_close_pair(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	fix->fds = *(const int *)test->param_value;
	lt_run_user(test, lt_open_close_user);

	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens),
			atomic_read(&fix->closes));
	/* The group and container went away with the fds. */
	KUNIT_EXPECT_NULL(test, lt_vdev(fix)->group);
}

/*
 * Hold fix->fds device fds, then close one per request of the driver's
 * request callback.
 */
static int lt_hold_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct mdev_sdk_kunit_vfio_fds fds;
	int fd[LT_MAX_FDS];
	unsigned int i;
	int ret;

	ret = lt_user_open(user, &fds);
	if (ret) {
		mdev_sdk_kunit_user_vfio_close(&fds);
		complete(&fix->opened);
		return ret;
	}
	fd[0] = fds.device;
	fds.device = -1;
	lt_user_open_more(user, fds.group, fd);
	complete(&fix->opened);

	for (i = 0; i < fix->fds; i++) {
		/* Twice the request interval, for a slow emulator. */
		if (!wait_for_completion_timeout(&fix->close_one, 25 * HZ))
			KUNIT_FAIL(test, "no request for fd %u", i);
		/* Unregistration is still waiting for this fd. */
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->unregistered), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 0);
		if (fd[i] >= 0)
			mdev_sdk_kunit_user_close(fd[i]);
	}
	mdev_sdk_kunit_user_vfio_close(&fds);
	return 0;
}

static void lt_unregister_while_held(struct kunit *test, unsigned int fds)
{
	struct lt_fixture *fix = test->priv;
	struct mdev_sdk_kunit_user user = {};
	unsigned int i, n;

	fix->fds = fds;
	lt_start_user(test, &user, lt_hold_user);

	lt_unregister(fix);
	/* close_device has run by the time unregistration returns. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->late_close), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_wait(&user), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);

	/* One request per interval while an fd was open, counting up from 0. */
	n = atomic_read(&fix->nrequests);
	KUNIT_EXPECT_EQ(test, n, fds);
	for (i = 0; i < n && i < LT_MAX_REQUESTS; i++)
		KUNIT_EXPECT_EQ_MSG(test, fix->requests[i], i, "request %u", i);
}

/* Unregistration waits for the fd and asks for it with request(0). */
static void unregister_waits_for_last_fd(struct kunit *test)
{
	lt_unregister_while_held(test, 1);
}

/*
 * With two fds, one closed per request, unregistration has to ask twice,
 * the second time after its 10 s interval, with a count one higher.
 */
static void request_count_rises(struct kunit *test)
{
	lt_unregister_while_held(test, 2);
}

/* Nobody holds the device: no request, no open, no close. */
static void unregister_without_fds(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 0);
}

static int lt_open_fail_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct mdev_sdk_kunit_vfio_fds fds;
	int ret;

	ret = mdev_sdk_kunit_user_vfio_open(user, lt_vdev(fix),
					    VFIO_TYPE1v2_IOMMU, &fds);
	KUNIT_EXPECT_EQ(test, ret, -EIO);
	KUNIT_EXPECT_EQ(test, fds.device, -1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lt_vdev(fix)->open_count), 0);
	mdev_sdk_kunit_user_vfio_close(&fds);
	return 0;
}

/* A failed open_device gets no close_device and holds nothing. */
static void open_device_fails(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	fix->open_err = -EIO;
	lt_run_user(test, lt_open_fail_user);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 0);

	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);
}

static int lt_group_first_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct vfio_device *vdev = lt_vdev(fix);
	struct mdev_sdk_kunit_vfio_fds fds;
	struct vfio_group *group = vdev->group;
	struct vfio_container *container;
	struct file *file;
	int ret;

	ret = lt_user_open(user, &fds);
	if (ret) {
		mdev_sdk_kunit_user_vfio_close(&fds);
		return ret;
	}

	/* The device fd keeps the group file, and with it the container. */
	mdev_sdk_kunit_user_close(fds.container);
	mdev_sdk_kunit_user_close(fds.group);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 0);
	file = READ_ONCE(group->opened_file);
	container = READ_ONCE(group->container);
	KUNIT_EXPECT_NOT_NULL(test, file);
	KUNIT_EXPECT_NOT_NULL(test, container);
	/* ... so an unknown device ioctl still reaches the device. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_ioctl(fds.device,
							VFIO_DEVICE_RESET, 0),
			-ENOTTY);

	mdev_sdk_kunit_user_close(fds.device);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
	/* The last close of the device fd released the group file too. */
	file = READ_ONCE(group->opened_file);
	container = READ_ONCE(group->container);
	KUNIT_EXPECT_NULL(test, file);
	KUNIT_EXPECT_NULL(test, container);
	return 0;
}

/* Closing the group and container fds before the device fd is fine. */
static void device_fd_outlives_group_fd(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	lt_run_user(test, lt_group_first_user);
	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);
}

static int lt_exit_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct mdev_sdk_kunit_vfio_fds fds;

	/* Exits holding everything, as a killed QEMU would. */
	return lt_user_open(user, &fds);
}

/* A process that exits with the device open closes it on the way out. */
static void process_exit_closes_device(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	lt_run_user(test, lt_exit_user);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lt_vdev(fix)->open_count), 0);

	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);
}

static int lt_reopen_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct vfio_device *vdev = lt_vdev(fix);
	struct mdev_sdk_kunit_vfio_fds fds;
	unsigned int i, opened = 0;
	int ret, fd;

	ret = lt_user_open(user, &fds);
	if (!ret)
		opened++;
	mdev_sdk_kunit_user_close(fds.device);
	fds.device = -1;
	complete(&fix->opened);

	/* Open and close until the device has gone from the group. */
	for (i = 0; !ret && i < 100000; i++) {
		fd = mdev_sdk_kunit_user_get_device(user, vdev, fds.group);
		if (fd < 0) {
			KUNIT_EXPECT_EQ(test, fd, -ENODEV);
			break;
		}
		opened++;
		mdev_sdk_kunit_user_close(fd);
	}
	KUNIT_EXPECT_GE(test, opened, 1);
	mdev_sdk_kunit_user_vfio_close(&fds);
	return ret;
}

/* New fds are opened and closed while the device unregisters. */
static void open_races_unregister(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;
	struct mdev_sdk_kunit_user user = {};

	lt_start_user(test, &user, lt_reopen_user);
	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_wait(&user), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->late_close), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens),
			atomic_read(&fix->closes));
	KUNIT_EXPECT_EQ(test, READ_ONCE(lt_vdev(fix)->open_count), 0);
}

static int lt_dead_group_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ,
		.size = PAGE_SIZE,
	};
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct mdev_sdk_kunit_vfio_fds fds;
	long ret;

	ret = mdev_sdk_kunit_user_vfio_open_group(user, lt_vdev(fix),
						  VFIO_TYPE1v2_IOMMU, &fds);
	KUNIT_EXPECT_EQ(test, ret, 0);
	complete(&fix->opened);
	if (ret)
		goto out_close;

	/* Holds group and container, but no device fd, while it goes. */
	if (!wait_for_completion_timeout(&fix->close_one, MDEV_SDK_KUNIT_WAIT))
		KUNIT_FAIL(test, "the device never went");

	/* A dead group answers -ENODEV, and took the backend with it. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_ioctl_buf(user, fds.group,
							    VFIO_GROUP_GET_STATUS,
							    &status,
							    sizeof(status)),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_get_device(user,
							     lt_vdev(fix),
							     fds.group),
			-ENODEV);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_ioctl(fds.group,
							VFIO_GROUP_UNSET_CONTAINER,
							0),
			-ENODEV);
	/* A container without a backend refuses MAP_DMA, as upstream. */
	map.vaddr = user->scratch;
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_ioctl_buf(user, fds.container,
							    VFIO_IOMMU_MAP_DMA,
							    &map, sizeof(map)),
			-EINVAL);
	ret = 0;
out_close:
	mdev_sdk_kunit_user_vfio_close(&fds);
	return ret;
}

/*
 * The device unregisters while a user holds its group and container open;
 * the dead group refuses everything, and the device can register again
 * meanwhile.
 */
static void group_fd_outlives_device(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;
	struct mdev_sdk_kunit_user user = {};
	struct vfio_device *again;

	lt_start_user(test, &user, lt_dead_group_user);
	lt_unregister(fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->nrequests), 0);

	/* A new registration on the same device, with a group of its own. */
	again = mdev_sdk_kunit_vfio_alloc(fix->vd.dev, &lt_ops, fix);
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	KUNIT_EXPECT_EQ(test, vfio_register_emulated_iommu_dev(again), 0);

	complete(&fix->close_one);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_wait(&user), 0);

	if (again->group)
		vfio_unregister_group_dev(again);
	vfio_put_device(again);
	/* Released once; lt_exit() counts the fixture's own device. */
	KUNIT_EXPECT_EQ(test, atomic_dec_return(&fix->released), 0);
}

/* KVM's side: withdraw the VM from the group file, then free it. */
static int lt_kvm_clear_thread(void *data)
{
	struct lt_fixture *fix = data;

	complete(&fix->clearer_started);
	vfio_file_set_kvm(fix->group_file, NULL);
	atomic_set(&fix->kvm_cleared, 1);
	kfree(fix->kvm);
	complete(&fix->clearer_done);
	return 0;
}

/*
 * Runs in the opening thread between the core's read of the group's KVM
 * pointer and open_device. Starts the withdrawal and returns once it has
 * either completed or sleeps on a lock, so the case does not depend on
 * timing: a window the group lock does not cover lets it complete first.
 */
static void lt_kvm_window(struct vfio_device *vdev)
{
	struct lt_fixture *fix = lt_fixture_of(vdev);
	unsigned long deadline = jiffies + MDEV_SDK_KUNIT_WAIT;
	struct task_struct *task;

	task = kthread_create(lt_kvm_clear_thread, fix, "lt_kvm_clear");
	if (IS_ERR(task)) {
		KUNIT_FAIL(fix->test, "kthread_create: %ld", PTR_ERR(task));
		return;
	}
	/* Put by the case, after the thread has finished. */
	get_task_struct(task);
	fix->clearer = task;
	wake_up_process(task);
	wait_for_completion(&fix->clearer_started);

	while (!atomic_read(&fix->kvm_cleared) &&
	       !(READ_ONCE(task->__state) & TASK_UNINTERRUPTIBLE) &&
	       time_before(jiffies, deadline))
		usleep_range(500, 1000);
}

static int lt_kvm_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct lt_fixture *fix = data;
	struct kunit *test = fix->test;
	struct vfio_device *vdev = lt_vdev(fix);
	struct mdev_sdk_kunit_vfio_fds fds;
	int ret;

	ret = mdev_sdk_kunit_user_vfio_open_group(user, vdev,
						  VFIO_TYPE1v2_IOMMU, &fds);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		goto out_close;

	fix->group_file = READ_ONCE(vdev->group->opened_file);
	vfio_file_set_kvm(fix->group_file, fix->kvm);

	WRITE_ONCE(vfio_device_test_hooks.open_kvm, lt_kvm_window);
	ret = mdev_sdk_kunit_user_get_device(user, vdev, fds.group);
	WRITE_ONCE(vfio_device_test_hooks.open_kvm, NULL);
	KUNIT_EXPECT_GE(test, ret, 0);
	if (ret >= 0)
		fds.device = ret;
	ret = 0;

	if (fix->clearer) {
		if (!wait_for_completion_timeout(&fix->clearer_done,
						 MDEV_SDK_KUNIT_WAIT))
			KUNIT_FAIL(test, "vfio_file_set_kvm(NULL) never returned");
		kthread_stop(fix->clearer);
		/* Pairs with get_task_struct() in lt_kvm_window(). */
		put_task_struct(fix->clearer);
	} else {
		kfree(fix->kvm);
	}
out_close:
	mdev_sdk_kunit_user_vfio_close(&fds);
	return ret;
}

/*
 * KVM withdraws the VM from the group file while the device opens: as
 * vfio_file_set_kvm() documents, the caller may free the VM once it
 * returns, so open_device (which GVT-g and vfio-ap use to take a
 * reference on the VM) must find either the pointer still set or none.
 */
static void open_device_kvm_not_withdrawn(struct kunit *test)
{
	struct lt_fixture *fix = test->priv;

	/* Only its address and first byte are used, never a struct kvm. */
	fix->kvm = kzalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fix->kvm);
	lt_run_user(test, lt_kvm_user);

	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fix->stale_kvm), 0,
			    "open_device got a KVM that vfio_file_set_kvm(NULL) had withdrawn");
	KUNIT_EXPECT_PTR_EQ(test, fix->open_kvm, fix->kvm);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->kvm_cleared), 1);
	lt_unregister(fix);
}

static struct kunit_case mdev_sdk_vfio_lifetime_cases[] = {
	KUNIT_CASE_PARAM(open_close_pair, lt_fds_gen_params),
	KUNIT_CASE(unregister_waits_for_last_fd),
	KUNIT_CASE(request_count_rises),
	KUNIT_CASE(unregister_without_fds),
	KUNIT_CASE(open_device_fails),
	KUNIT_CASE(device_fd_outlives_group_fd),
	KUNIT_CASE(process_exit_closes_device),
	KUNIT_CASE(open_races_unregister),
	KUNIT_CASE(group_fd_outlives_device),
	KUNIT_CASE(open_device_kvm_not_withdrawn),
	{}
};

static struct kunit_suite mdev_sdk_vfio_lifetime_suite = {
	.name		= "mdev_sdk_vfio_lifetime",
	.init		= lt_init,
	.exit		= lt_exit,
	.test_cases	= mdev_sdk_vfio_lifetime_cases,
};

kunit_test_suite(mdev_sdk_vfio_lifetime_suite);
