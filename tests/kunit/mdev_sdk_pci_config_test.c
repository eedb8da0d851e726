// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit suite mdev_sdk_pci_config: the SDK's emulated PCI configuration
 * space (sdk/sdk_pci_config.c): header layout and byte order, BAR sizing,
 * write masks, the capability list builder, bounds checks and reset.
 *
 * The engine has no VFIO dependency; this file compiles it in directly so
 * the suite runs in any KUnit kernel.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "../../sdk/sdk_pci_config.c"

static const struct mdev_sdk_pci_ident test_ident = {
	.vendor = 0x4348,
	.device = 0x3253,
	.subsystem_vendor = 0x1af4,
	.subsystem_device = 0x1100,
	.class_code = 0x070002,
	.revision = 0x10,
	.irq_pin = 1,
};

static int pci_config_test_init(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc;

	pc = kunit_kzalloc(test, sizeof(*pc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pc);
	mdev_sdk_pci_config_init(pc, &test_ident);
	test->priv = pc;
	return 0;
}

static int set_bar(struct mdev_sdk_pci_config *pc, unsigned int bar, u64 size,
		   unsigned int flags)
{
	return mdev_sdk_pci_config_set_bar(pc, bar, size, flags);
}

static u32 rd32(struct mdev_sdk_pci_config *pc, unsigned int pos)
{
	u8 b[4];

	if (mdev_sdk_pci_config_read(pc, pos, b, 4))
		return 0xdeadbeef;
	return get_unaligned_le32(b);
}

static u16 rd16(struct mdev_sdk_pci_config *pc, unsigned int pos)
{
	u8 b[2];

	if (mdev_sdk_pci_config_read(pc, pos, b, 2))
		return 0xdead;
	return get_unaligned_le16(b);
}

static void wr32(struct mdev_sdk_pci_config *pc, unsigned int pos, u32 val)
{
	u8 b[4];

	put_unaligned_le32(val, b);
	mdev_sdk_pci_config_write(pc, pos, b, 4);
}

static void wr16(struct mdev_sdk_pci_config *pc, unsigned int pos, u16 val)
{
	u8 b[2];

	put_unaligned_le16(val, b);
	mdev_sdk_pci_config_write(pc, pos, b, 2);
}

static void pci_config_test_header(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;

	/* Byte by byte, so the check does not depend on host byte order. */
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_VENDOR_ID], 0x48);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_VENDOR_ID + 1], 0x43);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_DEVICE_ID], 0x53);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_DEVICE_ID + 1], 0x32);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_REVISION_ID], 0x10);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CLASS_PROG], 0x02);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CLASS_DEVICE], 0x00);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CLASS_DEVICE + 1], 0x07);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_SUBSYSTEM_VENDOR_ID), 0x1af4);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_SUBSYSTEM_ID), 0x1100);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_HEADER_TYPE], PCI_HEADER_TYPE_NORMAL);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_INTERRUPT_PIN], 1);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_STATUS), 0);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CAPABILITY_LIST], 0);
	KUNIT_EXPECT_EQ(test, rd32(pc, PCI_BASE_ADDRESS_0), 0);
}

/* Registers the guest may not change keep their value. */
static void pci_config_test_read_only(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	u8 ones[MDEV_SDK_PCI_CFG_SIZE];

	memset(ones, 0xff, sizeof(ones));
	KUNIT_ASSERT_EQ(test, mdev_sdk_pci_config_write(pc, 0, ones, 0x10), 0);
	KUNIT_EXPECT_EQ(test, rd32(pc, PCI_VENDOR_ID), 0x32534348);
	KUNIT_EXPECT_EQ(test, rd32(pc, PCI_CLASS_REVISION), 0x07000210);
	/* No BAR declared: writable bits of command are the generic ones. */
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_COMMAND),
			PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
			PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	wr16(pc, PCI_INTERRUPT_LINE, 0xff0b);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_INTERRUPT_LINE], 0x0b);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_INTERRUPT_PIN], 1);
	wr32(pc, PCI_ROM_ADDRESS, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd32(pc, PCI_ROM_ADDRESS), 0);
	wr32(pc, PCI_SUBSYSTEM_VENDOR_ID, 0);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_SUBSYSTEM_VENDOR_ID), 0x1af4);
}

