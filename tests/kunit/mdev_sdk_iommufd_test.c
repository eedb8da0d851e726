// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_iommufd: races of the bundled iommufd's access API.
 *
 * A kernel thread plays the user process: it opens /dev/iommu, allocates
 * an IOAS and maps memory of its own address space into it, as QEMU would.
 * The "driver" in this file is an emulated device's use of an access: it
 * pins under a lock of its own, records its pins, and unpins in its unmap
 * callback (or, as a buggy driver, never does). The callback is where the
 * cases force their interleavings: it runs with no iommufd lock held, so a
 * second thread can pin while an unmap or a detach waits on it.
 *
 * Whatever the order, the pins end at zero, the process's pinned_vm and its
 * user's locked_vm come back to where they were, and the pages are no
 * longer pinned. The process runs without CAP_IPC_LOCK, so that iommufd
 * charges its user's locked_vm (RLIMIT_MEMLOCK, IOMMU_OPTION_RLIMIT_MODE 0).
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/user.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/iommufd.h>
#include <uapi/mdev_sdk/vfio_cdev.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/vfio_core.h"

#define IT_PAGES	8
#define IT_IOVA		0x200000UL
#define IT_SIZE		(IT_PAGES * PAGE_SIZE)
/* RLIMIT_MEMLOCK of the process, in pages: room for every pin. */
#define IT_MEMLOCK	64
/* Pins of the looping pinner before it gives up waiting to be refused. */
#define IT_LOOP_MAX	100000
/* An unmap refused with -EDEADLOCK must be much quicker than this. */
#define IT_DEADLOCK_BOUND	(5 * HZ)
/* Rounds of a cdev bind and a group open started together. */
#define IT_BIND_ROUNDS	20

/**
 * enum it_unmap_mode - how the driver answers its unmap callback
 * @IT_UNMAP_UNPIN: it unpins every pin it holds in the range, as it must
 * @IT_UNMAP_KEEP: it unpins nothing, as a buggy driver
 */
enum it_unmap_mode {
	IT_UNMAP_UNPIN,
	IT_UNMAP_KEEP,
};

/**
 * struct it_fixture - state of one test: the driver and its racing pinner
 * @test: the test
 * @access: the driver's access, or NULL
 * @lock: guards @pins, as a driver's lock around its pin tracking; held
 *	across each pin and unpin call so that the callback sees every pin
 *	that succeeded
 * @pins: the driver's pins per page of [IT_IOVA, IT_IOVA + IT_SIZE)
 * @mode: how the unmap callback answers
 * @unmaps: unmap callbacks
 * @unmap_iova: IOVA of the first unmap callback
 * @unmap_len: length of the first unmap callback
 * @race_in_unmap: the first unmap callback, before it unpins, lets @pinner
 *	pin and waits until it did (or failed to)
 * @pin_now: tells the one-shot pinner to pin
 * @pinned: the one-shot pinner is done; completed for all waiters
 * @pinner_ret: what the one-shot pinner's pin returned
 * @looping: the looping pinner has pinned once and keeps on
 * @loop_pins: pins the looping pinner took
 * @loop_ret: the error that stopped the looping pinner
 * @vd: the vfio_device of bind_against_group_open, whose callbacks find
 *	the fixture as priv
 * @group_path: its group's node, below /dev
 * @hold_bind: the next bind_iommufd completes @bind_in and waits for
 *	@group_tried before it binds
 * @bind_in: a held bind_iommufd has started
 * @go: lets the group opener of a free race go
 * @group_after_bind: the group opener waits for @bind_in, not @go
 * @opening: the group opener is about to open
 * @group_tried: the group opener is done; completed for all waiters
 * @group_file: what the group opener opened, or NULL
 * @group_ret: 0 or the errno of the group opener's open
 * @binds: bind_iommufd calls
 * @unbinds: unbind_iommufd calls
 */
struct it_fixture {
	struct kunit *test;
	struct iommufd_access *access;
	struct mutex lock; /* see above */
	unsigned int pins[IT_PAGES];
	enum it_unmap_mode mode;
	atomic_t unmaps;
	unsigned long unmap_iova;
	unsigned long unmap_len;
	bool race_in_unmap;
	struct completion pin_now;
	struct completion pinned;
	int pinner_ret;
	struct completion looping;
	unsigned long loop_pins;
	int loop_ret;
	struct mdev_sdk_kunit_vfio_dev vd;
	char group_path[32];
	bool hold_bind;
	struct completion bind_in;
	struct completion go;
	bool group_after_bind;
	struct completion opening;
	struct completion group_tried;
	struct file *group_file;
	int group_ret;
	atomic_t binds;
	atomic_t unbinds;
};

