// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_mdev_create_unregister: creating mediated devices
 * through their type's sysfs "create" file while the parent unregisters.
 *
 * Every creation either completes, leaving a probed device that the
 * unregistration then removes, or fails with -ENODEV and leaves nothing.
 * Once unregistration returns, no device of the parent is left on the bus
 * or in the core's list, every probe was paired with a remove, and every
 * UUID is free again.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/mdev.h>
#include <linux/slab.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/mdev/mdev_private.h"

#define CU_TAG		0xc0
#define CU_MAX_CREATORS	4
#define CU_PER_CREATOR	24

/**
 * struct cu_param - one shape of the race
 * @desc: name of the parameter in the test log
 * @creators: threads writing to "create"
 * @vfio: the driver registers a vfio_device per mdev, as mtty does
 * @head_start: creations that succeed before the unregistration starts
 */
struct cu_param {
	const char *desc;
	unsigned int creators;
	bool vfio;
	unsigned int head_start;
};

static const struct cu_param cu_params[] = {
	{ "1 creator", 1, false, 0 },
	{ "4 creators", 4, false, 0 },
	{ "4 creators, 8 created first", 4, false, 8 },
	{ "4 creators, vfio", 4, true, 0 },
	{ "4 creators, vfio, 8 created first", 4, true, 8 },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(cu, cu_params);

/**
 * struct cu_fixture - state of one test
 * @p: the parent; the driver finds the fixture through its type
 * @test: the test
 * @cnt: the driver's counts, and whether probe registers a vfio_device
 * @creators: number of creating threads
 * @head_start: see &struct cu_param
 * @create: each creator's own open "create" file
 * @results: what each creation returned, by creator and attempt
 * @created: creations that succeeded
 */
struct cu_fixture {
	struct mdev_sdk_kunit_parent p;
	struct kunit *test;
	struct mdev_sdk_kunit_count cnt;
	unsigned int creators;
	unsigned int head_start;
	struct file *create[CU_MAX_CREATORS];
	int results[CU_MAX_CREATORS][CU_PER_CREATOR];
	atomic_t created;
};

static struct cu_fixture *cu_fixture_of(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct cu_fixture, p.mtype);
}

static int cu_probe(struct mdev_device *mdev)
{
	struct cu_fixture *fix = cu_fixture_of(mdev);

	/* Creation and unregistration both hold the parent's semaphore. */
	KUNIT_EXPECT_TRUE(fix->test, mdev->parent == &fix->p.mparent);
	return mdev_sdk_kunit_count_probe(&fix->cnt, mdev);
}

static void cu_remove(struct mdev_device *mdev)
{
	mdev_sdk_kunit_count_remove(&cu_fixture_of(mdev)->cnt, mdev);
}

DEFINE_MDEV_SDK_KUNIT_DRIVER(cu, CU_MAX_CREATORS * CU_PER_CREATOR + 1);

static int cu_register(struct cu_fixture *fix)
{
	return mdev_sdk_kunit_parent_register(fix->test, &fix->p, &cu_driver);
}

/* Nothing of the parent may be left once unregistration returned. */
static void cu_expect_no_children(struct kunit *test, struct cu_fixture *fix)
{
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(fix->p.dev), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&fix->p.mparent), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed),
			atomic_read(&fix->cnt.probed));
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.vdevs), 0);
	KUNIT_EXPECT_FALSE(test, mdev_sdk_kunit_sysfs_exists(fix->p.create_path));
}

static int cu_init(struct kunit *test)
{
	struct cu_fixture *fix;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fix);
	fix->test = test;
	if (test->param_value) {
		const struct cu_param *param = test->param_value;

		fix->cnt.vfio = param->vfio;
		fix->creators = param->creators;
		fix->head_start = param->head_start;
	}
	test->priv = fix;
	return cu_register(fix);
}

static void cu_exit(struct kunit *test)
{
	struct cu_fixture *fix = test->priv;
	unsigned int i;

	for (i = 0; i < CU_MAX_CREATORS; i++)
		if (!IS_ERR_OR_NULL(fix->create[i]))
			mdev_sdk_kunit_close(fix->create[i]);
	mdev_sdk_kunit_parent_destroy(&fix->p);
}

