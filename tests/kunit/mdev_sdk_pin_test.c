// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_pin: the page-pin tracker core
 * (sdk/sdk_pin_tracker.c) against a fake backend that counts what is
 * really pinned, page by page. The property under test is the one the
 * SDK's dma_unmap relies on: after an unmap of a range nothing in it is
 * pinned any more, however often and in whatever pieces it was pinned.
 */
#include <kunit/test.h>
#include <linux/iommu.h>

#include "../../sdk/sdk_pin_tracker.c"

#define FAKE_PAGES	64

/**
 * struct racing_pin - what a driver pinned while an unmap was under way
 * @pfn: the page it pinned
 * @ret: what the pin returned
 */
struct racing_pin {
	unsigned long pfn;
	int ret;
};

/**
 * struct fake_backend - what the fake "IOMMU" has pinned
 * @pinned: pin count per IOVA page, pages 0 to FAKE_PAGES - 1
 * @fail_pin: errno the next pin returns, or 0
 * @short_pin: if non-zero, pin only this many pages and report it
 * @hook: if set, the driver's invalidate callback, run with the tracker's
 *	lock not held as the SDK runs the driver's
 * @invalidates: invalidate callbacks so far
 * @racing: the pins @hook took, in call order
 * @nr_racing: entries of @racing used
 * @tracker: the tracker under test
 */
struct fake_backend {
	int pinned[FAKE_PAGES];
	int fail_pin;
	int short_pin;
	void (*hook)(struct fake_backend *fb, u64 iova, u64 length);
	int invalidates;
	struct racing_pin racing[4];
	int nr_racing;
	struct mdev_sdk_pin_tracker tracker;
};

static int fake_pin(void *ctx, dma_addr_t iova, int npage, int prot,
		    struct page **pages)
{
	struct fake_backend *fb = ctx;
	unsigned long pfn = iova >> PAGE_SHIFT;
	int i;

	if (fb->fail_pin)
		return fb->fail_pin;
	if (pfn + npage > FAKE_PAGES)
		return -EFAULT;
	if (fb->short_pin)
		npage = fb->short_pin;
	for (i = 0; i < npage; i++) {
		fb->pinned[pfn + i]++;
		pages[i] = NULL;
	}
	return npage;
}

static void fake_unpin(void *ctx, dma_addr_t iova, int npage)
{
	struct fake_backend *fb = ctx;
	unsigned long pfn = iova >> PAGE_SHIFT;
	int i;

	for (i = 0; i < npage; i++)
		fb->pinned[pfn + i]--;
}

static void fake_invalidate(void *ctx, u64 iova, u64 length)
{
	struct fake_backend *fb = ctx;

	fb->invalidates++;
	if (fb->hook)
		fb->hook(fb, iova, length);
}

static const struct mdev_sdk_pin_tracker_ops fake_ops = {
	.pin = fake_pin,
	.unpin = fake_unpin,
	.invalidate = fake_invalidate,
};

static int pin_test_init(struct kunit *test)
{
	struct fake_backend *fb = kunit_kzalloc(test, sizeof(*fb), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fb);
	mdev_sdk_pin_tracker_init(&fb->tracker, &fake_ops, fb);
	test->priv = fb;
	return 0;
}

static void pin_test_exit(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	mdev_sdk_pin_tracker_destroy(&fb->tracker);
}

static int total_pinned(struct fake_backend *fb)
{
	int i, n = 0;

	for (i = 0; i < FAKE_PAGES; i++)
		n += fb->pinned[i];
	return n;
}

static int pin(struct fake_backend *fb, unsigned long pfn, int npage)
{
	struct page *pages[FAKE_PAGES];

	return mdev_sdk_pin_tracker_pin(&fb->tracker, pfn << PAGE_SHIFT, npage,
					IOMMU_READ | IOMMU_WRITE, pages);
}

/* Neither the backend nor the tracker holds a pin any more. */
static void expect_nothing_pinned(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 0UL);
}

