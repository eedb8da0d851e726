// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_mdev_concurrent_remove: several writers to the
 * "remove" file of one mediated device at once.
 *
 * Exactly one writer removes the device and sees success; every other one
 * gets -EAGAIN (the removal is in flight) or -ENODEV (the file is gone),
 * and the driver's remove runs once. A removal while the device is still
 * being created is refused with -EAGAIN.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/mdev.h>
#include <linux/slab.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/mdev/mdev_private.h"

#define CR_TAG		0xc4
#define CR_ROUNDS	8
#define CR_MAX_WRITERS	8

/**
 * struct cr_param - one shape of the race
 * @desc: name of the parameter in the test log
 * @writers: threads writing to the one "remove" file
 * @vfio: the driver registers a vfio_device per mdev, as mtty does
 */
struct cr_param {
	const char *desc;
	unsigned int writers;
	bool vfio;
};

static const struct cr_param cr_params[] = {
	{ "2 writers", 2, false },
	{ "4 writers", 4, false },
	{ "8 writers", 8, false },
	{ "4 writers, vfio", 4, true },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(cr, cr_params);

/**
 * struct cr_fixture - state of one test
 * @p: the parent; the driver finds the fixture through its type
 * @test: the test
 * @cnt: the driver's counts, and whether probe registers a vfio_device
 * @writers: number of writing threads
 * @remove: each writer's open "remove" file of the current device
 * @hold_probe: if set, probe waits for @probe_go after completing
 *	@probe_entered
 * @probe_entered: a held probe has started
 * @probe_go: lets a held probe finish
 */
struct cr_fixture {
	struct mdev_sdk_kunit_parent p;
	struct kunit *test;
	struct mdev_sdk_kunit_count cnt;
	unsigned int writers;
	struct file *remove[CR_MAX_WRITERS];
	bool hold_probe;
	struct completion probe_entered;
	struct completion probe_go;
};

static struct cr_fixture *cr_fixture_of(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct cr_fixture, p.mtype);
}

static int cr_probe(struct mdev_device *mdev)
{
	struct cr_fixture *fix = cr_fixture_of(mdev);

	if (fix->hold_probe) {
		complete(&fix->probe_entered);
		wait_for_completion(&fix->probe_go);
	}
	return mdev_sdk_kunit_count_probe(&fix->cnt, mdev);
}

static void cr_remove(struct mdev_device *mdev)
{
	mdev_sdk_kunit_count_remove(&cr_fixture_of(mdev)->cnt, mdev);
}

DEFINE_MDEV_SDK_KUNIT_DRIVER(cr, 2);

static int cr_init(struct kunit *test)
{
	const struct cr_param *param = test->param_value;
	struct cr_fixture *fix;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	init_completion(&fix->probe_entered);
	init_completion(&fix->probe_go);
	if (param) {
		fix->writers = param->writers;
		fix->cnt.vfio = param->vfio;
	}
	return mdev_sdk_kunit_parent_register(test, &fix->p, &cr_driver);
}

static void cr_close_files(struct cr_fixture *fix)
{
	unsigned int w;

	for (w = 0; w < CR_MAX_WRITERS; w++) {
		if (!IS_ERR_OR_NULL(fix->remove[w]))
			mdev_sdk_kunit_close(fix->remove[w]);
		fix->remove[w] = NULL;
	}
}

static void cr_exit(struct kunit *test)
{
	struct cr_fixture *fix = test->priv;

	if (!fix)
		return;
	/* Let a held probe go, or the unregistration below would wait. */
	complete_all(&fix->probe_go);
	cr_close_files(fix);
	mdev_sdk_kunit_parent_destroy(&fix->p);
}

static int cr_writer(void *data, unsigned int idx)
{
	struct cr_fixture *fix = data;

	return mdev_sdk_kunit_remove_with(fix->remove[idx]);
}

