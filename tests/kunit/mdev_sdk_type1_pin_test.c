// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_type1_pin: page pins of the type1 backend.
 *
 * A kernel thread plays the user process: it owns an address space, maps
 * it with VFIO_IOMMU_MAP_DMA and opens the device, whose driver (in this
 * file) pins and unpins like an mdev driver and unpins in its dma_unmap
 * callback. Whatever the order, the pins the backend keeps and the
 * owner's locked_vm come back to zero, dma_unmap is only ever delivered to
 * an open device, and RLIMIT_MEMLOCK is enforced for owners without
 * CAP_IPC_LOCK.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/vfio_core.h"
#include "../../vfio/type1/type1.h"

#define TP_PAGES	16
#define TP_IOVA		0x100000ULL
#define TP_SIZE		(TP_PAGES * PAGE_SIZE)
#define TP_MAP_R	VFIO_DMA_MAP_FLAG_READ
#define TP_MAP_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/**
 * enum tp_unmap_mode - how the driver answers dma_unmap
 * @TP_UNMAP_UNPIN: it unpins the range, as it should
 * @TP_UNMAP_REPIN: it unpins the range, then pins page 0 again from the
 *	callback, as a driver pinning in a loop against the unmap
 * @TP_UNMAP_KEEP: it unpins nothing, as a buggy driver
 * @TP_UNMAP_LATE: it unpins nothing itself, but has another thread unpin
 *	everything shortly after, as a pin in flight in another thread
 */
enum tp_unmap_mode {
	TP_UNMAP_UNPIN,
	TP_UNMAP_REPIN,
	TP_UNMAP_KEEP,
	TP_UNMAP_LATE,
};

/**
 * struct tp_fixture - state of one test
 * @test: the test
 * @vd: the device under test, whose callbacks find the fixture as priv
 * @lock: guards @pins, as a driver's lock around its pin tracking
 * @pins: the driver's pins per page of [TP_IOVA, TP_IOVA + TP_SIZE)
 * @opens: open_device calls
 * @closes: close_device calls
 * @unmaps: dma_unmap calls
 * @unmap_iova: IOVA of the last dma_unmap
 * @unmap_len: length of the last dma_unmap
 * @pin_in_unmap: on the first dma_unmap, after unpinning, have @pinner pin
 *	page 0 again, as a pin racing with the unmap would
 * @pin_now: tells @pinner to pin
 * @pinned: @pinner has pinned (or given up); completed for all waiters
 * @pinner_ret: what @pinner's vfio_pin_pages() returned
 * @unmap_mode: how every dma_unmap answers
 * @repins_ok: pins of %TP_UNMAP_REPIN that succeeded
 * @repins_einval: pins of %TP_UNMAP_REPIN refused with -EINVAL
 * @hold_close: close_device completes @closing, then waits for @close_go
 *	before it unpins
 * @closing: close_device has started
 * @close_go: lets a held close_device go on
 */
struct tp_fixture {
	struct kunit *test;
	struct mdev_sdk_kunit_vfio_dev vd;
	struct mutex lock; /* see above */
	unsigned int pins[TP_PAGES];
	atomic_t opens;
	atomic_t closes;
	atomic_t unmaps;
	u64 unmap_iova;
	u64 unmap_len;
	bool pin_in_unmap;
	struct completion pin_now;
	struct completion pinned;
	int pinner_ret;
	enum tp_unmap_mode unmap_mode;
	atomic_t repins_ok;
	atomic_t repins_einval;
	bool hold_close;
	struct completion closing;
	struct completion close_go;
};

static struct tp_fixture *tp_fixture_of(struct vfio_device *vdev)
{
	return mdev_sdk_kunit_vfio_priv(vdev);
}

static struct vfio_device *tp_vdev(struct tp_fixture *fix)
{
	return fix->vd.vdev;
}

/* Pin pages [first, first + npage) for the driver. */
static int tp_pin(struct tp_fixture *fix, unsigned int first, int npage,
		  int prot, struct page **pages)
{
	int ret, i;

	mutex_lock(&fix->lock);
	ret = vfio_pin_pages(tp_vdev(fix), TP_IOVA + first * PAGE_SIZE, npage,
			     prot, pages);
	for (i = 0; ret > 0 && i < ret; i++)
		fix->pins[first + i]++;
	mutex_unlock(&fix->lock);
	return ret;
}

static void tp_unpin(struct tp_fixture *fix, unsigned int first, int npage)
{
	int i;

	mutex_lock(&fix->lock);
	vfio_unpin_pages(tp_vdev(fix), TP_IOVA + first * PAGE_SIZE, npage);
	for (i = 0; i < npage; i++)
		fix->pins[first + i]--;
	mutex_unlock(&fix->lock);
}

