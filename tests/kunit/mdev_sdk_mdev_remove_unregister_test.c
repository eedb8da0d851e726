// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_mdev_remove_unregister: removing mediated devices
 * through their sysfs "remove" files while their parent unregisters.
 *
 * The parent's state is freed (and its device unregistered) as soon as
 * mdev_unregister_parent() returns, as a driver's module exit would, so
 * KASAN reports any later touch of it. Removers keep writing to files they
 * opened before; once the devices are gone every write must fail with
 * -ENODEV without reaching the core.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/mdev.h>
#include <linux/slab.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/mdev/mdev_private.h"

#define RU_TAG		0x4e
#define RU_DEVICES	16
#define RU_MAX_REMOVERS	4

/**
 * struct ru_param - one shape of the race
 * @desc: name of the parameter in the test log
 * @removers: threads writing to "remove" files
 * @vfio: the driver registers a vfio_device per mdev, as mtty does
 * @head_start: removals that succeed before the unregistration starts
 */
struct ru_param {
	const char *desc;
	unsigned int removers;
	bool vfio;
	unsigned int head_start;
};

static const struct ru_param ru_params[] = {
	{ "1 remover", 1, false, 0 },
	{ "4 removers", 4, false, 0 },
	{ "4 removers, 4 removed first", 4, false, 4 },
	{ "4 removers, vfio", 4, true, 0 },
	{ "4 removers, vfio, 4 removed first", 4, true, 4 },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(ru, ru_params);

struct ru_fixture;

/**
 * struct ru_parent - the parent's state, freed right after unregistration
 * @p: the parent
 * @fix: the test's fixture, which outlives it
 */
struct ru_parent {
	struct mdev_sdk_kunit_parent p;
	struct ru_fixture *fix;
};

/**
 * struct ru_fixture - state of one test
 * @test: the test
 * @parent: the parent, or NULL once freed
 * @cnt: the driver's counts, and whether probe registers a vfio_device
 * @removers: number of removing threads
 * @head_start: see &struct ru_param
 * @remove: each remover's open "remove" file of each device
 * @results: what each remover's write returned, by device
 * @removed_by_user: successful writes
 * @remove_calls: remove calls, per device
 * @held: vfio_device of device 0, which a user holds open
 * @opened: the user holds @held open
 * @removal_waiting: the removal of device 0 asked the user to let go
 * @create_ret: what a creation returned while the unregistration waited
 */
struct ru_fixture {
	struct kunit *test;
	struct ru_parent *parent;
	struct mdev_sdk_kunit_count cnt;
	unsigned int removers;
	unsigned int head_start;
	struct file *remove[RU_MAX_REMOVERS][RU_DEVICES];
	int results[RU_MAX_REMOVERS][RU_DEVICES];
	atomic_t removed_by_user;
	atomic_t remove_calls[RU_DEVICES];
	struct vfio_device *held;
	struct completion opened;
	struct completion removal_waiting;
	int create_ret;
};

static struct ru_fixture *ru_fixture_of(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct ru_parent, p.mtype)->fix;
}

/* The UUIDs of this suite end in the device's index. */
static unsigned int ru_index(struct mdev_device *mdev)
{
	return mdev->uuid.b[15];
}

static int ru_probe(struct mdev_device *mdev)
{
	return mdev_sdk_kunit_count_probe(&ru_fixture_of(mdev)->cnt, mdev);
}

static void ru_remove(struct mdev_device *mdev)
{
	struct ru_fixture *fix = ru_fixture_of(mdev);

	mdev_sdk_kunit_count_remove(&fix->cnt, mdev);
	KUNIT_EXPECT_LT(fix->test, ru_index(mdev), RU_DEVICES);
	if (ru_index(mdev) < RU_DEVICES)
		atomic_inc(&fix->remove_calls[ru_index(mdev)]);
}

DEFINE_MDEV_SDK_KUNIT_DRIVER(ru, RU_DEVICES);

/* As a driver's exit would: unregister, then free everything at once. */
static void ru_unregister_and_free(struct ru_fixture *fix)
{
	struct ru_parent *parent = fix->parent;

	mdev_sdk_kunit_parent_destroy(&parent->p);
	fix->parent = NULL;
	kfree(parent);
}

static int ru_init(struct kunit *test)
{
	const struct ru_param *param = test->param_value;
	struct ru_fixture *fix;
	unsigned int i;
	guid_t uuid;
	int ret;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	fix->removers = 1;
	init_completion(&fix->opened);
	init_completion(&fix->removal_waiting);
	if (param) {
		fix->removers = param->removers;
		fix->cnt.vfio = param->vfio;
		fix->head_start = param->head_start;
	}

	fix->parent = kzalloc(sizeof(*fix->parent), GFP_KERNEL);
	if (!fix->parent)
		return -ENOMEM;
	fix->parent->fix = fix;
	ret = mdev_sdk_kunit_parent_register(test, &fix->parent->p,
					     &ru_driver);
	if (ret)
		return ret;

	for (i = 0; i < RU_DEVICES; i++) {
		mdev_sdk_kunit_uuid(&uuid, RU_TAG, i);
		ret = mdev_sdk_kunit_create(&fix->parent->p, &uuid);
		if (ret)
			return ret;
	}
	return 0;
}