/* Pin pages [first, first + npage) for the driver; 0 or an errno. */
static int it_pin(struct it_fixture *fix, unsigned int first,
		  unsigned int npage, struct page **pages)
{
	unsigned int i;
	int ret;

	mutex_lock(&fix->lock);
	ret = iommufd_access_pin_pages(fix->access, IT_IOVA + first * PAGE_SIZE,
				       npage * PAGE_SIZE, pages,
				       IOMMUFD_ACCESS_RW_WRITE);
	for (i = 0; !ret && i < npage; i++)
		fix->pins[first + i]++;
	mutex_unlock(&fix->lock);
	return ret;
}

/* Drop one pin of page @idx, if the driver still holds one. */
static void it_unpin_one(struct it_fixture *fix, unsigned int idx)
{
	mutex_lock(&fix->lock);
	if (fix->pins[idx]) {
		iommufd_access_unpin_pages(fix->access,
					   IT_IOVA + idx * PAGE_SIZE,
					   PAGE_SIZE);
		fix->pins[idx]--;
	}
	mutex_unlock(&fix->lock);
}

/* Drop every pin the driver holds in [iova, iova + len). */
static void it_unpin_range(struct it_fixture *fix, unsigned long iova,
			   unsigned long len)
{
	unsigned int i;

	mutex_lock(&fix->lock);
	for (i = 0; i < IT_PAGES; i++) {
		unsigned long page = IT_IOVA + i * PAGE_SIZE;

		if (page < iova || page - iova >= len)
			continue;
		for (; fix->pins[i]; fix->pins[i]--)
			iommufd_access_unpin_pages(fix->access, page,
						   PAGE_SIZE);
	}
	mutex_unlock(&fix->lock);
}

static unsigned int it_driver_pins(struct it_fixture *fix)
{
	unsigned int i, n = 0;

	mutex_lock(&fix->lock);
	for (i = 0; i < IT_PAGES; i++)
		n += fix->pins[i];
	mutex_unlock(&fix->lock);
	return n;
}

/* Forget the pins without unpinning: iommufd released them for us. */
static void it_forget_pins(struct it_fixture *fix)
{
	mutex_lock(&fix->lock);
	memset(fix->pins, 0, sizeof(fix->pins));
	mutex_unlock(&fix->lock);
}

static void it_unmap_cb(void *data, unsigned long iova, unsigned long length)
{
	struct it_fixture *fix = data;

	if (atomic_inc_return(&fix->unmaps) == 1) {
		fix->unmap_iova = iova;
		fix->unmap_len = length;
		if (fix->race_in_unmap) {
			complete(&fix->pin_now);
			if (!wait_for_completion_timeout(&fix->pinned,
							 MDEV_SDK_KUNIT_WAIT))
				KUNIT_FAIL(fix->test, "the racing pin never came");
		}
	}
	if (fix->mode == IT_UNMAP_UNPIN)
		it_unpin_range(fix, iova, length);
}

static const struct iommufd_access_ops it_ops = {
	.needs_pin_pages	= 1,
	.unmap			= it_unmap_cb,
};

/* Pins page 0 once, when told to, from a thread of its own. */
static int it_pinner_thread(void *data)
{
	struct it_fixture *fix = data;
	struct page *page;

	fix->pinner_ret = -ETIMEDOUT;
	if (wait_for_completion_timeout(&fix->pin_now, MDEV_SDK_KUNIT_WAIT))
		fix->pinner_ret = it_pin(fix, 0, 1, &page);
	complete_all(&fix->pinned);
	return 0;
}

/*
 * Pins and unpins the pages round robin, as a device doing DMA, until a
 * pin is refused: once the unmap or detach it races has begun, the next
 * pin must be.
 */
static int it_loop_thread(void *data)
{
	struct it_fixture *fix = data;
	struct page *page;
	unsigned long n;
	int ret = 0;

	for (n = 0; n < IT_LOOP_MAX; n++) {
		unsigned int idx = n % IT_PAGES;

		ret = it_pin(fix, idx, 1, &page);
		if (ret)
			break;
		if (!n)
			complete(&fix->looping);
		/* Keep about half the pages pinned at any time. */
		it_unpin_one(fix, (idx + IT_PAGES / 2) % IT_PAGES);
		cond_resched();
	}
	fix->loop_pins = n;
	fix->loop_ret = ret;
	complete(&fix->looping);
	complete_all(&fix->pinned);
	return 0;
}

