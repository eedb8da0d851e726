// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_mdev_create_fail: creations that fail.
 *
 * A creation failing in the driver's probe leaves no trace: no device on
 * the bus or in sysfs, no entry in the core's list, the instance and the
 * UUID free again. UUIDs form one namespace across all parents, so a
 * duplicate gets -EEXIST there too, also when two creations race.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mdev.h>
#include <linux/slab.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/mdev/mdev_private.h"

#define CF_TAG		0xcf
#define CF_INSTANCES	4
#define CF_ROUNDS	16

/**
 * struct cf_param - how the probe fails
 * @desc: name of the parameter in the test log
 * @probe_err: what the driver's probe returns
 * @create_err: what the write to "create" must return
 */
struct cf_param {
	const char *desc;
	int probe_err;
	int create_err;
};

static const struct cf_param cf_params[] = {
	{ "probe -EINVAL", -EINVAL, -EINVAL },
	{ "probe -ENOMEM", -ENOMEM, -ENOMEM },
	{ "probe -ENODEV", -ENODEV, -ENODEV },
	{ "probe -EIO", -EIO, -EIO },
	/* The driver core's deferral comes back as -EAGAIN. */
	{ "probe -EPROBE_DEFER", -EPROBE_DEFER, -EAGAIN },
};

MDEV_SDK_KUNIT_ARRAY_PARAM(cf, cf_params);

/**
 * struct cf_parent - a parent and the fixture its driver reports to
 * @p: the parent
 * @fix: the fixture
 */
struct cf_parent {
	struct mdev_sdk_kunit_parent p;
	struct cf_fixture *fix;
};

/**
 * struct cf_fixture - state of one test
 * @test: the test
 * @parents: two parents sharing the driver and the UUID namespace
 * @probe_err: what probe returns, 0 to succeed
 * @cnt: the driver's counts, of both parents
 */
struct cf_fixture {
	struct kunit *test;
	struct cf_parent parents[2];
	int probe_err;
	struct mdev_sdk_kunit_count cnt;
};

static struct cf_fixture *cf_fixture_of(struct mdev_device *mdev)
{
	return container_of(mdev->type, struct cf_parent, p.mtype)->fix;
}

static int cf_probe(struct mdev_device *mdev)
{
	struct cf_fixture *fix = cf_fixture_of(mdev);
	int ret = READ_ONCE(fix->probe_err);

	if (ret)
		return ret;
	return mdev_sdk_kunit_count_probe(&fix->cnt, mdev);
}

static void cf_remove(struct mdev_device *mdev)
{
	mdev_sdk_kunit_count_remove(&cf_fixture_of(mdev)->cnt, mdev);
}

DEFINE_MDEV_SDK_KUNIT_DRIVER(cf, CF_INSTANCES);

static int cf_init(struct kunit *test)
{
	struct cf_fixture *fix;
	unsigned int i;
	int ret;

	fix = kunit_kzalloc(test, sizeof(*fix), GFP_KERNEL);
	if (!fix)
		return -ENOMEM;
	test->priv = fix;
	fix->test = test;
	for (i = 0; i < ARRAY_SIZE(fix->parents); i++) {
		fix->parents[i].fix = fix;
		ret = mdev_sdk_kunit_parent_register(test, &fix->parents[i].p,
						     &cf_driver);
		if (ret)
			return ret;
	}
	return 0;
}

static void cf_exit(struct kunit *test)
{
	struct cf_fixture *fix = test->priv;
	unsigned int i;

	if (!fix)
		return;
	for (i = 0; i < ARRAY_SIZE(fix->parents); i++)
		mdev_sdk_kunit_parent_destroy(&fix->parents[i].p);
}

/* The type's "available_instances" file, as user space reads it. */
static int cf_available(struct kunit *test, struct mdev_sdk_kunit_parent *p)
{
	char path[256], buf[16] = "";
	struct file *file;
	loff_t pos = 0;
	ssize_t len;
	int n = -1;

	snprintf(path, sizeof(path), "%.*savailable_instances",
		 (int)(strlen(p->create_path) - strlen("create")),
		 p->create_path);
	file = mdev_sdk_kunit_sysfs_open(path, O_RDONLY);
	if (IS_ERR(file))
		return PTR_ERR(file);
	len = kernel_read(file, buf, sizeof(buf) - 1, &pos);
	mdev_sdk_kunit_close(file);
	if (len > 0 && kstrtoint(strim(buf), 10, &n))
		n = -1;
	return n;
}

static bool cf_uuid_in_sysfs(const guid_t *uuid)
{
	char path[64];

	snprintf(path, sizeof(path), "bus/mdev/devices/%pUl", uuid);
	return mdev_sdk_kunit_sysfs_exists(path);
}

/* A failing probe leaves nothing behind, and the UUID can be used again. */
static void probe_failure_leaves_no_trace(struct kunit *test)
{
	const struct cf_param *param = test->param_value;
	struct cf_fixture *fix = test->priv;
	struct mdev_sdk_kunit_parent *p = &fix->parents[0].p;
	struct mdev_device *mdev;
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, CF_TAG, 1);
	fix->probe_err = param->probe_err;
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p, &uuid), param->create_err);

	mdev = mdev_sdk_kunit_find(&uuid);
	KUNIT_EXPECT_NULL(test, mdev);
	if (mdev)
		put_device(&mdev->dev);
	KUNIT_EXPECT_FALSE(test, cf_uuid_in_sysfs(&uuid));
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(p->dev), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&p->mparent), 0);
	KUNIT_EXPECT_EQ(test, cf_available(test, p), CF_INSTANCES);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), 0);

	/* The same UUID, now with a probe that succeeds. */
	fix->probe_err = 0;
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p, &uuid), 0);
	KUNIT_EXPECT_TRUE(test, cf_uuid_in_sysfs(&uuid));
	KUNIT_EXPECT_EQ(test, cf_available(test, p), CF_INSTANCES - 1);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	KUNIT_EXPECT_EQ(test, cf_available(test, p), CF_INSTANCES);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), 1);
}