static void pin_test_pin_unpin(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_EXPECT_EQ(test, pin(fb, 4, 3), 3);
	KUNIT_EXPECT_EQ(test, fb->pinned[4] + fb->pinned[5] + fb->pinned[6], 3);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 3UL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 4 << PAGE_SHIFT, 3),
			0);
	expect_nothing_pinned(test);
}

static void pin_test_unpin_not_pinned(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_ASSERT_EQ(test, pin(fb, 10, 2), 2);
	/* Page 12 was never pinned: the whole unpin is refused. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 10 << PAGE_SHIFT, 3),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 2);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 20 << PAGE_SHIFT, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 2UL);
}

static void pin_test_nested_pins(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_ASSERT_EQ(test, pin(fb, 0, 4), 4);
	KUNIT_ASSERT_EQ(test, pin(fb, 2, 4), 4);
	KUNIT_EXPECT_EQ(test, fb->pinned[2], 2);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 8UL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 0, 4), 0);
	KUNIT_EXPECT_EQ(test, fb->pinned[2], 1);
	KUNIT_EXPECT_EQ(test, fb->pinned[0], 0);
	/* Page 0 is no longer pinned, page 2 still is once. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 2 << PAGE_SHIFT, 4),
			0);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
}

struct unmap_case {
	const char *name;
	u64 iova;
	u64 length;
	unsigned long dropped;	/* of the fixture's six pins */
	int left_page;		/* a page that must stay pinned, or -1 */
};

/* Fixture: page 1 pinned twice, page 2 once, pages 8-10 once each. */
static const struct unmap_case unmap_cases[] = {
	{ "everything", 0, U64_MAX, 6, -1 },
	{ "first_page_only", PAGE_SIZE, PAGE_SIZE, 2, 2 },
	{ "one_byte_of_a_page", 2 * PAGE_SIZE + 17, 1, 1, 1 },
	{ "spanning_pages", PAGE_SIZE + 100, PAGE_SIZE, 3, 8 },
	{ "hole", 3 * PAGE_SIZE, 5 * PAGE_SIZE, 0, 8 },
	{ "tail", 9 * PAGE_SIZE, 2 * PAGE_SIZE, 2, 8 },
	{ "zero_length", PAGE_SIZE, 0, 0, 1 },
	{ "wraps_past_end", 10 * PAGE_SIZE, U64_MAX, 1, 9 },
};

static void unmap_case_desc(const struct unmap_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(unmap, unmap_cases, unmap_case_desc);

static void pin_test_unmap(struct kunit *test)
{
	const struct unmap_case *c = test->param_value;
	struct fake_backend *fb = test->priv;
	u64 first, last, p;

	KUNIT_ASSERT_EQ(test, pin(fb, 1, 2), 2);
	KUNIT_ASSERT_EQ(test, pin(fb, 1, 1), 1);
	KUNIT_ASSERT_EQ(test, pin(fb, 8, 3), 3);

	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unmap(&fb->tracker, c->iova,
							 c->length),
			c->dropped);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 6 - (int)c->dropped);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker),
			6 - c->dropped);

	/* Nothing the unmap covered is still pinned. */
	if (c->length) {
		first = c->iova >> PAGE_SHIFT;
		last = c->length - 1 > U64_MAX - c->iova ? U64_MAX :
		       (c->iova + c->length - 1) >> PAGE_SHIFT;
		for (p = 0; p < FAKE_PAGES; p++)
			if (p >= first && p <= last)
				KUNIT_EXPECT_EQ(test, fb->pinned[p], 0);
	}
	if (c->left_page >= 0)
		KUNIT_EXPECT_GT(test, fb->pinned[c->left_page], 0);

	mdev_sdk_pin_tracker_unmap(&fb->tracker, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
}

struct bad_range_case {
	const char *name;
	dma_addr_t iova;
	int npage;
};