/* Drop every pin the driver holds in [iova, iova + len). */
static void tp_unpin_range(struct tp_fixture *fix, u64 iova, u64 len)
{
	unsigned int i;

	mutex_lock(&fix->lock);
	for (i = 0; i < TP_PAGES; i++) {
		u64 page = TP_IOVA + i * PAGE_SIZE;

		if (page < iova || page - iova >= len)
			continue;
		for (; fix->pins[i]; fix->pins[i]--)
			vfio_unpin_pages(tp_vdev(fix), page, 1);
	}
	mutex_unlock(&fix->lock);
}

static unsigned int tp_driver_pins(struct tp_fixture *fix)
{
	unsigned int i, n = 0;

	mutex_lock(&fix->lock);
	for (i = 0; i < TP_PAGES; i++)
		n += fix->pins[i];
	mutex_unlock(&fix->lock);
	return n;
}

static int tp_open_device(struct vfio_device *vdev)
{
	atomic_inc(&tp_fixture_of(vdev)->opens);
	return 0;
}

static void tp_close_device(struct vfio_device *vdev)
{
	struct tp_fixture *fix = tp_fixture_of(vdev);

	if (fix->hold_close) {
		complete(&fix->closing);
		if (!wait_for_completion_timeout(&fix->close_go,
						 MDEV_SDK_KUNIT_WAIT))
			KUNIT_FAIL(fix->test, "close_device never let go");
	}
	/* A driver drops its pins before close_device returns. */
	tp_unpin_range(fix, 0, U64_MAX);
	atomic_inc(&fix->closes);
}

/* Pins page 0 again from dma_unmap, and counts how that went. */
static void tp_repin(struct tp_fixture *fix)
{
	struct page *page;
	int ret = tp_pin(fix, 0, 1, IOMMU_READ, &page);

	if (ret == 1)
		atomic_inc(&fix->repins_ok);
	else if (ret == -EINVAL)
		atomic_inc(&fix->repins_einval);
	else
		KUNIT_FAIL(fix->test, "re-pin in dma_unmap returned %d", ret);
}

static void tp_dma_unmap(struct vfio_device *vdev, u64 iova, u64 length)
{
	struct tp_fixture *fix = tp_fixture_of(vdev);
	struct kunit *test = fix->test;

	/* Only delivered between open_device and close_device. */
	KUNIT_EXPECT_GT(test, atomic_read(&fix->opens),
			atomic_read(&fix->closes));
	fix->unmap_iova = iova;
	fix->unmap_len = length;
	switch (fix->unmap_mode) {
	case TP_UNMAP_UNPIN:
		tp_unpin_range(fix, iova, length);
		break;
	case TP_UNMAP_REPIN:
		tp_unpin_range(fix, iova, length);
		tp_repin(fix);
		break;
	case TP_UNMAP_KEEP:
		break;
	case TP_UNMAP_LATE:
		atomic_inc(&fix->unmaps);
		complete(&fix->pin_now);
		return;
	}

	if (atomic_inc_return(&fix->unmaps) == 1 && fix->pin_in_unmap) {
		complete(&fix->pin_now);
		if (!wait_for_completion_timeout(&fix->pinned,
						 MDEV_SDK_KUNIT_WAIT))
			KUNIT_FAIL(test, "the racing pin never came");
	}
}

static const struct vfio_device_ops tp_ops = {
	.name		= "mdev_sdk_kunit_tp",
	.open_device	= tp_open_device,
	.close_device	= tp_close_device,
	.dma_unmap	= tp_dma_unmap,
};

/* The backend's state; only stable while the device is open. */
static struct type1_iommu *tp_iommu(struct tp_fixture *fix)
{
	return tp_vdev(fix)->group->container->iommu_data;
}

/* Pin entries the backend tracks for the fixture's mapping. */
static unsigned int tp_backend_pins(struct type1_iommu *iommu)
{
	struct type1_dma *dma;
	struct type1_pin *pin;
	unsigned long index;
	unsigned int n = 0;

	mutex_lock(&iommu->lock);
	dma = type1_dma_find(iommu, TP_IOVA);
	if (dma)
		xa_for_each(&dma->pins, index, pin)
			n++;
	mutex_unlock(&iommu->lock);
	return n;
}

static unsigned long tp_npinned(struct type1_iommu *iommu)
{
	struct type1_dma *dma;
	unsigned long n;

	mutex_lock(&iommu->lock);
	dma = type1_dma_find(iommu, TP_IOVA);
	n = dma ? dma->npinned : 0;
	mutex_unlock(&iommu->lock);
	return n;
}

/**
 * struct tp_user - a case's user process, as the case's body sees it
 * @user: the thread playing the process
 * @fix: the test's fixture
 * @test: the test
 * @body: what the case does once the device is open and memory mapped;
 *	its return value is the process's
 * @iommu_type: VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU
 * @map_flags: VFIO_DMA_MAP_FLAG_* of the mapping
 * @fds: the device, its group and its container
 * @vaddr: TP_SIZE of the process's memory, for the mapping at TP_IOVA
 * @iommu: the backend's state, stable while the device is open
 * @exit_holding: the body leaves every fd for the process's exit to close
 */