/* Writers race to remove one device, round after round. */
static void one_remove_wins(struct kunit *test)
{
	struct cr_fixture *fix = test->priv;
	unsigned int eagain = 0, enodev = 0;
	int results[CR_MAX_WRITERS];
	unsigned int round, w;
	guid_t uuid;

	for (round = 0; round < CR_ROUNDS; round++) {
		unsigned int won = 0;
		struct mdev_device *mdev;

		/* The same UUID each round: a removal frees it. */
		mdev_sdk_kunit_uuid(&uuid, CR_TAG, 0);
		KUNIT_ASSERT_EQ(test, mdev_sdk_kunit_create(&fix->p, &uuid), 0);
		for (w = 0; w < fix->writers; w++) {
			fix->remove[w] = mdev_sdk_kunit_remove_file(&uuid);
			KUNIT_ASSERT_FALSE(test, IS_ERR(fix->remove[w]));
		}

		KUNIT_ASSERT_EQ(test,
				mdev_sdk_kunit_run_parallel(test, fix->writers,
							    cr_writer, fix,
							    results), 0);
		cr_close_files(fix);

		for (w = 0; w < fix->writers; w++) {
			if (!results[w]) {
				won++;
				continue;
			}
			KUNIT_EXPECT_TRUE_MSG(test, results[w] == -EAGAIN ||
					      results[w] == -ENODEV,
					      "round %u, writer %u: %d", round, w,
					      results[w]);
			eagain += results[w] == -EAGAIN;
			enodev += results[w] == -ENODEV;
		}
		KUNIT_EXPECT_EQ_MSG(test, won, 1, "round %u", round);
		KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), round + 1);
		mdev = mdev_sdk_kunit_find(&uuid);
		KUNIT_EXPECT_NULL(test, mdev);
		if (mdev)
			put_device(&mdev->dev);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), CR_ROUNDS);
	kunit_info(test, "losers: %u -EAGAIN, %u -ENODEV\n", eagain, enodev);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(fix->p.dev), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.vdevs), 0);
}

static int cr_creator(void *data, unsigned int idx)
{
	struct cr_fixture *fix = data;
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, CR_TAG, 1);
	return mdev_sdk_kunit_create(&fix->p, &uuid);
}

static int cr_wait_and_remove(void *data, unsigned int idx)
{
	struct cr_fixture *fix = data;
	struct kunit *test = fix->test;
	guid_t uuid;
	int ret;

	if (!idx)
		return cr_creator(data, idx);

	if (!wait_for_completion_timeout(&fix->probe_entered,
					 MDEV_SDK_KUNIT_WAIT)) {
		complete_all(&fix->probe_go);
		return -ETIMEDOUT;
	}
	/* The device is in sysfs, its creation not finished. */
	mdev_sdk_kunit_uuid(&uuid, CR_TAG, 1);
	ret = mdev_sdk_kunit_remove(&uuid);
	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	complete_all(&fix->probe_go);
	return ret;
}

/* A device still being created cannot be removed yet. */
static void remove_during_create(struct kunit *test)
{
	struct cr_fixture *fix = test->priv;
	struct mdev_device *mdev;
	int results[2];
	guid_t uuid;

	fix->hold_probe = true;
	KUNIT_ASSERT_EQ(test, mdev_sdk_kunit_run_parallel(test, 2,
							  cr_wait_and_remove,
							  fix, results), 0);
	fix->hold_probe = false;
	KUNIT_EXPECT_EQ(test, results[0], 0);
	KUNIT_EXPECT_EQ(test, results[1], -EAGAIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), 0);

	mdev_sdk_kunit_uuid(&uuid, CR_TAG, 1);
	mdev = mdev_sdk_kunit_find(&uuid);
	KUNIT_EXPECT_NOT_NULL(test, mdev);
	if (mdev) {
		KUNIT_EXPECT_TRUE(test, mdev->active);
		put_device(&mdev->dev);
	}
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), 1);
}

static struct kunit_case mdev_sdk_mdev_concurrent_remove_cases[] = {
	KUNIT_CASE_PARAM(one_remove_wins, cr_gen_params),
	KUNIT_CASE(remove_during_create),
	{}
};

static struct kunit_suite mdev_sdk_mdev_concurrent_remove_suite = {
	.name		= "mdev_sdk_mdev_concurrent_remove",
	.suite_init	= cr_suite_init,
	.suite_exit	= cr_suite_exit,
	.init		= cr_init,
	.exit		= cr_exit,
	.test_cases	= mdev_sdk_mdev_concurrent_remove_cases,
};

kunit_test_suite(mdev_sdk_mdev_concurrent_remove_suite);