/**
 * struct it_user - a case's user process, as the case's body sees it
 * @user: the thread playing the process
 * @fix: the test's fixture
 * @test: the test
 * @fd: the process's /dev/iommu, or -1
 * @ioas_id: the IOAS it allocated
 * @vaddr: IT_SIZE of its memory, mapped at IT_IOVA
 * @uid: the user charged for the pins (the mapper's)
 * @base_pinned: the process's pinned_vm before anything was pinned
 * @base_locked: @uid's locked_vm before anything was pinned
 * @base_usage: references on the process's task before it mapped memory
 * @body: what the case does once the access is attached; its return value
 *	is the process's
 * @exit_holding: the body leaves the access, its pins and the fd for the
 *	process's exit and the test to deal with
 * @mm: with @exit_holding, the process's address space, grabbed
 */
struct it_user {
	struct mdev_sdk_kunit_user *user;
	struct it_fixture *fix;
	struct kunit *test;
	int fd;
	u32 ioas_id;
	unsigned long vaddr;
	struct user_struct *uid;
	s64 base_pinned;
	long base_locked;
	unsigned int base_usage;
	int (*body)(struct it_user *iu);
	bool exit_holding;
	struct mm_struct *mm;
};

static s64 it_pinned_vm(struct it_user *iu)
{
	return atomic64_read(&iu->user->mm->pinned_vm);
}

static long it_locked_vm(struct it_user *iu)
{
	return atomic_long_read(&iu->uid->locked_vm);
}

/* @npages pinned and charged to the process, beyond where it started. */
static void it_expect_charged(struct it_user *iu, long npages)
{
	KUNIT_EXPECT_EQ(iu->test, it_pinned_vm(iu), iu->base_pinned + npages);
	KUNIT_EXPECT_EQ(iu->test, it_locked_vm(iu), iu->base_locked + npages);
}

/* Returns the ioctl's errno, or the bytes unmapped. */
static long it_unmap(struct it_user *iu)
{
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap),
		.ioas_id = iu->ioas_id,
		.iova = IT_IOVA,
		.length = IT_SIZE,
	};
	long ret;

	ret = mdev_sdk_kunit_user_ioctl_buf(iu->user, iu->fd, IOMMU_IOAS_UNMAP,
					    &unmap, sizeof(unmap));
	return ret ? ret : unmap.length;
}

/*
 * Opens /dev/iommu, maps IT_SIZE of fresh memory at IT_IOVA of a new IOAS
 * and attaches a new access of the driver to it.
 */
static int it_setup(struct it_user *iu)
{
	struct kunit *test = iu->test;
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = IT_SIZE,
		.iova = IT_IOVA,
	};
	struct iommufd_access *access;
	struct iommufd_ctx *ictx;
	u32 id;
	int ret;

	iu->uid = current_user();
	iu->base_pinned = it_pinned_vm(iu);
	iu->base_locked = it_locked_vm(iu);
	iu->base_usage = refcount_read(&current->usage);

	iu->fd = mdev_sdk_kunit_user_open("iommu");
	KUNIT_EXPECT_GE(test, iu->fd, 0);
	if (iu->fd < 0)
		return iu->fd;
	ret = mdev_sdk_kunit_user_ioctl_buf(iu->user, iu->fd, IOMMU_IOAS_ALLOC,
					    &alloc, sizeof(alloc));
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		return ret;
	iu->ioas_id = alloc.out_ioas_id;

	iu->vaddr = mdev_sdk_kunit_user_mmap(IT_SIZE);
	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(iu->vaddr));
	if (IS_ERR_VALUE(iu->vaddr))
		return (long)iu->vaddr;
	map.ioas_id = iu->ioas_id;
	map.user_va = iu->vaddr;
	ret = mdev_sdk_kunit_user_ioctl_buf(iu->user, iu->fd, IOMMU_IOAS_MAP,
					    &map, sizeof(map));
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		return ret;

	/* As VFIO_DEVICE_BIND_IOMMUFD does: the access keeps its own ref. */
	ictx = iommufd_ctx_from_fd(iu->fd);
	KUNIT_EXPECT_FALSE(test, IS_ERR(ictx));
	if (IS_ERR(ictx))
		return PTR_ERR(ictx);
	access = iommufd_access_create(ictx, &it_ops, iu->fix, &id);
	iommufd_ctx_put(ictx);
	KUNIT_EXPECT_FALSE(test, IS_ERR(access));
	if (IS_ERR(access))
		return PTR_ERR(access);
	iu->fix->access = access;
	ret = iommufd_access_attach(access, iu->ioas_id);
	KUNIT_EXPECT_EQ(test, ret, 0);
	/* Nothing is pinned or charged by mapping alone. */
	it_expect_charged(iu, 0);
	return ret;
}