struct tp_user {
	struct mdev_sdk_kunit_user *user;
	struct tp_fixture *fix;
	struct kunit *test;
	int (*body)(struct tp_user *tu);
	unsigned long iommu_type;
	u32 map_flags;
	struct mdev_sdk_kunit_vfio_fds fds;
	unsigned long vaddr;
	struct type1_iommu *iommu;
	bool exit_holding;
};

static unsigned long tp_locked(struct tp_user *tu)
{
	return READ_ONCE(tu->user->mm->locked_vm);
}

/* Maps @tu->vaddr at @iova. */
static int tp_map_at(struct tp_user *tu, u64 iova, u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = tu->vaddr,
		.iova = iova,
		.size = TP_SIZE,
	};

	return mdev_sdk_kunit_user_ioctl_buf(tu->user, tu->fds.container,
					     VFIO_IOMMU_MAP_DMA, &map,
					     sizeof(map));
}

/* Maps @tu->vaddr at TP_IOVA. */
static int tp_map(struct tp_user *tu, u32 flags)
{
	return tp_map_at(tu, TP_IOVA, flags);
}

/* Returns the ioctl's errno, or the bytes unmapped. */
static s64 tp_unmap(struct tp_user *tu, u64 iova, u64 size, u32 flags)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = flags,
		.iova = iova,
		.size = size,
	};
	long ret;

	ret = mdev_sdk_kunit_user_ioctl_buf(tu->user, tu->fds.container,
					    VFIO_IOMMU_UNMAP_DMA, &unmap,
					    sizeof(unmap));
	return ret ? ret : unmap.size;
}

/*
 * Unmaps the whole mapping with the driver answering dma_unmap as @mode
 * says, and as it should from then on; returns what tp_unmap() returned.
 */
static s64 tp_unmap_as(struct tp_user *tu, enum tp_unmap_mode mode)
{
	s64 ret;

	tu->fix->unmap_mode = mode;
	ret = tp_unmap(tu, TP_IOVA, TP_SIZE, 0);
	tu->fix->unmap_mode = TP_UNMAP_UNPIN;
	return ret;
}

/* Pins [first, first + npage) read-only for the driver: all of them. */
static void tp_expect_pin(struct tp_user *tu, unsigned int first, int npage)
{
	struct page *pages[TP_PAGES];

	KUNIT_EXPECT_EQ_MSG(tu->test,
			    tp_pin(tu->fix, first, npage, IOMMU_READ, pages),
			    npage, "pinning %d pages from page %u", npage, first);
}

/* The driver holds no pin, and nothing stays charged to the process. */
static void tp_expect_unpinned(struct tp_user *tu)
{
	KUNIT_EXPECT_EQ(tu->test, tp_driver_pins(tu->fix), 0);
	KUNIT_EXPECT_EQ(tu->test, tp_locked(tu), 0);
}

static int tp_init(struct kunit *test)
{
	struct tp_fixture *fix;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	mutex_init(&fix->lock);
	init_completion(&fix->pin_now);
	init_completion(&fix->pinned);
	init_completion(&fix->closing);
	init_completion(&fix->close_go);
	return mdev_sdk_kunit_vfio_dev_init(&fix->vd, &tp_ops, fix);
}

static void tp_exit(struct kunit *test)
{
	struct tp_fixture *fix = test->priv;

	if (!fix)
		return;
	mdev_sdk_kunit_vfio_dev_exit(&fix->vd);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens),
			atomic_read(&fix->closes));
	mutex_destroy(&fix->lock);
}

/*
 * The process of a case: it opens the device as QEMU would and maps memory
 * before the case's body can pin, and closes what the body left open. A
 * failed setup fails the case, which then has nothing to test.
 */
static int tp_user_main(struct mdev_sdk_kunit_user *user, void *data)
{
	struct tp_user *tu = data;
	int ret;

	tu->user = user;
	ret = mdev_sdk_kunit_user_vfio_expect_open(user, tp_vdev(tu->fix),
						   tu->iommu_type, &tu->fds);
	if (ret)
		goto out_close;
	tu->iommu = tp_iommu(tu->fix);
	tu->vaddr = mdev_sdk_kunit_user_mmap(TP_SIZE);
	ret = tp_map(tu, tu->map_flags);
	KUNIT_EXPECT_EQ(tu->test, ret, 0);
	if (!ret)
		ret = tu->body(tu);
out_close:
	if (!tu->exit_holding)
		mdev_sdk_kunit_user_vfio_close(&tu->fds);
	return ret;
}