static void pci_config_test_status_w1c(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	u16 errs = PCI_STATUS_DETECTED_PARITY | PCI_STATUS_REC_MASTER_ABORT;

	put_unaligned_le16(errs | PCI_STATUS_66MHZ, &pc->cfg[PCI_STATUS]);
	/* Writing 0 changes nothing; writing 1 clears only error bits. */
	wr16(pc, PCI_STATUS, 0);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_STATUS), errs | PCI_STATUS_66MHZ);
	wr16(pc, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_66MHZ);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_STATUS),
			PCI_STATUS_DETECTED_PARITY | PCI_STATUS_66MHZ);
}

struct bar_case {
	const char *name;
	unsigned int bar;
	u64 size;
	unsigned int flags;
	u32 lo;		/* after writing all ones */
	u32 hi;		/* upper dword of a 64-bit BAR after all ones */
	u16 command;	/* command bits that stick afterwards */
};

static const struct bar_case bar_cases[] = {
	{ "io8", 0, 8, MDEV_SDK_BAR_IO, 0xfffffff9, 0, PCI_COMMAND_IO },
	{ "io256", 1, 256, MDEV_SDK_BAR_IO, 0xffffff01, 0, PCI_COMMAND_IO },
	{ "mem32_4k", 0, SZ_4K, 0, 0xfffff000, 0, PCI_COMMAND_MEMORY },
	{ "mem32_pf_1m", 2, SZ_1M, MDEV_SDK_BAR_PREFETCH, 0xfff00008, 0,
	  PCI_COMMAND_MEMORY },
	{ "mem64_16m", 0, SZ_16M, MDEV_SDK_BAR_MEM64, 0xff000004, 0xffffffff,
	  PCI_COMMAND_MEMORY },
	{ "mem64_8g_pf", 2, 8ULL * SZ_1G,
	  MDEV_SDK_BAR_MEM64 | MDEV_SDK_BAR_PREFETCH, 0x0000000c, 0xfffffffe,
	  PCI_COMMAND_MEMORY },
	{ "mem32_16b", 4, 16, 0, 0xfffffff0, 0, PCI_COMMAND_MEMORY },
};

static void bar_case_desc(const struct bar_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bar, bar_cases, bar_case_desc);

static void pci_config_test_bar_sizing(struct kunit *test)
{
	const struct bar_case *c = test->param_value;
	struct mdev_sdk_pci_config *pc = test->priv;
	unsigned int pos = PCI_BASE_ADDRESS_0 + 4 * c->bar;
	bool mem64 = c->flags & MDEV_SDK_BAR_MEM64;
	u32 lo, hi;

	KUNIT_ASSERT_EQ(test, set_bar(pc, c->bar, c->size, c->flags), 0);
	wr32(pc, pos, 0xffffffff);
	if (mem64)
		wr32(pc, pos + 4, 0xffffffff);
	lo = rd32(pc, pos);
	hi = mem64 ? rd32(pc, pos + 4) : 0;
	KUNIT_EXPECT_EQ(test, lo, c->lo);
	KUNIT_EXPECT_EQ(test, hi, c->hi);

	/* The size a guest computes from what it read back. */
	if (mem64)
		KUNIT_EXPECT_EQ(test, ~((u64)hi << 32 | (lo & ~0xfU)) + 1,
				c->size);
	else
		KUNIT_EXPECT_EQ(test, (u64)(u32)(~(lo & (c->flags & MDEV_SDK_BAR_IO ?
							  ~0x3U : ~0xfU)) + 1),
				c->size);

	/* An address reads back, type bits kept. */
	wr32(pc, pos, 0x12345678 & lower_32_bits(~(c->size - 1)));
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_bar_addr(pc, c->bar),
			(u64)(hi & (mem64 ? 0xffffffff : 0)) << 32 |
			(0x12345678 & lower_32_bits(~(c->size - 1)) &
			 (c->flags & MDEV_SDK_BAR_IO ? 0xfffffffc : 0xfffffff0)));

	wr16(pc, PCI_COMMAND, 0xffff);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_COMMAND) &
			(PCI_COMMAND_IO | PCI_COMMAND_MEMORY), c->command);

	mdev_sdk_pci_config_reset(pc);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_bar_addr(pc, c->bar), 0ULL);
	KUNIT_EXPECT_EQ(test, rd16(pc, PCI_COMMAND), 0);
}