/* Without a race: unregistration removes every device, whatever its count. */
static void unregister_removes_every_child(struct kunit *test)
{
	struct cu_fixture *fix = test->priv;
	guid_t uuid;
	u32 i;

	for (i = 0; i < 8; i++) {
		mdev_sdk_kunit_uuid(&uuid, CU_TAG, i);
		KUNIT_ASSERT_EQ(test, mdev_sdk_kunit_create(&fix->p, &uuid), 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), 8);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(fix->p.dev), 8);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&fix->p.mparent), 8);

	mdev_sdk_kunit_parent_unregister(&fix->p);
	cu_expect_no_children(test, fix);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), 8);
}

static int cu_race_thread(void *data, unsigned int idx)
{
	struct cu_fixture *fix = data;
	struct kunit *test = fix->test;
	bool gone = false;
	unsigned int i;
	guid_t uuid;

	if (!idx) {
		/* The unregistering thread. */
		for (i = 0; i < 10000; i++) {
			if (atomic_read(&fix->created) >= fix->head_start)
				break;
			usleep_range(100, 200);
		}
		KUNIT_EXPECT_GE(test, atomic_read(&fix->created),
				fix->head_start);
		mdev_sdk_kunit_parent_unregister(&fix->p);
		return 0;
	}

	idx--;
	for (i = 0; i < CU_PER_CREATOR; i++) {
		int ret;

		mdev_sdk_kunit_uuid(&uuid, CU_TAG, idx * 1000 + i);
		ret = mdev_sdk_kunit_create_with(fix->create[idx], &uuid);
		fix->results[idx][i] = ret;
		if (!ret) {
			/* A parent that refused once stays refusing. */
			KUNIT_EXPECT_FALSE_MSG(test, gone,
					       "creation %u.%u succeeded after -ENODEV",
					       idx, i);
			atomic_inc(&fix->created);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, ret, -ENODEV,
					    "creation %u.%u", idx, i);
			gone = true;
		}
	}
	return 0;
}

/* Creations race with the unregistration of their parent. */
static void create_races_unregister(struct kunit *test)
{
	struct cu_fixture *fix = test->priv;
	int results[CU_MAX_CREATORS + 1];
	unsigned int c, i, created = 0;
	guid_t uuid;
	int ret;

	for (c = 0; c < fix->creators; c++) {
		fix->create[c] = mdev_sdk_kunit_create_file(&fix->p);
		KUNIT_ASSERT_FALSE(test, IS_ERR(fix->create[c]));
	}

	ret = mdev_sdk_kunit_run_parallel(test, fix->creators + 1,
					  cu_race_thread, fix, results);
	KUNIT_ASSERT_EQ(test, ret, 0);

	cu_expect_no_children(test, fix);
	for (c = 0; c < fix->creators; c++) {
		for (i = 0; i < CU_PER_CREATOR; i++) {
			struct mdev_device *mdev;

			if (fix->results[c][i])
				continue;
			created++;
			mdev_sdk_kunit_uuid(&uuid, CU_TAG, c * 1000 + i);
			mdev = mdev_sdk_kunit_find(&uuid);
			KUNIT_EXPECT_NULL(test, mdev);
			if (mdev)
				put_device(&mdev->dev);
		}
	}
	/* Each successful creation probed exactly one device. */
	KUNIT_EXPECT_EQ(test, created, atomic_read(&fix->cnt.probed));
	kunit_info(test, "%u created, %u refused with -ENODEV\n", created,
		   fix->creators * CU_PER_CREATOR - created);
	KUNIT_EXPECT_GE(test, created, fix->head_start);

	/* The UUIDs are free again: register anew and reuse the first one. */
	KUNIT_ASSERT_EQ(test, cu_register(fix), 0);
	mdev_sdk_kunit_uuid(&uuid, CU_TAG, 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(&fix->p, &uuid), 0);
	mdev_sdk_kunit_parent_unregister(&fix->p);
	cu_expect_no_children(test, fix);
}

static struct kunit_case mdev_sdk_mdev_create_unregister_cases[] = {
	KUNIT_CASE(unregister_removes_every_child),
	KUNIT_CASE_PARAM(create_races_unregister, cu_gen_params),
	{}
};

static struct kunit_suite mdev_sdk_mdev_create_unregister_suite = {
	.name		= "mdev_sdk_mdev_create_unregister",
	.suite_init	= cu_suite_init,
	.suite_exit	= cu_suite_exit,
	.init		= cu_init,
	.exit		= cu_exit,
	.test_cases	= mdev_sdk_mdev_create_unregister_cases,
};

kunit_test_suite(mdev_sdk_mdev_create_unregister_suite);