static void ru_exit(struct kunit *test)
{
	struct ru_fixture *fix = test->priv;
	unsigned int r, i;

	if (!fix)
		return;
	for (r = 0; r < RU_MAX_REMOVERS; r++)
		for (i = 0; i < RU_DEVICES; i++)
			if (!IS_ERR_OR_NULL(fix->remove[r][i]))
				mdev_sdk_kunit_close(fix->remove[r][i]);
	if (fix->parent)
		ru_unregister_and_free(fix);
}

/* Each device was removed exactly once, and nothing is left. */
static void ru_expect_all_removed(struct kunit *test, struct ru_fixture *fix,
				  struct device *parent_dev)
{
	unsigned int i;

	for (i = 0; i < RU_DEVICES; i++)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&fix->remove_calls[i]), 1,
				    "device %u", i);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), RU_DEVICES);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.vdevs), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(parent_dev), 0);
}

/* Without a race: removal, then unregistration of the rest, then stale files. */
static void remove_then_unregister(struct kunit *test)
{
	struct ru_fixture *fix = test->priv;
	struct device *parent_dev = fix->parent->p.dev;
	unsigned int i;
	guid_t uuid;

	get_device(parent_dev);
	for (i = 0; i < RU_DEVICES; i++) {
		mdev_sdk_kunit_uuid(&uuid, RU_TAG, i);
		fix->remove[0][i] = mdev_sdk_kunit_remove_file(&uuid);
		KUNIT_ASSERT_FALSE(test, IS_ERR(fix->remove[0][i]));
	}
	for (i = 0; i < RU_DEVICES / 2; i++)
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove_with(fix->remove[0][i]),
				0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&fix->parent->p.mparent),
			RU_DEVICES / 2);

	ru_unregister_and_free(fix);
	ru_expect_all_removed(test, fix, parent_dev);
	put_device(parent_dev);

	/* The files outlived their devices and the parent. */
	for (i = 0; i < RU_DEVICES; i++)
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove_with(fix->remove[0][i]),
				-ENODEV);
}

static int ru_race_thread(void *data, unsigned int idx)
{
	struct ru_fixture *fix = data;
	struct kunit *test = fix->test;
	unsigned int i, r;

	if (!idx) {
		/* The unregistering thread; it frees the parent at once. */
		for (i = 0; i < 10000; i++) {
			if (atomic_read(&fix->removed_by_user) >= fix->head_start)
				break;
			usleep_range(100, 200);
		}
		ru_unregister_and_free(fix);
		return 0;
	}

	/* Removers start at different devices and go round all of them. */
	r = idx - 1;
	for (i = 0; i < RU_DEVICES; i++) {
		unsigned int dev = (i + r * RU_DEVICES / fix->removers) %
				   RU_DEVICES;
		int ret = mdev_sdk_kunit_remove_with(fix->remove[r][dev]);

		fix->results[r][dev] = ret;
		if (!ret)
			atomic_inc(&fix->removed_by_user);
		else
			KUNIT_EXPECT_TRUE_MSG(test, ret == -ENODEV || ret == -EAGAIN,
					      "remover %u, device %u: %d", r, dev,
					      ret);
	}
	return 0;
}

/* Removals race with the unregistration of the parent, which is then freed. */
static void remove_races_unregister(struct kunit *test)
{
	struct ru_fixture *fix = test->priv;
	struct device *parent_dev = fix->parent->p.dev;
	int results[RU_MAX_REMOVERS + 1];
	unsigned int eagain = 0, enodev = 0;
	unsigned int r, i;
	guid_t uuid;
	int ret;

	for (r = 0; r < fix->removers; r++) {
		for (i = 0; i < RU_DEVICES; i++) {
			mdev_sdk_kunit_uuid(&uuid, RU_TAG, i);
			fix->remove[r][i] = mdev_sdk_kunit_remove_file(&uuid);
			KUNIT_ASSERT_FALSE(test, IS_ERR(fix->remove[r][i]));
		}
	}

	/* Only to look at its children afterwards. */
	get_device(parent_dev);
	ret = mdev_sdk_kunit_run_parallel(test, fix->removers + 1,
					  ru_race_thread, fix, results);
	if (ret)
		put_device(parent_dev);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ru_expect_all_removed(test, fix, parent_dev);
	put_device(parent_dev);
	KUNIT_EXPECT_GE(test, atomic_read(&fix->removed_by_user),
			fix->head_start);

	/* A device is removed by one writer at most. */
	for (i = 0; i < RU_DEVICES; i++) {
		unsigned int won = 0;

		for (r = 0; r < fix->removers; r++) {
			won += !fix->results[r][i];
			eagain += fix->results[r][i] == -EAGAIN;
			enodev += fix->results[r][i] == -ENODEV;
		}
		KUNIT_EXPECT_LE_MSG(test, won, 1, "device %u", i);
	}
	kunit_info(test, "%d removed by writers, %u -EAGAIN, %u -ENODEV\n",
		   atomic_read(&fix->removed_by_user), eagain, enodev);

	/* Writers that come late never reach the freed parent. */
	for (r = 0; r < fix->removers; r++)
		for (i = 0; i < RU_DEVICES; i++)
			KUNIT_EXPECT_EQ(test,
					mdev_sdk_kunit_remove_with(fix->remove[r][i]),
					-ENODEV);
}