struct bad_bar_case {
	const char *name;
	unsigned int bar;
	u64 size;
	unsigned int flags;
};

static const struct bad_bar_case bad_bar_cases[] = {
	{ "not_power_of_2", 0, 24, 0 },
	{ "io_too_small", 0, 2, MDEV_SDK_BAR_IO },
	{ "io_too_big", 0, 512, MDEV_SDK_BAR_IO },
	{ "io_prefetch", 0, 8, MDEV_SDK_BAR_IO | MDEV_SDK_BAR_PREFETCH },
	{ "io_backed", 0, 8, MDEV_SDK_BAR_IO | MDEV_SDK_BAR_BACKED },
	{ "mem_too_small", 0, 8, 0 },
	{ "mem32_4g", 0, 4ULL * SZ_1G, 0 },
	{ "mem64_at_bar5", 5, SZ_4K, MDEV_SDK_BAR_MEM64 },
	{ "bar6", 6, SZ_4K, 0 },
	{ "bar_huge_index", UINT_MAX, SZ_4K, 0 },
};

static void bad_bar_case_desc(const struct bad_bar_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_bar, bad_bar_cases, bad_bar_case_desc);

static void pci_config_test_bad_bar(struct kunit *test)
{
	const struct bad_bar_case *c = test->param_value;
	struct mdev_sdk_pci_config *pc = test->priv;
	u8 before[MDEV_SDK_PCI_CFG_SIZE];

	memcpy(before, pc->cfg, sizeof(before));
	KUNIT_EXPECT_EQ(test, set_bar(pc, c->bar, c->size, c->flags), -EINVAL);
	KUNIT_EXPECT_EQ(test, memcmp(before, pc->cfg, sizeof(before)), 0);
}

static void pci_config_test_bar_in_upper_half(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;

	KUNIT_ASSERT_EQ(test, set_bar(pc, 0, SZ_1M, MDEV_SDK_BAR_MEM64),
			0);
	KUNIT_EXPECT_EQ(test, set_bar(pc, 1, 8, MDEV_SDK_BAR_IO),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, set_bar(pc, 2, 8, MDEV_SDK_BAR_IO),
			0);
}

static void pci_config_test_cap_list(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	static const u8 vndr[] = { 0xde, 0xad, 0xbe, 0xef, 0x01 };
	int msi, pm, vendor;

	msi = mdev_sdk_pci_config_add_msi(pc, 4, MDEV_SDK_MSI_64BIT |
					  MDEV_SDK_MSI_MASKABLE);
	pm = mdev_sdk_pci_config_add_pm(pc, PCI_PM_CAP_PME_D3hot);
	vendor = mdev_sdk_pci_config_add_vendor(pc, vndr, sizeof(vndr));

	KUNIT_ASSERT_EQ(test, msi, 0x40);
	/* 64-bit maskable MSI is 24 bytes; capabilities are dword aligned. */
	KUNIT_EXPECT_EQ(test, pm, 0x58);
	KUNIT_EXPECT_EQ(test, vendor, 0x60);

	KUNIT_EXPECT_TRUE(test, rd16(pc, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CAPABILITY_LIST], msi);
	KUNIT_EXPECT_EQ(test, pc->cfg[msi + PCI_CAP_LIST_ID], PCI_CAP_ID_MSI);
	KUNIT_EXPECT_EQ(test, pc->cfg[msi + PCI_CAP_LIST_NEXT], pm);
	KUNIT_EXPECT_EQ(test, pc->cfg[pm + PCI_CAP_LIST_ID], PCI_CAP_ID_PM);
	KUNIT_EXPECT_EQ(test, pc->cfg[pm + PCI_CAP_LIST_NEXT], vendor);
	KUNIT_EXPECT_EQ(test, pc->cfg[vendor + PCI_CAP_LIST_ID], PCI_CAP_ID_VNDR);
	KUNIT_EXPECT_EQ(test, pc->cfg[vendor + PCI_CAP_LIST_NEXT], 0);
	KUNIT_EXPECT_EQ(test, pc->cfg[vendor + 2], 3 + sizeof(vndr));
	KUNIT_EXPECT_EQ(test, memcmp(&pc->cfg[vendor + 3], vndr, sizeof(vndr)),
			0);

	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_find_cap(pc, PCI_CAP_ID_PM),
			(unsigned int)pm);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_find_cap(pc, PCI_CAP_ID_EXP),
			0U);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_msi_vectors(pc), 4U);

	/* The list is read-only to the guest. */
	wr16(pc, msi, 0xffff);
	KUNIT_EXPECT_EQ(test, rd16(pc, msi), PCI_CAP_ID_MSI | pm << 8);
	/* A looping list cannot hang lookups. */
	pc->defaults[pm + PCI_CAP_LIST_NEXT] = msi;
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_find_cap(pc, PCI_CAP_ID_VNDR),
			0U);
}