/* Destroys the access, if any, and closes /dev/iommu. */
static void it_teardown(struct it_user *iu)
{
	if (iu->fix->access) {
		iommufd_access_destroy(iu->fix->access);
		iu->fix->access = NULL;
	}
	if (iu->fd >= 0)
		mdev_sdk_kunit_user_close(iu->fd);
	iu->fd = -1;
}

/* Pins [first, first + npage), which must all succeed. */
static void it_expect_pin(struct it_user *iu, unsigned int first,
			  unsigned int npage, struct page **pages)
{
	KUNIT_EXPECT_EQ_MSG(iu->test, it_pin(iu->fix, first, npage, pages), 0,
			    "pinning %u pages from page %u", npage, first);
}

static struct task_struct *it_start(struct kunit *test,
				    int (*fn)(void *data),
				    struct it_fixture *fix)
{
	struct task_struct *task = kthread_run(fn, fix, "mdev_sdk_it_pinner");

	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "no pinning thread: %ld", PTR_ERR(task));
		complete(&fix->looping);
		complete_all(&fix->pinned);
	}
	return task;
}

/**
 * struct it_race_param - how a pin races an unmap or a detach
 * @desc: name of the parameter in the test log
 * @loop: a thread pins in a loop while the unmap or detach runs, rather
 *	than the one pin the first unmap callback lets through
 */
struct it_race_param {
	const char *desc;
	bool loop;
};

static const struct it_race_param it_race_params[] = {
	{ "pin inside the unmap callback", false },
	{ "pinning in a loop", true },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(it_race, it_race_params);

/* Starts the pinner the case's parameter asks for. */
static void it_start_racer(struct it_user *iu)
{
	const struct it_race_param *param = iu->test->param_value;
	struct it_fixture *fix = iu->fix;

	if (param->loop) {
		if (!IS_ERR(it_start(iu->test, it_loop_thread, fix)))
			wait_for_completion(&fix->looping);
	} else {
		fix->race_in_unmap = true;
		it_start(iu->test, it_pinner_thread, fix);
	}
}

/*
 * The pinner is done; its pin, racing an unmap or detach that had begun,
 * was refused with @err (or, looping, stopped with @err or @alt).
 */
static void it_expect_racer_refused(struct it_user *iu, int err, int alt)
{
	const struct it_race_param *param = iu->test->param_value;
	struct it_fixture *fix = iu->fix;
	struct kunit *test = iu->test;

	wait_for_completion(&fix->pinned);
	if (param->loop) {
		KUNIT_EXPECT_LT(test, fix->loop_pins, (unsigned long)IT_LOOP_MAX);
		KUNIT_EXPECT_TRUE_MSG(test, fix->loop_ret == err ||
				      fix->loop_ret == alt,
				      "looping pin stopped with %d",
				      fix->loop_ret);
	} else {
		KUNIT_EXPECT_EQ(test, fix->pinner_ret, err);
	}
}

static int it_unmap_pin_body(struct it_user *iu)
{
	struct it_fixture *fix = iu->fix;
	struct kunit *test = iu->test;
	struct page *pages[IT_PAGES];

	it_expect_pin(iu, 0, 4, pages);
	it_expect_charged(iu, 4);
	it_start_racer(iu);

	/* Every pin goes with the callback's help, so the unmap succeeds. */
	KUNIT_EXPECT_EQ(test, it_unmap(iu), (long)IT_SIZE);
	/*
	 * A pin into the area being unmapped is refused (upstream: EINVAL),
	 * not taken and dropped behind the driver; once the area is gone,
	 * a pin finds nothing (ENOENT).
	 */
	it_expect_racer_refused(iu, -EINVAL, -ENOENT);
	KUNIT_EXPECT_GE(test, atomic_read(&fix->unmaps), 1);
	KUNIT_EXPECT_EQ(test, fix->unmap_iova, IT_IOVA);
	KUNIT_EXPECT_EQ(test, fix->unmap_len, IT_SIZE);
	KUNIT_EXPECT_EQ(test, it_driver_pins(fix), 0);
	it_expect_charged(iu, 0);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[0]));
	KUNIT_EXPECT_EQ(test, it_pin(fix, 0, 1, pages), -ENOENT);
	return 0;
}

static int it_user_main(struct mdev_sdk_kunit_user *user, void *data)
{
	struct it_user *iu = data;
	int ret;

	iu->user = user;
	iu->fd = -1;
	ret = it_setup(iu);
	if (!ret)
		ret = iu->body(iu);
	if (iu->exit_holding)
		return ret;
	it_teardown(iu);
	/* Whatever the body did, nothing stays pinned or charged. */
	it_expect_charged(iu, 0);
	return ret;
}