/* Runs @body in a process of its own, which must see it through. */
static void tp_run(struct kunit *test, int (*body)(struct tp_user *tu),
		   unsigned long iommu_type, u32 map_flags,
		   unsigned long memlock_pages)
{
	struct tp_user tu = {
		.fix = test->priv,
		.test = test,
		.body = body,
		.iommu_type = iommu_type,
		.map_flags = map_flags,
	};

	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, tp_user_main, &tu,
						      memlock_pages), 0);
}

/* The process is gone: it closed the device once, which dropped every pin. */
static void tp_expect_closed(struct kunit *test)
{
	struct tp_fixture *fix = test->priv;

	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
	KUNIT_EXPECT_EQ(test, tp_driver_pins(fix), 0);
}

/*
 * Runs @body in a process of its own, with CAP_IPC_LOCK, a Type1v2
 * container and a mapping made with @map_flags; the process must see it
 * through and, once gone, have closed the device and dropped every pin.
 */
static void tp_run_closed(struct kunit *test, int (*body)(struct tp_user *tu),
			  u32 map_flags)
{
	tp_run(test, body, VFIO_TYPE1v2_IOMMU, map_flags, 0);
	tp_expect_closed(test);
}

/**
 * struct tp_balance_param - how pins are taken in pin_unpin_balance
 * @desc: name of the parameter in the test log
 * @npage: pages pinned in one call
 * @times: how often the same pages are pinned (and unpinned)
 */
struct tp_balance_param {
	const char *desc;
	int npage;
	int times;
};

static const struct tp_balance_param tp_balance_params[] = {
	{ "1 page once", 1, 1 },
	{ "4 pages once", 4, 1 },
	{ "16 pages once", TP_PAGES, 1 },
	{ "4 pages three times", 4, 3 },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(tp_balance, tp_balance_params);

static int tp_balance_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	const struct tp_balance_param *param = test->param_value;
	struct page *pages[TP_PAGES], *first[TP_PAGES];
	u32 magic = 0x6d646576, seen = 0;
	void *kaddr;
	int ret, t, i;

	KUNIT_EXPECT_FALSE(test, IS_ERR_VALUE(tu->vaddr));
	for (t = 0; t < param->times; t++) {
		ret = tp_pin(fix, 0, param->npage, IOMMU_READ | IOMMU_WRITE,
			     pages);
		KUNIT_EXPECT_EQ(test, ret, param->npage);
		for (i = 0; ret > 0 && i < param->npage; i++) {
			if (!t)
				first[i] = pages[i];
			KUNIT_EXPECT_PTR_EQ(test, pages[i], first[i]);
		}
		/* Each page is pinned and charged once, however often. */
		KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), param->npage);
		KUNIT_EXPECT_EQ(test, tp_npinned(tu->iommu), param->npage);
		KUNIT_EXPECT_EQ(test, tp_locked(tu), param->npage);
	}

	/* The pinned page is the user's memory. */
	kaddr = kmap_local_page(first[0]);
	memcpy(kaddr, &magic, sizeof(magic));
	kunmap_local(kaddr);
	KUNIT_EXPECT_EQ(test, copy_from_user(&seen, (void __user *)tu->vaddr,
					     sizeof(seen)), 0);
	KUNIT_EXPECT_EQ(test, seen, magic);

	for (t = 0; t < param->times; t++) {
		KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), param->npage);
		tp_unpin(fix, 0, param->npage);
	}
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 0);
	KUNIT_EXPECT_EQ(test, tp_npinned(tu->iommu), 0);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);

	/* Nothing pinned, so nothing to ask the driver. */
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), TP_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 0);
	return 0;
}

/* Pins and unpins balance: no page stays pinned, nothing stays charged. */
static void pin_unpin_balance(struct kunit *test)
{
	tp_run_closed(test, tp_balance_user, TP_MAP_RW);
}

/**
 * struct tp_unmap_param - how the user unmaps in dma_unmap_releases_pins
 * @desc: name of the parameter in the test log
 * @all: with VFIO_DMA_UNMAP_FLAG_ALL rather than the mapping's range
 * @pin_in_unmap: a pin lands while the driver handles dma_unmap
 */
struct tp_unmap_param {
	const char *desc;
	bool all;
	bool pin_in_unmap;
};