static void pci_config_test_msi_masks(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	int msi = mdev_sdk_pci_config_add_msi(pc, 2, MDEV_SDK_MSI_MASKABLE);
	u16 ctrl;

	KUNIT_ASSERT_GT(test, msi, 0);
	ctrl = rd16(pc, msi + PCI_MSI_FLAGS);
	KUNIT_EXPECT_EQ(test, ctrl & PCI_MSI_FLAGS_QMASK, 1 << 1);
	KUNIT_EXPECT_FALSE(test, ctrl & PCI_MSI_FLAGS_64BIT);
	KUNIT_EXPECT_TRUE(test, ctrl & PCI_MSI_FLAGS_MASKBIT);

	wr16(pc, msi + PCI_MSI_FLAGS, 0xffff);
	KUNIT_EXPECT_EQ(test, rd16(pc, msi + PCI_MSI_FLAGS),
			ctrl | PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	wr32(pc, msi + PCI_MSI_ADDRESS_LO, 0xfee00003);
	KUNIT_EXPECT_EQ(test, rd32(pc, msi + PCI_MSI_ADDRESS_LO), 0xfee00000);
	wr16(pc, msi + PCI_MSI_DATA_32, 0x4021);
	KUNIT_EXPECT_EQ(test, rd16(pc, msi + PCI_MSI_DATA_32), 0x4021);
	wr32(pc, msi + PCI_MSI_MASK_32, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd32(pc, msi + PCI_MSI_MASK_32), 0x3);
	/* Pending bits are the device's. */
	wr32(pc, msi + PCI_MSI_MASK_32 + 4, 0xffffffff);
	KUNIT_EXPECT_EQ(test, rd32(pc, msi + PCI_MSI_MASK_32 + 4), 0);
}

static void pci_config_test_msi_bad(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;

	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_msi(pc, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_msi(pc, 3, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_msi(pc, 64, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_msi(pc, 1, BIT(7)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, pc->cfg[PCI_CAPABILITY_LIST], 0);
}

static void pci_config_test_pm(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	int pm = mdev_sdk_pci_config_add_pm(pc, PCI_PM_CAP_PME_D3hot);

	KUNIT_ASSERT_GT(test, pm, 0);
	KUNIT_EXPECT_EQ(test, rd16(pc, pm + PCI_PM_PMC) & PCI_PM_CAP_VER_MASK, 3);
	/* Power state D3hot is 3. */
	wr16(pc, pm + PCI_PM_CTRL, 3 | PCI_PM_CTRL_PME_ENABLE);
	KUNIT_EXPECT_EQ(test, rd16(pc, pm + PCI_PM_CTRL),
			3 | PCI_PM_CTRL_PME_ENABLE |
			PCI_PM_CTRL_NO_SOFT_RESET);
	/* PME Status is write-1-to-clear. */
	pc->cfg[pm + PCI_PM_CTRL + 1] |= PCI_PM_CTRL_PME_STATUS >> 8;
	wr16(pc, pm + PCI_PM_CTRL, PCI_PM_CTRL_PME_STATUS);
	KUNIT_EXPECT_FALSE(test, rd16(pc, pm + PCI_PM_CTRL) &
			   PCI_PM_CTRL_PME_STATUS);
}

static void pci_config_test_cap_space(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	u8 big[180] = { 0 };
	int ret;

	ret = mdev_sdk_pci_config_add_vendor(pc, big, sizeof(big));
	KUNIT_ASSERT_EQ(test, ret, 0x40);
	/* 0x40 + 3 + 180 = 0xf7 rounds to 0xf8: 8 bytes left, MSI needs 14. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_msi(pc, 1,
							  MDEV_SDK_MSI_64BIT),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_pm(pc, 0), 0xf8);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_vendor(pc, big, 0),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_vendor(pc, big, 250),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_add_cap(pc, 0x09, big, 0xffff,
							  NULL, NULL),
			-ENOSPC);
}

struct bounds_case {
	const char *name;
	unsigned int pos;
	unsigned int count;
	int ret;
};

static const struct bounds_case bounds_cases[] = {
	{ "first_byte", 0, 1, 0 },
	{ "whole_space", 0, 256, 0 },
	{ "last_dword", 252, 4, 0 },
	{ "last_byte", 255, 1, 0 },
	{ "zero_count", 0, 0, -EINVAL },
	{ "past_end_by_one", 253, 4, -EINVAL },
	{ "at_end", 256, 1, -EINVAL },
	{ "count_too_big", 0, 257, -EINVAL },
	{ "pos_wraps", UINT_MAX, 4, -EINVAL },
	{ "count_wraps", 4, UINT_MAX, -EINVAL },
};

static void bounds_case_desc(const struct bounds_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bounds, bounds_cases, bounds_case_desc);

static void pci_config_test_bounds(struct kunit *test)
{
	const struct bounds_case *c = test->param_value;
	struct mdev_sdk_pci_config *pc = test->priv;
	u8 *buf = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Rejected ranges fail before @buf is touched, accepted ones fit. */
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_read(pc, c->pos, buf,
						       c->count),
			c->ret);
	KUNIT_EXPECT_EQ(test, mdev_sdk_pci_config_write(pc, c->pos, buf,
							c->count),
			c->ret);
}

static void pci_config_test_reset(struct kunit *test)
{
	struct mdev_sdk_pci_config *pc = test->priv;
	u8 before[MDEV_SDK_PCI_CFG_SIZE];
	u8 ones[MDEV_SDK_PCI_CFG_SIZE];

	mdev_sdk_pci_config_set_bar(pc, 0, 8, MDEV_SDK_BAR_IO);
	mdev_sdk_pci_config_add_msi(pc, 1, 0);
	memcpy(before, pc->cfg, sizeof(before));
	memset(ones, 0xff, sizeof(ones));
	mdev_sdk_pci_config_write(pc, 0, ones, sizeof(ones));
	KUNIT_EXPECT_NE(test, memcmp(before, pc->cfg, sizeof(before)), 0);
	mdev_sdk_pci_config_reset(pc);
	KUNIT_EXPECT_EQ(test, memcmp(before, pc->cfg, sizeof(before)), 0);
}

static struct kunit_case mdev_sdk_pci_config_cases[] = {
	KUNIT_CASE(pci_config_test_header),
	KUNIT_CASE(pci_config_test_read_only),
	KUNIT_CASE(pci_config_test_status_w1c),
	KUNIT_CASE_PARAM(pci_config_test_bar_sizing, bar_gen_params),
	KUNIT_CASE_PARAM(pci_config_test_bad_bar, bad_bar_gen_params),
	KUNIT_CASE(pci_config_test_bar_in_upper_half),
	KUNIT_CASE(pci_config_test_cap_list),
	KUNIT_CASE(pci_config_test_msi_masks),
	KUNIT_CASE(pci_config_test_msi_bad),
	KUNIT_CASE(pci_config_test_pm),
	KUNIT_CASE(pci_config_test_cap_space),
	KUNIT_CASE_PARAM(pci_config_test_bounds, bounds_gen_params),
	KUNIT_CASE(pci_config_test_reset),
	{}
};

static struct kunit_suite mdev_sdk_pci_config_suite = {
	.name = "mdev_sdk_pci_config",
	.init = pci_config_test_init,
	.test_cases = mdev_sdk_pci_config_cases,
};

kunit_test_suite(mdev_sdk_pci_config_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of mdev-sdk PCI config-space emulation");