/* Runs @body in a process of its own, which must see it through. */
static void it_run(struct kunit *test, int (*body)(struct it_user *iu))
{
	struct it_user iu = {
		.fix = test->priv,
		.test = test,
		.body = body,
	};

	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, it_user_main, &iu,
						      IT_MEMLOCK), 0);
}

/*
 * Case 1: one thread unmaps the area another pins in; the unmap asks the
 * driver to unpin, and the pin racing it is refused.
 */
static void unmap_against_pin(struct kunit *test)
{
	it_run(test, it_unmap_pin_body);
}

/**
 * struct it_keep_param - where a driver that never unpins loses its pins
 * @desc: name of the parameter in the test log
 * @destroy: at iommufd_access_destroy() without a detach first, rather
 *	than at iommufd_access_detach()
 */
struct it_keep_param {
	const char *desc;
	bool destroy;
};

static const struct it_keep_param it_keep_params[] = {
	{ "released at detach", false },
	{ "released at destroy", true },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(it_keep, it_keep_params);

static int it_keep_body(struct it_user *iu)
{
	const struct it_keep_param *param = iu->test->param_value;
	struct it_fixture *fix = iu->fix;
	struct kunit *test = iu->test;
	struct page *pages[IT_PAGES];
	unsigned long start;
	unsigned int i;

	fix->mode = IT_UNMAP_KEEP;
	it_expect_pin(iu, 0, 4, pages);
	start = jiffies;
	/* Refused with upstream's errno, quickly, and without a WARN. */
	KUNIT_EXPECT_EQ(test, it_unmap(iu), (long)-EDEADLOCK);
	KUNIT_EXPECT_LT(test, jiffies - start, (unsigned long)IT_DEADLOCK_BOUND);
	/* It asked more than once before giving up. */
	KUNIT_EXPECT_GE(test, atomic_read(&fix->unmaps), 2);
	/* Nothing was dropped behind the driver... */
	it_expect_charged(iu, 4);
	KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(pages[0]));
	/* ... and the area takes pins again, as before the unmap. */
	it_expect_pin(iu, 5, 1, &pages[5]);
	it_expect_charged(iu, 5);

	if (param->destroy) {
		iommufd_access_destroy(fix->access);
		fix->access = NULL;
	} else {
		iommufd_access_detach(fix->access);
	}
	/* iommufd released what the driver kept: the driver may forget it. */
	it_forget_pins(fix);
	it_expect_charged(iu, 0);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[i]));
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[5]));
	/* No pin is left on the area: the unmap goes through now. */
	KUNIT_EXPECT_EQ(test, it_unmap(iu), (long)IT_SIZE);
	return 0;
}

/*
 * Case 2: a driver that never unpins gets the unmap refused with
 * -EDEADLOCK in bounded time, and its pins are released when its access
 * is detached or destroyed.
 */
static void unmap_driver_never_unpins(struct kunit *test)
{
	it_run(test, it_keep_body);
}

static int it_detach_pin_body(struct it_user *iu)
{
	struct it_fixture *fix = iu->fix;
	struct kunit *test = iu->test;
	struct page *pages[IT_PAGES];

	it_expect_pin(iu, 0, 4, pages);
	it_start_racer(iu);

	iommufd_access_detach(fix->access);
	/* A pin of an access being detached finds no IOAS (upstream). */
	it_expect_racer_refused(iu, -ENOENT, -ENOENT);
	KUNIT_EXPECT_GE(test, atomic_read(&fix->unmaps), 1);
	KUNIT_EXPECT_EQ(test, fix->unmap_iova, 0UL);
	KUNIT_EXPECT_EQ(test, fix->unmap_len, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, it_driver_pins(fix), 0);
	it_expect_charged(iu, 0);
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[0]));
	KUNIT_EXPECT_EQ(test, it_pin(fix, 0, 1, pages), -ENOENT);
	/* No pin survived on the area either: the unmap goes through. */
	KUNIT_EXPECT_EQ(test, it_unmap(iu), (long)IT_SIZE);
	return 0;
}

/* Case 3: a detach while another thread pins leaves no pin behind. */
static void detach_against_pin(struct kunit *test)
{
	it_run(test, it_detach_pin_body);
}

/**
 * struct it_release_param - how the driver behaves in release_with_pins
 * @desc: name of the parameter in the test log
 * @keep: the driver never unpins, so destroy releases its pins
 * @exit_first: the process exits holding its fd and the access's pins;
 *	the driver destroys the access only afterwards
 */
struct it_release_param {
	const char *desc;
	bool keep;
	bool exit_first;
};