static const struct tp_unmap_param tp_unmap_params[] = {
	{ "unmap the range", false, false },
	{ "unmap all", true, false },
	{ "unmap the range, racing pin", false, true },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(tp_unmap, tp_unmap_params);

/* Pins page 0 when told, from a thread other than the owner's. */
static int tp_pinner(void *data)
{
	struct tp_fixture *fix = data;
	struct page *page;

	if (wait_for_completion_timeout(&fix->pin_now, MDEV_SDK_KUNIT_WAIT))
		fix->pinner_ret = tp_pin(fix, 0, 1, IOMMU_READ, &page);
	else
		fix->pinner_ret = -ETIMEDOUT;
	complete_all(&fix->pinned);
	return 0;
}

static int tp_unmap_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	const struct tp_unmap_param *param = test->param_value;
	struct page *pages[TP_PAGES];
	struct task_struct *pinner;
	s64 unmapped;

	KUNIT_EXPECT_EQ(test, tp_pin(fix, 2, 4, IOMMU_READ, pages), 4);
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 3, 1, IOMMU_WRITE, pages), 1);
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 4);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 4);

	if (param->pin_in_unmap) {
		fix->pin_in_unmap = true;
		pinner = kthread_run(tp_pinner, fix, "mdev_sdk_pinner");
		KUNIT_EXPECT_FALSE(test, IS_ERR(pinner));
		if (IS_ERR(pinner))
			complete_all(&fix->pinned);
	}

	if (param->all)
		unmapped = tp_unmap(tu, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL);
	else
		unmapped = tp_unmap(tu, TP_IOVA, TP_SIZE, 0);
	KUNIT_EXPECT_EQ(test, unmapped, TP_SIZE);

	if (param->pin_in_unmap) {
		wait_for_completion(&fix->pinned);
		/*
		 * The unmap had begun: the racing pin finds the IOVA as good
		 * as unmapped, so one round is enough.
		 */
		KUNIT_EXPECT_EQ(test, fix->pinner_ret, -EINVAL);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 1);
	KUNIT_EXPECT_EQ(test, fix->unmap_iova, TP_IOVA);
	KUNIT_EXPECT_EQ(test, fix->unmap_len, TP_SIZE);
	tp_expect_unpinned(tu);
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 0);

	/* The mapping is gone with its pins. */
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 2, 1, IOMMU_READ, pages), -EINVAL);
	return 0;
}

/* dma_unmap makes the driver unpin, and the unmap then completes. */
static void dma_unmap_releases_pins(struct kunit *test)
{
	tp_run_closed(test, tp_unmap_user, TP_MAP_RW);
}

/* Its own process: the device is opened only halfway through. */
static int tp_before_open_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct tp_user *tu = data;
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	struct page *pages[2];
	int ret;

	tu->user = user;
	ret = mdev_sdk_kunit_user_vfio_open_group(user, tp_vdev(fix),
						  VFIO_TYPE1v2_IOMMU, &tu->fds);
	KUNIT_EXPECT_EQ(test, ret, 0);
	if (ret)
		goto out_close;

	tu->vaddr = mdev_sdk_kunit_user_mmap(TP_SIZE);
	KUNIT_EXPECT_EQ(test, tp_map(tu, TP_MAP_R), 0);
	/* A device that is not open can neither pin nor be told to unpin. */
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 0, 1, IOMMU_READ, pages), -EINVAL);
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), TP_SIZE);
	/* Unmapping what is not mapped removes nothing and is no error. */
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), 0);
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 0);

	/* Now open it, pin, and close it with the pins held. */
	KUNIT_EXPECT_EQ(test, tp_map(tu, TP_MAP_R), 0);
	ret = mdev_sdk_kunit_user_get_device(user, tp_vdev(fix), tu->fds.group);
	KUNIT_EXPECT_GE(test, ret, 0);
	if (ret < 0)
		goto out_close;
	tu->fds.device = ret;
	tp_expect_pin(tu, 0, 2);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 2);
	mdev_sdk_kunit_user_close(tu->fds.device);
	tu->fds.device = -1;
	tp_expect_unpinned(tu);

	/* Closed again: the unmap no longer reaches the driver. */
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), TP_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 0);
	ret = 0;
out_close:
	mdev_sdk_kunit_user_vfio_close(&tu->fds);
	return ret;
}

/* Maps and unmaps before open_device are tolerated and not delivered. */
static void dma_unmap_before_open(struct kunit *test)
{
	struct tp_fixture *fix = test->priv;
	struct tp_user tu = { .fix = fix, .test = test };

	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_run(test, tp_before_open_user,
						      &tu, 0), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->opens), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->closes), 1);
}

static int tp_rlimit_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	struct page *pages[4] = {};
	int i;

	/* Three pages over a limit of two: all or nothing. */
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 0, 3, IOMMU_READ, pages), -ENOMEM);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_NULL(test, pages[i]);
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 0);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);

	KUNIT_EXPECT_EQ(test, tp_pin(fix, 0, 2, IOMMU_READ, pages), 2);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 2);
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 2, 1, IOMMU_READ, pages), -ENOMEM);
	/* Pinning a pinned page again charges nothing. */
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 1, 1, IOMMU_READ, pages), 1);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 2);

	tp_unpin(fix, 1, 1);
	tp_unpin(fix, 0, 2);
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 0);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);
	KUNIT_EXPECT_EQ(test, tp_pin(fix, 2, 2, IOMMU_READ, pages), 2);
	tp_unpin(fix, 2, 2);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);
	return 0;
}