static const struct ru_param ru_user_params[] = {
	{ "vfio, device 0 held open", 1, true, 0 },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(ru_user, ru_user_params);

static int ru_hold_user(struct mdev_sdk_kunit_user *user, void *data)
{
	struct ru_fixture *fix = data;
	struct kunit *test = fix->test;
	struct mdev_sdk_kunit_vfio_fds fds;
	struct completion *requested;
	struct mdev_parent *mparent;
	unsigned int i;
	guid_t uuid;
	int ret;

	ret = mdev_sdk_kunit_user_vfio_open(user, fix->held,
					    VFIO_TYPE1v2_IOMMU, &fds);
	KUNIT_EXPECT_EQ(test, ret, 0);
	complete(&fix->opened);
	if (ret)
		goto out_close;

	/* The removal waits for this fd, and says so... */
	requested = mdev_sdk_kunit_vdev_requested(to_mdev_device(fix->held->dev));
	if (!wait_for_completion_timeout(requested, MDEV_SDK_KUNIT_WAIT))
		KUNIT_FAIL(test, "no request to release the device");
	complete(&fix->removal_waiting);

	/* ... and the parent's unregistration then waits for the removal. */
	mparent = &fix->parent->p.mparent;
	for (i = 0; READ_ONCE(mparent->live) && i < 3000; i++)
		msleep(20);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(mparent->live));
	mdev_sdk_kunit_uuid(&uuid, RU_TAG, 100);
	fix->create_ret = mdev_sdk_kunit_create(&fix->parent->p, &uuid);
out_close:
	/* Once closed, the parent may be gone at any moment. */
	mdev_sdk_kunit_user_vfio_close(&fds);
	return ret;
}

static int ru_user_race_thread(void *data, unsigned int idx)
{
	struct ru_fixture *fix = data;

	if (!idx) {
		if (!wait_for_completion_timeout(&fix->opened,
						 MDEV_SDK_KUNIT_WAIT))
			return -ETIMEDOUT;
		return mdev_sdk_kunit_remove_with(fix->remove[0][0]);
	}
	if (!wait_for_completion_timeout(&fix->removal_waiting,
					 MDEV_SDK_KUNIT_WAIT))
		return -ETIMEDOUT;
	ru_unregister_and_free(fix);
	return 0;
}

/*
 * A user holds device 0 open while it is removed and, behind the removal,
 * its parent unregisters: both wait for the user, refuse new devices, and
 * finish once the fd is closed.
 */
static void remove_waits_for_vfio_user(struct kunit *test)
{
	struct ru_fixture *fix = test->priv;
	struct device *parent_dev = fix->parent->p.dev;
	struct mdev_sdk_kunit_user user = {
		.test = test,
		.fn = ru_hold_user,
		.data = fix,
	};
	struct mdev_device *mdev;
	int results[2];
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, RU_TAG, 0);
	mdev = mdev_sdk_kunit_find(&uuid);
	KUNIT_ASSERT_NOT_NULL(test, mdev);
	fix->held = mdev_sdk_kunit_vdev_of(mdev);
	put_device(&mdev->dev);
	fix->remove[0][0] = mdev_sdk_kunit_remove_file(&uuid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(fix->remove[0][0]));

	get_device(parent_dev);
	mdev_sdk_kunit_user_start(&user);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_run_parallel(test, 2,
							  ru_user_race_thread,
							  fix, results), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_user_wait(&user), 0);

	KUNIT_EXPECT_EQ(test, results[0], 0);
	KUNIT_EXPECT_EQ(test, results[1], 0);
	KUNIT_EXPECT_EQ(test, fix->create_ret, -ENODEV);
	ru_expect_all_removed(test, fix, parent_dev);
	put_device(parent_dev);
}

static struct kunit_case mdev_sdk_mdev_remove_unregister_cases[] = {
	KUNIT_CASE(remove_then_unregister),
	KUNIT_CASE_PARAM(remove_races_unregister, ru_gen_params),
	KUNIT_CASE_PARAM(remove_waits_for_vfio_user, ru_user_gen_params),
	{}
};

static struct kunit_suite mdev_sdk_mdev_remove_unregister_suite = {
	.name		= "mdev_sdk_mdev_remove_unregister",
	.suite_init	= ru_suite_init,
	.suite_exit	= ru_suite_exit,
	.init		= ru_init,
	.exit		= ru_exit,
	.test_cases	= mdev_sdk_mdev_remove_unregister_cases,
};

kunit_test_suite(mdev_sdk_mdev_remove_unregister_suite);