static const struct it_release_param it_release_params[] = {
	{ "driver unpins", false },
	{ "driver never unpins", true },
	{ "process exits first", false, true },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(it_release, it_release_params);

static int it_release_body(struct it_user *iu)
{
	const struct it_release_param *param = iu->test->param_value;
	struct it_fixture *fix = iu->fix;
	struct kunit *test = iu->test;
	struct page *pages[IT_PAGES];
	struct file *file;
	unsigned int i;

	if (param->keep)
		fix->mode = IT_UNMAP_KEEP;
	it_expect_pin(iu, 0, 4, pages);
	if (param->exit_first) {
		iu->mm = iu->user->mm;
		mmgrab(iu->mm);
		iu->exit_holding = true;
		return 0;
	}

	/* The process closes /dev/iommu; we keep the file to look at it. */
	file = fget(iu->fd);
	KUNIT_EXPECT_NOT_NULL(test, file);
	if (!file)
		return -EBADF;
	mdev_sdk_kunit_user_close(iu->fd);
	iu->fd = -1;
	/* The access holds the context: the IOAS and its mapping are alive. */
	it_expect_pin(iu, 4, 1, &pages[4]);
	it_expect_charged(iu, 5);
	KUNIT_EXPECT_GT(test, refcount_read(&current->usage), iu->base_usage);

	iommufd_access_destroy(fix->access);
	fix->access = NULL;
	if (param->keep)
		it_forget_pins(fix);
	KUNIT_EXPECT_EQ(test, it_driver_pins(fix), 0);
	it_expect_charged(iu, 0);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(pages[i]));

	/* The access gave the context back: ours is the last reference. */
	KUNIT_EXPECT_EQ(test, file_count(file), 1L);
	__fput_sync(file);
	/*
	 * The release freed the IOAS and its mapping, which held a reference
	 * on the mapper's task (and its mm and user).
	 */
	KUNIT_EXPECT_EQ(test, refcount_read(&current->usage), iu->base_usage);
	it_expect_charged(iu, 0);
	return 0;
}

/*
 * Case 4: the process closes /dev/iommu while an access is attached and
 * holds pins, and the driver destroys the access afterwards: the pins go,
 * the accounting comes back, and the context is released with its IOAS.
 */
static void release_with_pins(struct kunit *test)
{
	const struct it_release_param *param = test->param_value;
	struct it_fixture *fix = test->priv;
	struct it_user iu = {
		.fix = fix,
		.test = test,
		.body = it_release_body,
	};
	unsigned int level;

	if (!param->exit_first) {
		it_run(test, it_release_body);
		return;
	}
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, it_user_main, &iu,
						      IT_MEMLOCK), 0);
	KUNIT_ASSERT_NOT_NULL(test, iu.mm);
	KUNIT_ASSERT_NOT_NULL(test, fix->access);
	/* The process is gone; the access kept the file, and the pins. */
	KUNIT_EXPECT_EQ(test, atomic64_read(&iu.mm->pinned_vm), 4LL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iu.uid->locked_vm),
			iu.base_locked + 4);

	iommufd_access_destroy(fix->access);
	fix->access = NULL;
	/* The last fput() of this kernel thread is left to a workqueue. */
	for (level = 0; level < 2; level++) {
		flush_delayed_fput();
		__flush_workqueue(system_wq);
	}
	KUNIT_EXPECT_EQ(test, it_driver_pins(fix), 0);
	KUNIT_EXPECT_EQ(test, atomic64_read(&iu.mm->pinned_vm), 0LL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&iu.uid->locked_vm),
			iu.base_locked);
	mmdrop(iu.mm);
}

static int it_vfio_bind(struct vfio_device *vdev, struct iommufd_ctx *ictx,
			u32 *out_device_id)
{
	struct it_fixture *fix = mdev_sdk_kunit_vfio_priv(vdev);

	atomic_inc(&fix->binds);
	/* The group is blocked for the cdev by now: let the open try. */
	if (fix->hold_bind) {
		fix->hold_bind = false;
		complete(&fix->bind_in);
		if (!wait_for_completion_timeout(&fix->group_tried,
						 MDEV_SDK_KUNIT_WAIT))
			KUNIT_FAIL(fix->test, "the group open never came");
	}
	return vfio_iommufd_emulated_bind(vdev, ictx, out_device_id);
}

static void it_vfio_unbind(struct vfio_device *vdev)
{
	struct it_fixture *fix = mdev_sdk_kunit_vfio_priv(vdev);

	atomic_inc(&fix->unbinds);
	vfio_iommufd_emulated_unbind(vdev);
}