/* Without CAP_IPC_LOCK, pins are bounded by RLIMIT_MEMLOCK. */
static void rlimit_memlock(struct kunit *test)
{
	tp_run(test, tp_rlimit_user, VFIO_TYPE1v2_IOMMU, TP_MAP_R, 2);
}

static int tp_bad_user(struct tp_user *tu)
{
	struct vfio_device *vdev = tp_vdev(tu->fix);
	struct kunit *test = tu->test;
	struct page *pages[1];

	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, TP_IOVA + TP_SIZE, 1,
					     IOMMU_READ, pages), -EINVAL);
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, TP_IOVA, 1, IOMMU_WRITE,
					     pages), -EPERM);
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, TP_IOVA, 0, IOMMU_READ,
					     pages), -EINVAL);
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, TP_IOVA, 1, IOMMU_READ,
					     NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, TP_IOVA,
					     VFIO_PIN_PAGES_MAX_ENTRIES + 1,
					     IOMMU_READ, pages), -E2BIG);
	/* A mapping that would cross the end of the IOVA space. */
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(vdev, U64_MAX & PAGE_MASK, 2,
					     IOMMU_READ, pages), -EINVAL);
	KUNIT_EXPECT_EQ(test, tp_backend_pins(tu->iommu), 0);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);

	/* Unmaps that would split the v2 mapping are refused. */
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, PAGE_SIZE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA + PAGE_SIZE, TP_SIZE, 0),
			-EINVAL);
	return 0;
}

/* Bad pin requests are refused and leave nothing pinned or charged. */
static void bad_pins_refused(struct kunit *test)
{
	tp_run(test, tp_bad_user, VFIO_TYPE1v2_IOMMU, TP_MAP_R, 0);
}

static int tp_v1_user(struct tp_user *tu)
{
	struct kunit *test = tu->test;
	struct page *pages[1];

	KUNIT_EXPECT_EQ(test, tp_pin(tu->fix, 0, 1, IOMMU_READ, pages),
			-EACCES);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 0);
	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), TP_SIZE);
	return 0;
}

/* A Type1 (v1) container does not pin, as upstream. */
static void v1_container_refuses_pins(struct kunit *test)
{
	tp_run(test, tp_v1_user, VFIO_TYPE1_IOMMU, TP_MAP_R, 0);
}

static int tp_exit_user(struct tp_user *tu)
{
	struct page *pages[4];

	KUNIT_EXPECT_EQ(tu->test, tp_pin(tu->fix, 0, 4, IOMMU_WRITE, pages), 4);
	/* Exits with the mapping, the pins and every fd still held. */
	tu->exit_holding = true;
	return 0;
}

static struct type1_owner *tp_owner_at(struct tp_user *tu, u64 iova)
{
	struct type1_owner *owner = NULL;
	struct type1_dma *dma;

	mutex_lock(&tu->iommu->lock);
	dma = type1_dma_find(tu->iommu, iova);
	if (dma)
		owner = dma->owner;
	mutex_unlock(&tu->iommu->lock);
	return owner;
}

static int tp_owner_user(struct tp_user *tu)
{
	struct kunit *test = tu->test;
	struct type1_owner *first, *third;
	struct page *pages[1];
	struct cred *cred;

	/*
	 * Same process, same credentials: one record, counted per mapping.
	 * This runs in the process's thread: expectations only, no asserts.
	 */
	KUNIT_EXPECT_EQ(test, tp_map_at(tu, TP_IOVA + TP_SIZE, TP_MAP_R), 0);
	first = tp_owner_at(tu, TP_IOVA);
	KUNIT_EXPECT_NOT_NULL(test, first);
	if (!first)
		return -EINVAL;
	KUNIT_EXPECT_PTR_EQ(test, tp_owner_at(tu, TP_IOVA + TP_SIZE), first);
	KUNIT_EXPECT_EQ(test, refcount_read(&first->ref), 3);
	KUNIT_EXPECT_TRUE(test, first->lock_cap);

	/* New credentials without CAP_IPC_LOCK, and no memlock to spare. */
	cred = prepare_creds();
	KUNIT_EXPECT_NOT_NULL(test, cred);
	if (!cred)
		return -ENOMEM;
	cap_lower(cred->cap_effective, CAP_IPC_LOCK);
	commit_creds(cred);
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_MEMLOCK].rlim_cur = 0;
	task_unlock(current->group_leader);

	KUNIT_EXPECT_EQ(test, tp_map_at(tu, TP_IOVA + 2 * TP_SIZE, TP_MAP_R),
			0);
	third = tp_owner_at(tu, TP_IOVA + 2 * TP_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, third);
	if (!third)
		return -EINVAL;
	KUNIT_EXPECT_PTR_NE(test, third, first);
	KUNIT_EXPECT_FALSE(test, third->lock_cap);
	/* The container let go of the old record for the new one. */
	KUNIT_EXPECT_EQ(test, refcount_read(&first->ref), 2);

	/* Each mapping keeps the capability it was made with. */
	KUNIT_EXPECT_EQ(test, vfio_pin_pages(tp_vdev(tu->fix),
					     TP_IOVA + 2 * TP_SIZE, 1,
					     IOMMU_READ, pages), -ENOMEM);
	KUNIT_EXPECT_EQ(test, tp_pin(tu->fix, 0, 1, IOMMU_READ, pages), 1);
	tp_unpin(tu->fix, 0, 1);

	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA + TP_SIZE, TP_SIZE, 0),
			TP_SIZE);
	KUNIT_EXPECT_EQ(test, refcount_read(&first->ref), 1);
	return 0;
}