static const struct bad_range_case bad_range_cases[] = {
	{ "zero_pages", 0, 0 },
	{ "negative_pages", 0, -1 },
	{ "unaligned_iova", 100, 1 },
	{ "wraps", (dma_addr_t)-PAGE_SIZE, 2 },
};

static void bad_range_case_desc(const struct bad_range_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_range, bad_range_cases, bad_range_case_desc);

static void pin_test_bad_range(struct kunit *test)
{
	const struct bad_range_case *c = test->param_value;
	struct fake_backend *fb = test->priv;
	struct page *pages[2];

	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_pin(&fb->tracker, c->iova,
						       c->npage, IOMMU_READ,
						       pages),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker, c->iova,
							 c->npage),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
}

static void pin_test_backend_errors(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	fb->fail_pin = -ENOMEM;
	KUNIT_EXPECT_EQ(test, pin(fb, 0, 2), -ENOMEM);
	fb->fail_pin = 0;
	/* A partial pin is taken back and reported as a failure. */
	fb->short_pin = 1;
	KUNIT_EXPECT_EQ(test, pin(fb, 0, 2), -EFAULT);
	expect_nothing_pinned(test);
}

static void record_pin(struct fake_backend *fb, unsigned long pfn)
{
	struct racing_pin *rp;

	if (fb->nr_racing == ARRAY_SIZE(fb->racing))
		return;
	rp = &fb->racing[fb->nr_racing++];
	rp->pfn = pfn;
	rp->ret = pin(fb, pfn, 1);
}

/* Unmaps pages 0 to 3 with @hook as the driver's invalidate callback. */
static unsigned long unmap_hooked(struct fake_backend *fb,
				  void (*hook)(struct fake_backend *fb,
					       u64 iova, u64 length))
{
	unsigned long dropped;

	fb->hook = hook;
	dropped = mdev_sdk_pin_tracker_unmap(&fb->tracker, 0, 4 * PAGE_SIZE);
	fb->hook = NULL;
	return dropped;
}

/*
 * Unmaps pages 0 to 3, dropping @dropped pins, with @hook as the driver's
 * callback: it must be called @invalidates times and take two racing pins,
 * the first of a page the unmap still holds closed, which is refused, the
 * second of a page no unmap holds, which the driver keeps. Whatever each
 * pin returned, the tracker must agree with it.
 */
static void expect_racing_unmap(struct kunit *test,
				void (*hook)(struct fake_backend *fb,
					     u64 iova, u64 length),
				unsigned long dropped, int invalidates)
{
	struct fake_backend *fb = test->priv;
	int i;

	KUNIT_EXPECT_EQ(test, unmap_hooked(fb, hook), dropped);
	KUNIT_EXPECT_EQ(test, fb->invalidates, invalidates);
	KUNIT_ASSERT_EQ(test, fb->nr_racing, 2);

	for (i = 0; i < fb->nr_racing; i++) {
		struct racing_pin *rp = &fb->racing[i];

		if (rp->ret == 1)
			KUNIT_EXPECT_EQ_MSG(test, fb->pinned[rp->pfn], 1,
					    "page %lu: pin succeeded, then dropped behind the driver",
					    rp->pfn);
		else
			KUNIT_EXPECT_EQ(test, fb->pinned[rp->pfn], 0);
	}
	/* The documented answer: an IOVA being unmapped is no longer mapped. */
	KUNIT_EXPECT_EQ(test, fb->racing[0].ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, fb->racing[1].ret, 1);
}

/*
 * The driver's invalidate callback has stopped using the range, and then
 * something of the driver's (a worker, a register write) pins pages 2 and
 * 8, as a thread racing the unmap would right after the callback.
 */
static void hook_pin_after_invalidate(struct fake_backend *fb, u64 iova,
				      u64 length)
{
	record_pin(fb, 2);
	record_pin(fb, 8);
}

/*
 * Issue 16, item 1: a pin taken while the SDK's dma_unmap is between the
 * driver's invalidate callback and the tracker's clean-up is either
 * refused, or the driver keeps it. The tracker must never drop a pin
 * behind the driver's back: the driver would hold page pointers it
 * believes pinned. Only the pins that existed when the callback was called
 * are the SDK's to drop.
 */