static const struct vfio_device_ops it_vfio_ops = {
	.name		= "mdev_sdk_kunit_it",
	.bind_iommufd	= it_vfio_bind,
	.unbind_iommufd	= it_vfio_unbind,
	.attach_ioas	= vfio_iommufd_emulated_attach_ioas,
	.detach_ioas	= vfio_iommufd_emulated_detach_ioas,
};

/* Opens the group once, after a held bind started or when told to go. */
static int it_group_opener(void *data)
{
	struct it_fixture *fix = data;
	struct completion *start = fix->group_after_bind ? &fix->bind_in :
						       &fix->go;
	struct file *file;

	fix->group_ret = -ETIMEDOUT;
	fix->group_file = NULL;
	if (wait_for_completion_timeout(start, MDEV_SDK_KUNIT_WAIT)) {
		complete(&fix->opening);
		file = mdev_sdk_kunit_dev_open(fix->group_path, O_RDWR);
		fix->group_ret = PTR_ERR_OR_ZERO(file);
		if (!IS_ERR(file))
			fix->group_file = file;
	}
	/* Both a held bind and the user thread wait for it. */
	complete_all(&fix->group_tried);
	return 0;
}

static void it_start_group_opener(struct kunit *test, struct it_fixture *fix,
				  bool after_bind)
{
	struct task_struct *task;

	reinit_completion(&fix->opening);
	reinit_completion(&fix->group_tried);
	fix->group_after_bind = after_bind;
	task = kthread_run(it_group_opener, fix, "mdev_sdk_it_group");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "no group opener: %ld", PTR_ERR(task));
		fix->group_ret = PTR_ERR(task);
		fix->group_file = NULL;
		fix->hold_bind = false;
		complete(&fix->opening);
		complete_all(&fix->group_tried);
	}
}

static void it_close_group(struct it_fixture *fix)
{
	if (fix->group_file)
		mdev_sdk_kunit_close(fix->group_file);
	fix->group_file = NULL;
}

static long it_bind_fd(struct mdev_sdk_kunit_user *user, int dfd, int ifd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = ifd,
	};

	return mdev_sdk_kunit_user_ioctl_buf(user, dfd,
					     VFIO_DEVICE_BIND_IOMMUFD, &bind,
					     sizeof(bind));
}

/* The group is neither open nor blocked, and every bind was undone. */
static void it_expect_group_idle(struct kunit *test, struct it_fixture *fix)
{
	struct vfio_group *group = fix->vd.vdev->group;

	mutex_lock(&group->group_lock);
	KUNIT_EXPECT_EQ(test, group->cdev_device_open_cnt, 0U);
	KUNIT_EXPECT_NULL(test, group->opened_file);
	mutex_unlock(&group->group_lock);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->binds),
			atomic_read(&fix->unbinds));
	KUNIT_EXPECT_NULL(test, fix->vd.vdev->iommufd_access);
}