/*
 * MAP_DMA shares one owner record among the mappings of a process until
 * its credentials change, and each mapping is charged by its own record.
 */
static void owner_follows_credentials(struct kunit *test)
{
	tp_run(test, tp_owner_user, VFIO_TYPE1v2_IOMMU, TP_MAP_R, 0);
}

/*
 * The owner exits holding pins: its address space goes first, then its
 * fds, whose close makes the driver unpin; the container then drops the
 * mapping with the last reference to the address space.
 */
static void process_exit_with_pins(struct kunit *test)
{
	struct tp_fixture *fix = test->priv;

	tp_run_closed(test, tp_exit_user, TP_MAP_RW);
	KUNIT_EXPECT_NULL(test, tp_vdev(fix)->group->container);
}

/**
 * struct tp_unmapper - a second thread of the user process
 * @fix: the test's fixture
 * @mm: the process's address space, referenced
 * @container: the process's container file, referenced
 * @uaddr: user memory of @mm for the ioctl argument
 * @ret: what VFIO_IOMMU_UNMAP_DMA returned, or the bytes it unmapped
 * @done: the thread is done with everything above
 */
struct tp_unmapper {
	struct tp_fixture *fix;
	struct mm_struct *mm;
	struct file *container;
	unsigned long uaddr;
	s64 ret;
	struct completion done;
};

/* Unmaps the whole mapping as soon as close_device has started. */
static int tp_unmapper_thread(void *data)
{
	struct tp_unmapper *um = data;
	struct tp_fixture *fix = um->fix;
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = TP_IOVA,
		.size = TP_SIZE,
	};
	void __user *uarg = (void __user *)um->uaddr;

	um->ret = -ETIMEDOUT;
	kthread_use_mm(um->mm);
	if (wait_for_completion_timeout(&fix->closing, MDEV_SDK_KUNIT_WAIT)) {
		if (copy_to_user(uarg, &unmap, sizeof(unmap))) {
			um->ret = -EFAULT;
		} else {
			um->ret = vfs_ioctl(um->container, VFIO_IOMMU_UNMAP_DMA,
					    um->uaddr);
			if (!um->ret && copy_from_user(&unmap, uarg,
						       sizeof(unmap)))
				um->ret = -EFAULT;
			else if (!um->ret)
				um->ret = unmap.size;
		}
	}
	complete(&fix->close_go);
	kthread_unuse_mm(um->mm);
	complete(&um->done);
	return 0;
}

static int tp_close_unmap_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	struct tp_unmapper um = { .fix = fix, .mm = tu->user->mm };
	struct task_struct *task;

	init_completion(&um.done);
	tp_expect_pin(tu, 0, 2);

	/*
	 * The other thread unmaps while this one is in close_device, with
	 * its ioctl argument in a page of its own: the scratch page is ours.
	 */
	um.uaddr = mdev_sdk_kunit_user_mmap(PAGE_SIZE);
	um.container = fget(tu->fds.container);
	mmget(um.mm);
	fix->hold_close = true;
	task = kthread_run(tp_unmapper_thread, &um, "mdev_sdk_unmapper");
	if (IS_ERR(task)) {
		KUNIT_FAIL(test, "no unmapping thread: %ld", PTR_ERR(task));
		complete(&fix->close_go);
		complete(&um.done);
	}
	mdev_sdk_kunit_user_close(tu->fds.device);
	tu->fds.device = -1;
	wait_for_completion(&um.done);
	mmput(um.mm);
	fput(um.container);

	/*
	 * The device was closing and about to unpin: the unmap must get
	 * through, with or without asking it, and not blame the driver.
	 */
	KUNIT_EXPECT_EQ(test, um.ret, TP_SIZE);
	tp_expect_unpinned(tu);
	return 0;
}

/* An unmap from one thread while another closes the device. */
static void unmap_during_close(struct kunit *test)
{
	tp_run_closed(test, tp_close_unmap_user, TP_MAP_R);
}