/* Failures in a full parent give every instance back. */
static void failures_keep_instances(struct kunit *test)
{
	struct cf_fixture *fix = test->priv;
	struct mdev_sdk_kunit_parent *p = &fix->parents[0].p;
	guid_t uuid;
	u32 i;

	for (i = 0; i < CF_INSTANCES; i++) {
		fix->probe_err = -EIO;
		mdev_sdk_kunit_uuid(&uuid, CF_TAG, 100 + i);
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p, &uuid), -EIO);
		fix->probe_err = 0;
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p, &uuid), 0);
	}
	KUNIT_EXPECT_EQ(test, cf_available(test, p), 0);
	mdev_sdk_kunit_uuid(&uuid, CF_TAG, 100 + CF_INSTANCES);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p, &uuid), -EUSERS);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&p->mparent), CF_INSTANCES);

	for (i = 0; i < CF_INSTANCES; i++) {
		mdev_sdk_kunit_uuid(&uuid, CF_TAG, 100 + i);
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	}
	KUNIT_EXPECT_EQ(test, cf_available(test, p), CF_INSTANCES);
}

/* One UUID namespace across parents. */
static void duplicate_uuid_across_parents(struct kunit *test)
{
	struct cf_fixture *fix = test->priv;
	struct mdev_sdk_kunit_parent *p0 = &fix->parents[0].p;
	struct mdev_sdk_kunit_parent *p1 = &fix->parents[1].p;
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, CF_TAG, 2);
	KUNIT_ASSERT_EQ(test, mdev_sdk_kunit_create(p0, &uuid), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p1, &uuid), -EEXIST);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p0, &uuid), -EEXIST);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(p0->dev), 1);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(p1->dev), 0);
	/* A refused duplicate took no instance. */
	KUNIT_EXPECT_EQ(test, cf_available(test, p1), CF_INSTANCES);

	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p1, &uuid), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_children(p1->dev), 1);

	/* Unregistering p1 frees the UUID for p0. */
	mdev_sdk_kunit_parent_unregister(p1);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_create(p0, &uuid), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed),
			atomic_read(&fix->cnt.removed));
}

static int cf_dup_creator(void *data, unsigned int idx)
{
	struct cf_fixture *fix = data;
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, CF_TAG, 3);
	return mdev_sdk_kunit_create(&fix->parents[idx].p, &uuid);
}

/* Two parents race to create the same UUID: one wins, one gets -EEXIST. */
static void duplicate_uuid_race(struct kunit *test)
{
	struct cf_fixture *fix = test->priv;
	unsigned int round;
	int results[2];
	guid_t uuid;

	mdev_sdk_kunit_uuid(&uuid, CF_TAG, 3);
	for (round = 0; round < CF_ROUNDS; round++) {
		KUNIT_ASSERT_EQ(test,
				mdev_sdk_kunit_run_parallel(test, 2,
							    cf_dup_creator,
							    fix, results), 0);
		KUNIT_EXPECT_TRUE_MSG(test,
				      (!results[0] && results[1] == -EEXIST) ||
				      (!results[1] && results[0] == -EEXIST),
				      "round %u: %d, %d", round, results[0],
				      results[1]);
		KUNIT_EXPECT_EQ(test,
				mdev_sdk_kunit_children(fix->parents[0].p.dev) +
				mdev_sdk_kunit_children(fix->parents[1].p.dev),
				1);
		KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_remove(&uuid), 0);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), CF_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.removed), CF_ROUNDS);
}

/* What "create" refuses before it reaches the driver. */
static void bad_create_input(struct kunit *test)
{
	static const char * const bad[] = {
		"\n",
		"not-a-uuid",
		"6d646576-00cf-4000-8000-00000000000",
		"6d646576-00cf-4000-8000-0000000000000",
		"6d646576-00cf-4000-8000-000000000004\n\n",
		"6d646576x00cf-4000-8000-000000000004",
	};
	struct cf_fixture *fix = test->priv;
	struct file *file;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		file = mdev_sdk_kunit_create_file(&fix->parents[0].p);
		KUNIT_ASSERT_FALSE(test, IS_ERR(file));
		KUNIT_EXPECT_EQ_MSG(test, mdev_sdk_kunit_write_str(file, bad[i]),
				    -EINVAL, "input %u", i);
		mdev_sdk_kunit_close(file);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&fix->cnt.probed), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_kunit_listed(&fix->parents[0].p.mparent),
			0);
}

static struct kunit_case mdev_sdk_mdev_create_fail_cases[] = {
	KUNIT_CASE_PARAM(probe_failure_leaves_no_trace, cf_gen_params),
	KUNIT_CASE(failures_keep_instances),
	KUNIT_CASE(duplicate_uuid_across_parents),
	KUNIT_CASE(duplicate_uuid_race),
	KUNIT_CASE(bad_create_input),
	{}
};

static struct kunit_suite mdev_sdk_mdev_create_fail_suite = {
	.name		= "mdev_sdk_mdev_create_fail",
	.suite_init	= cf_suite_init,
	.suite_exit	= cf_suite_exit,
	.init		= cf_init,
	.exit		= cf_exit,
	.test_cases	= mdev_sdk_mdev_create_fail_cases,
};

kunit_test_suite(mdev_sdk_mdev_create_fail_suite);
