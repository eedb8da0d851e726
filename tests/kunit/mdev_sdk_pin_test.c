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
 * struct fake_backend - what the fake "IOMMU" has pinned
 * @pinned: pin count per IOVA page, pages 0 to FAKE_PAGES - 1
 * @fail_pin: errno the next pin returns, or 0
 * @short_pin: if non-zero, pin only this many pages and report it
 * @tracker: the tracker under test
 */
struct fake_backend {
	int pinned[FAKE_PAGES];
	int fail_pin;
	int short_pin;
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

static const struct mdev_sdk_pin_tracker_ops fake_ops = {
	.pin = fake_pin,
	.unpin = fake_unpin,
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

static void pin_test_pin_unpin(struct kunit *test)
{
	struct fake_backend *fb = test->priv;

	KUNIT_EXPECT_EQ(test, pin(fb, 4, 3), 3);
	KUNIT_EXPECT_EQ(test, fb->pinned[4] + fb->pinned[5] + fb->pinned[6], 3);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 3UL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_unpin(&fb->tracker,
							 4 << PAGE_SHIFT, 3),
			0);
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 0UL);
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
	KUNIT_EXPECT_EQ(test, total_pinned(fb), 0);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pin_tracker_count(&fb->tracker), 0UL);
}

static struct kunit_case mdev_sdk_pin_cases[] = {
	KUNIT_CASE(pin_test_pin_unpin),
	KUNIT_CASE(pin_test_unpin_not_pinned),
	KUNIT_CASE(pin_test_nested_pins),
	KUNIT_CASE_PARAM(pin_test_unmap, unmap_gen_params),
	KUNIT_CASE_PARAM(pin_test_bad_range, bad_range_gen_params),
	KUNIT_CASE(pin_test_backend_errors),
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
