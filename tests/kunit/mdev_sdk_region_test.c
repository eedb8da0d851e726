// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_region: the VFIO region offset encoding of
 * <mdev_sdk/region.h> and the splitting of user accesses into device
 * accesses (mdev_sdk_region_chunk()), which must match what QEMU and the
 * upstream VFIO PCI drivers use on the same device fd.
 */
#include <kunit/test.h>
#include <linux/pci_regs.h>

#include <mdev_sdk/region.h>

struct encode_case {
	const char *name;
	unsigned int index;
	u64 offset;
	u64 pos;
};

static const struct encode_case encode_cases[] = {
	{ "bar0_start", VFIO_PCI_BAR0_REGION_INDEX, 0, 0 },
	{ "bar0_reg7", VFIO_PCI_BAR0_REGION_INDEX, 7, 7 },
	{ "bar1_start", VFIO_PCI_BAR1_REGION_INDEX, 0, 1ULL << 40 },
	{ "bar5_end", VFIO_PCI_BAR5_REGION_INDEX, (1ULL << 40) - 1,
	  (6ULL << 40) - 1 },
	{ "rom", VFIO_PCI_ROM_REGION_INDEX, 0x10, (6ULL << 40) + 0x10 },
	{ "config_status", VFIO_PCI_CONFIG_REGION_INDEX, PCI_STATUS,
	  (7ULL << 40) + PCI_STATUS },
	{ "vga", VFIO_PCI_VGA_REGION_INDEX, 0x3c0, (8ULL << 40) + 0x3c0 },
	{ "first_device_specific", VFIO_PCI_NUM_REGIONS, 0x1000,
	  (9ULL << 40) + 0x1000 },
	{ "last_index", (1U << 23) - 1, 0, ((1ULL << 23) - 1) << 40 },
};

static void encode_case_desc(const struct encode_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(encode, encode_cases, encode_case_desc);

static void region_test_encode(struct kunit *test)
{
	const struct encode_case *c = test->param_value;
	u64 pos = mdev_sdk_region_to_offset(c->index) + c->offset;

	KUNIT_EXPECT_EQ(test, pos, c->pos);
	KUNIT_EXPECT_EQ(test, mdev_sdk_offset_to_region(pos), (u64)c->index);
	KUNIT_EXPECT_EQ(test, mdev_sdk_offset_in_region(pos), c->offset);
}

/* What QEMU's vfio-pci and upstream vfio_pci_core agree on. */
static void region_test_abi_shift(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, MDEV_SDK_REGION_SHIFT, 40);
	KUNIT_EXPECT_EQ(test, MDEV_SDK_REGION_OFFSET_MASK, (1ULL << 40) - 1);
	/* An mmap offset in pages decodes to the same region. */
	KUNIT_EXPECT_EQ(test,
			mdev_sdk_offset_to_region((u64)((3ULL << 40) >>
						       PAGE_SHIFT) << PAGE_SHIFT),
			3ULL);
	/* Negative file offsets decode to no valid region. */
	KUNIT_EXPECT_GE(test, mdev_sdk_offset_to_region((u64)-1LL),
			(u64)MDEV_SDK_MAX_REGIONS);
}

struct chunk_case {
	const char *name;
	u64 offset;
	u64 count;
	unsigned int max_width;
	unsigned int width;
};

static const struct chunk_case chunk_cases[] = {
	{ "dword_aligned", 0, 4, 0, 4 },
	{ "qword_aligned", 8, 64, 0, 8 },
	{ "qword_capped_to_dword", 8, 64, 4, 4 },
	{ "byte_registers", 0, 4, 1, 1 },
	{ "odd_offset", 1, 8, 0, 1 },
	{ "word_offset", 2, 8, 0, 2 },
	{ "dword_offset", 4, 8, 0, 4 },
	{ "short_tail", 0, 3, 0, 2 },
	{ "one_byte", 6, 1, 0, 1 },
	{ "odd_max_width_rounds_down", 0, 8, 3, 2 },
	{ "huge_max_width_is_8", 0, 64, 4096, 8 },
	{ "huge_count", 16, U64_MAX, 0, 8 },
	{ "high_offset", (1ULL << 39) + 2, 4, 0, 2 },
};

static void chunk_case_desc(const struct chunk_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(chunk, chunk_cases, chunk_case_desc);

static void region_test_chunk(struct kunit *test)
{
	const struct chunk_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, mdev_sdk_region_chunk(c->offset, c->count,
						    c->max_width), c->width);
}

/*
 * Splitting any access the way the read/write loop does covers it exactly,
 * with naturally aligned pieces no wider than allowed.
 */
static void region_test_chunk_walk(struct kunit *test)
{
	static const unsigned int widths[] = { 0, 1, 2, 4, 8 };
	unsigned int w, start, len;

	for (w = 0; w < ARRAY_SIZE(widths); w++) {
		unsigned int max = widths[w] ? widths[w] : 8;

		for (start = 0; start < 16; start++) {
			for (len = 1; len <= 24; len++) {
				u64 off = start, left = len;
				unsigned int pieces = 0;

				while (left) {
					unsigned int n = mdev_sdk_region_chunk(off, left,
									       widths[w]);

					KUNIT_ASSERT_TRUE(test, n == 1 || n == 2 ||
							  n == 4 || n == 8);
					KUNIT_ASSERT_LE(test, n, max);
					KUNIT_ASSERT_LE(test, (u64)n, left);
					KUNIT_ASSERT_EQ(test, off % n, 0ULL);
					off += n;
					left -= n;
					KUNIT_ASSERT_LT(test, ++pieces, 25U);
				}
				KUNIT_EXPECT_EQ(test, off, (u64)start + len);
			}
		}
	}
}

static struct kunit_case mdev_sdk_region_cases[] = {
	KUNIT_CASE_PARAM(region_test_encode, encode_gen_params),
	KUNIT_CASE(region_test_abi_shift),
	KUNIT_CASE_PARAM(region_test_chunk, chunk_gen_params),
	KUNIT_CASE(region_test_chunk_walk),
	{}
};

static struct kunit_suite mdev_sdk_region_suite = {
	.name = "mdev_sdk_region",
	.test_cases = mdev_sdk_region_cases,
};

kunit_test_suite(mdev_sdk_region_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of mdev-sdk VFIO region encoding");