static int tp_keep_pins_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;

	tp_expect_pin(tu, 0, 4);
	/* Refused with the documented errno, and no WARN (the run checks). */
	KUNIT_EXPECT_EQ(test, tp_unmap_as(tu, TP_UNMAP_KEEP), -EBUSY);
	KUNIT_EXPECT_GE(test, atomic_read(&fix->unmaps), 2);
	KUNIT_EXPECT_EQ(test, tp_npinned(tu->iommu), 4UL);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 4UL);
	/* The refused unmap leaves a mapping as usable as before it. */
	tp_expect_pin(tu, 5, 1);
	KUNIT_EXPECT_EQ(test, tp_locked(tu), 5UL);

	KUNIT_EXPECT_EQ(test, tp_unmap(tu, TP_IOVA, TP_SIZE, 0), TP_SIZE);
	tp_expect_unpinned(tu);
	return 0;
}

/*
 * Issue 16, item 3: a driver that keeps its pins gets the unmap refused
 * with -EBUSY and a warning, never a WARN: a user can make an honest
 * driver look like that one (see repin_every_round).
 */
static void unmap_refused_without_warn(struct kunit *test)
{
	tp_run_closed(test, tp_keep_pins_user, TP_MAP_R);
}

static int tp_repin_user(struct tp_user *tu)
{
	tp_expect_pin(tu, 0, 2);
	KUNIT_EXPECT_EQ(tu->test, tp_unmap_as(tu, TP_UNMAP_REPIN), TP_SIZE);
	tp_expect_unpinned(tu);
	return 0;
}

/*
 * Issue 16, item 3: pins racing an unmap, here one in each dma_unmap
 * round, used to outlast the notify rounds: -EBUSY and a WARN, from a
 * driver that unpins everything it is asked to.
 */
static void repin_every_round(struct kunit *test)
{
	struct tp_fixture *fix = test->priv;

	tp_run_closed(test, tp_repin_user, TP_MAP_R);
	/* Once its unmap began, the mapping took no new pin: one round. */
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->repins_ok), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->repins_einval), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 1);
}

/* Unpins everything a little after dma_unmap returned. */
static int tp_late_unpinner(void *data)
{
	struct tp_fixture *fix = data;

	if (wait_for_completion_timeout(&fix->pin_now, MDEV_SDK_KUNIT_WAIT)) {
		msleep(50);
		tp_unpin_range(fix, 0, U64_MAX);
	}
	complete_all(&fix->pinned);
	return 0;
}

static int tp_late_unpin_user(struct tp_user *tu)
{
	struct tp_fixture *fix = tu->fix;
	struct kunit *test = tu->test;
	struct task_struct *task;

	tp_expect_pin(tu, 0, 2);
	task = kthread_run(tp_late_unpinner, fix, "mdev_sdk_unpinner");
	KUNIT_EXPECT_FALSE(test, IS_ERR(task));
	if (IS_ERR(task))
		return PTR_ERR(task);
	/* The pins in flight drain while type1 waits: no second round. */
	KUNIT_EXPECT_EQ(test, tp_unmap_as(tu, TP_UNMAP_LATE), TP_SIZE);
	wait_for_completion(&fix->pinned);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->unmaps), 1);
	tp_expect_unpinned(tu);
	return 0;
}

/*
 * Issue 16, item 3: a pin the dma_unmap callback could not see (taken by
 * another thread just before the unmap began) is let go of a little later;
 * the unmap waits for it rather than spend its rounds at once.
 */
static void unmap_waits_for_pins_in_flight(struct kunit *test)
{
	tp_run_closed(test, tp_late_unpin_user, TP_MAP_R);
}

static struct kunit_case mdev_sdk_type1_pin_cases[] = {
	KUNIT_CASE_PARAM(pin_unpin_balance, tp_balance_gen_params),
	KUNIT_CASE_PARAM(dma_unmap_releases_pins, tp_unmap_gen_params),
	KUNIT_CASE(dma_unmap_before_open),
	KUNIT_CASE(rlimit_memlock),
	KUNIT_CASE(bad_pins_refused),
	KUNIT_CASE(v1_container_refuses_pins),
	KUNIT_CASE(process_exit_with_pins),
	KUNIT_CASE(owner_follows_credentials),
	KUNIT_CASE(unmap_during_close),
	KUNIT_CASE(unmap_refused_without_warn),
	KUNIT_CASE(repin_every_round),
	KUNIT_CASE(unmap_waits_for_pins_in_flight),
	{}
};

static struct kunit_suite mdev_sdk_type1_pin_suite = {
	.name		= "mdev_sdk_type1_pin",
	.init		= tp_init,
	.exit		= tp_exit,
	.test_cases	= mdev_sdk_type1_pin_cases,
};

kunit_test_suite(mdev_sdk_type1_pin_suite);