static int it_bind_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct it_fixture *fix = data;
	struct kunit *test = fix->test;
	struct file *ifile;
	unsigned int round, cdev_wins = 0;
	long base_refs = 0;
	char path[48];
	int ifd, dfd;
	long ret;

	snprintf(path, sizeof(path), "vfio/devices/%s",
		 dev_name(&fix->vd.vdev->device));
	ifd = mdev_sdk_kunit_user_open("iommu");
	KUNIT_EXPECT_GE(test, ifd, 0);
	if (ifd < 0)
		return ifd;
	ifile = fget(ifd);
	base_refs = file_count(ifile);

	/* The bind first: a group open while bind_iommufd runs is refused. */
	dfd = mdev_sdk_kunit_user_open(path);
	KUNIT_EXPECT_GE(test, dfd, 0);
	if (dfd < 0)
		goto out;
	fix->hold_bind = true;
	it_start_group_opener(test, fix, true);
	KUNIT_EXPECT_EQ(test, it_bind_fd(user, dfd, ifd), 0L);
	wait_for_completion(&fix->group_tried);
	KUNIT_EXPECT_EQ(test, fix->group_ret, -EBUSY);
	it_close_group(fix);
	KUNIT_EXPECT_EQ(test, fix->vd.vdev->group->cdev_device_open_cnt, 1U);
	/* The bound file and its access hold references on the iommufd. */
	KUNIT_EXPECT_GT(test, file_count(ifile), base_refs);
	mdev_sdk_kunit_user_close(dfd);
	it_expect_group_idle(test, fix);
	KUNIT_EXPECT_EQ(test, file_count(ifile), base_refs);

	/* The group first: the bind is refused before reaching the driver. */
	fix->group_file = mdev_sdk_kunit_dev_open(fix->group_path, O_RDWR);
	KUNIT_EXPECT_FALSE(test, IS_ERR(fix->group_file));
	if (IS_ERR(fix->group_file)) {
		fix->group_file = NULL;
		goto out;
	}
	dfd = mdev_sdk_kunit_user_open(path);
	KUNIT_EXPECT_GE(test, dfd, 0);
	if (dfd >= 0) {
		KUNIT_EXPECT_EQ(test, it_bind_fd(user, dfd, ifd), (long)-EBUSY);
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->binds), 1);
		KUNIT_EXPECT_EQ(test, file_count(ifile), base_refs);
		it_close_group(fix);
		/* Refused, not spent: the same file binds once the group is shut. */
		KUNIT_EXPECT_EQ(test, it_bind_fd(user, dfd, ifd), 0L);
		mdev_sdk_kunit_user_close(dfd);
	}
	it_close_group(fix);
	it_expect_group_idle(test, fix);

	/*
	 * Both at once: exactly one wins, the other is told EBUSY. On odd
	 * rounds the bind waits until the opener is under way, so that
	 * each side gets to win some rounds.
	 */
	for (round = 0; round < IT_BIND_ROUNDS; round++) {
		dfd = mdev_sdk_kunit_user_open(path);
		KUNIT_EXPECT_GE(test, dfd, 0);
		if (dfd < 0)
			break;
		reinit_completion(&fix->go);
		it_start_group_opener(test, fix, false);
		complete(&fix->go);
		if (round & 1)
			wait_for_completion(&fix->opening);
		ret = it_bind_fd(user, dfd, ifd);
		wait_for_completion(&fix->group_tried);
		KUNIT_EXPECT_EQ_MSG(test, !ret + !fix->group_ret, 1,
				    "round %u: bind %ld, group open %d", round,
				    ret, fix->group_ret);
		KUNIT_EXPECT_TRUE_MSG(test, ret == -EBUSY ||
				      fix->group_ret == -EBUSY,
				      "round %u: bind %ld, group open %d", round,
				      ret, fix->group_ret);
		cdev_wins += !ret;
		it_close_group(fix);
		mdev_sdk_kunit_user_close(dfd);
		it_expect_group_idle(test, fix);
	}
	kunit_info(test, "cdev bind won %u of %u rounds\n", cdev_wins,
		   IT_BIND_ROUNDS);

out:
	/* Nothing the binds took is left on the iommufd. */
	KUNIT_EXPECT_EQ(test, file_count(ifile), base_refs);
	fput(ifile);
	mdev_sdk_kunit_user_close(ifd);
	return 0;
}

/*
 * Case 5: VFIO_DEVICE_BIND_IOMMUFD of a device's cdev against an open of
 * its group: whichever comes first wins, the other gets EBUSY, and the
 * loser leaves nothing behind (no group block, no open file, no access,
 * no iommufd reference).
 */
static void bind_against_group_open(struct kunit *test)
{
	struct it_fixture *fix = test->priv;

	KUNIT_ASSERT_EQ(test, mdev_sdk_kunit_vfio_dev_init(&fix->vd,
							   &it_vfio_ops, fix),
			0);
	snprintf(fix->group_path, sizeof(fix->group_path), "vfio/%s",
		 dev_name(&fix->vd.vdev->group->dev));
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, it_bind_user, fix,
						      0), 0);
	it_expect_group_idle(test, fix);
}

static int it_init(struct kunit *test)
{
	struct it_fixture *fix;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	mutex_init(&fix->lock);
	init_completion(&fix->pin_now);
	init_completion(&fix->pinned);
	init_completion(&fix->looping);
	init_completion(&fix->bind_in);
	init_completion(&fix->go);
	init_completion(&fix->opening);
	init_completion(&fix->group_tried);
	return 0;
}

static void it_exit(struct kunit *test)
{
	struct it_fixture *fix = test->priv;

	if (!fix)
		return;
	mdev_sdk_kunit_vfio_dev_exit(&fix->vd);
	mutex_destroy(&fix->lock);
}

static struct kunit_case mdev_sdk_iommufd_cases[] = {
	KUNIT_CASE_PARAM(unmap_against_pin, it_race_gen_params),
	KUNIT_CASE_PARAM(unmap_driver_never_unpins, it_keep_gen_params),
	KUNIT_CASE_PARAM(detach_against_pin, it_race_gen_params),
	KUNIT_CASE_PARAM(release_with_pins, it_release_gen_params),
	KUNIT_CASE(bind_against_group_open),
	{}
};

static struct kunit_suite mdev_sdk_iommufd_suite = {
	.name		= "mdev_sdk_iommufd",
	.init		= it_init,
	.exit		= it_exit,
	.test_cases	= mdev_sdk_iommufd_cases,
};

kunit_test_suite(mdev_sdk_iommufd_suite);