static void pin_test_pin_during_unmap(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_ASSERT_EQ(test, pin(fb, 1, 2), 2);
	/* Pages 0 to 3 are unmapped; page 8 is not in the range. */
	expect_racing_unmap(test, hook_pin_after_invalidate, 2, 1);
	KUNIT_EXPECT_EQ(test, fb->pinned[1], 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker),
			(unsigned long)total_pinned(fb));

	/* Once the unmap is over, the range may be pinned again. */
	KUNIT_EXPECT_EQ(test, pin(fb, 2, 1), 1);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 2 << PAGE_SHIFT, 1),
			0);
	if (fb->racing[1].ret == 1)
		KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
								 8 << PAGE_SHIFT, 1),
				0);
	expect_nothing_pinned(test);
}

/*
 * A second unmap (another thread's, or a close) runs and ends while the
 * first is still in the driver's callback: the first range must stay
 * closed to pins until its own unmap is done, the second's must reopen.
 */
static void hook_nested_unmap(struct fake_backend *fb, u64 iova, u64 length)
{
	if (iova)
		return;		/* the inner unmap, of pages 8 and 9 */
	mdev_sdk_pin_tracker_unmap(&fb->tracker, 8 * PAGE_SIZE, 2 * PAGE_SIZE);
	record_pin(fb, 2);
	record_pin(fb, 9);
}

static void pin_test_overlapping_unmaps(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_ASSERT_EQ(test, pin(fb, 2, 1), 1);
	KUNIT_ASSERT_EQ(test, pin(fb, 8, 1), 1);
	expect_racing_unmap(test, hook_nested_unmap, 1, 2);
	KUNIT_EXPECT_EQ(test, fb->pinned[2], 0);
	KUNIT_EXPECT_EQ(test, fb->pinned[8], 0);
	/* Taken after the inner unmap ended: the driver's to keep. */
	KUNIT_EXPECT_EQ(test, fb->pinned[9], 1);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 1UL);
	mdev_sdk_pin_tracker_unmap(&fb->tracker, 0, U64_MAX);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
}

/* The driver unpins its own pins from its callback, as it should. */
static void hook_unpin(struct fake_backend *fb, u64 iova, u64 length)
{
	mdev_sdk_pin_tracker_unpin(&fb->tracker, 1 << PAGE_SHIFT, 2);
}

static void pin_test_unpin_in_invalidate(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_ASSERT_EQ(test, pin(fb, 1, 2), 2);
	KUNIT_ASSERT_EQ(test, pin(fb, 2, 1), 1);
	/* Page 2's second pin is the only one the SDK still has to drop. */
	KUNIT_EXPECT_EQ(test, unmap_hooked(fb, hook_unpin), 1UL);
	expect_nothing_pinned(test);
}

static struct kunit_case mdev_sdk_pin_cases[] = {
	KUNIT_CASE(pin_test_pin_unpin),
	KUNIT_CASE(pin_test_unpin_not_pinned),
	KUNIT_CASE(pin_test_nested_pins),
	KUNIT_CASE_PARAM(pin_test_unmap, unmap_gen_params),
	KUNIT_CASE_PARAM(pin_test_bad_range, bad_range_gen_params),
	KUNIT_CASE(pin_test_backend_errors),
	KUNIT_CASE(pin_test_pin_during_unmap),
	KUNIT_CASE(pin_test_overlapping_unmaps),
	KUNIT_CASE(pin_test_unpin_in_invalidate),
	{}
};

static struct kunit_suite mdev_sdk_pin_suite = {
	.name = "mdev_sdk_pin",
	.init = pin_test_init,
	.exit = pin_test_exit,
	.test_cases = mdev_sdk_pin_cases,
};

kunit_test_suite(mdev_sdk_pin_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of the mdev-sdk page-pin tracker");
