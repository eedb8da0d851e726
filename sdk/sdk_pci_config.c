// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: emulated PCI configuration space.
 *
 * Every byte has a reset value, a write mask and a write-1-to-clear mask, so
 * one generic write routine covers the header, BAR sizing and capabilities:
 * a BAR's write mask is simply the complement of its size minus one, which
 * is exactly what makes the all-ones sizing probe read back the size.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <asm/unaligned.h>

#include <mdev_sdk/pci_config.h>

/* Capabilities live between the standard header and the end of space. */
#define MDEV_SDK_CAP_START	0x40

static void cfg_put8(struct mdev_sdk_pci_config *pc, unsigned int pos, u8 val,
		     u8 wmask, u8 w1c)
{
	pc->defaults[pos] = val;
	pc->wmask[pos] = wmask;
	pc->w1c[pos] = w1c;
	pc->dirty = true;
}

static void cfg_put16(struct mdev_sdk_pci_config *pc, unsigned int pos,
		      u16 val, u16 wmask, u16 w1c)
{
	put_unaligned_le16(val, &pc->defaults[pos]);
	put_unaligned_le16(wmask, &pc->wmask[pos]);
	put_unaligned_le16(w1c, &pc->w1c[pos]);
	pc->dirty = true;
}

static void cfg_put32(struct mdev_sdk_pci_config *pc, unsigned int pos,
		      u32 val, u32 wmask, u32 w1c)
{
	put_unaligned_le32(val, &pc->defaults[pos]);
	put_unaligned_le32(wmask, &pc->wmask[pos]);
	put_unaligned_le32(w1c, &pc->w1c[pos]);
	pc->dirty = true;
}

/* Command bits worth letting the guest set depend on the BARs present. */
static void cfg_update_command_mask(struct mdev_sdk_pci_config *pc)
{
	u16 mask = PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
		   PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE;
	unsigned int i;

	for (i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!pc->bar_size[i])
			continue;
		if (pc->bar_flags[i] & MDEV_SDK_BAR_IO)
			mask |= PCI_COMMAND_IO;
		else
			mask |= PCI_COMMAND_MEMORY;
	}
	put_unaligned_le16(mask, &pc->wmask[PCI_COMMAND]);
}

/**
 * mdev_sdk_pci_config_init - lay out a type 0 header for an identity
 * @pc: the configuration space to initialise; fully overwritten
 * @id: the function's identity
 *
 * Leaves no BARs and an empty capability list; add those with
 * mdev_sdk_pci_config_set_bar() and the capability builders. The current
 * contents equal the reset values afterwards.
 *
 * Context: any.
 */
void mdev_sdk_pci_config_init(struct mdev_sdk_pci_config *pc,
			      const struct mdev_sdk_pci_ident *id)
{
	memset(pc, 0, sizeof(*pc));

	cfg_put16(pc, PCI_VENDOR_ID, id->vendor, 0, 0);
	cfg_put16(pc, PCI_DEVICE_ID, id->device, 0, 0);
	cfg_put16(pc, PCI_COMMAND, 0, 0, 0);
	cfg_put16(pc, PCI_STATUS, 0, 0,
		  PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
		  PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
		  PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
	cfg_put8(pc, PCI_REVISION_ID, id->revision, 0, 0);
	cfg_put8(pc, PCI_CLASS_PROG, id->class_code & 0xff, 0, 0);
	cfg_put16(pc, PCI_CLASS_DEVICE, id->class_code >> 8, 0, 0);
	/* Harmless for software to program; many drivers write them. */
	cfg_put8(pc, PCI_CACHE_LINE_SIZE, 0, 0xff, 0);
	cfg_put8(pc, PCI_LATENCY_TIMER, 0, 0xff, 0);
	cfg_put8(pc, PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL, 0, 0);
	cfg_put16(pc, PCI_SUBSYSTEM_VENDOR_ID, id->subsystem_vendor, 0, 0);
	cfg_put16(pc, PCI_SUBSYSTEM_ID, id->subsystem_device, 0, 0);
	cfg_put8(pc, PCI_INTERRUPT_LINE, 0, id->irq_pin ? 0xff : 0, 0);
	cfg_put8(pc, PCI_INTERRUPT_PIN, id->irq_pin <= 4 ? id->irq_pin : 0,
		 0, 0);

	cfg_update_command_mask(pc);
	pc->next_cap = MDEV_SDK_CAP_START;
	mdev_sdk_pci_config_reset(pc);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_init);

/**
 * mdev_sdk_pci_config_set_bar - declare one base address register
 * @pc: the configuration space
 * @bar: BAR number, 0 to 5; a 64-bit BAR also takes @bar + 1
 * @size: size in bytes, a power of two: 4 to 256 for I/O, at least 16 for
 *	memory, at most 2 GiB unless MDEV_SDK_BAR_MEM64; 0 clears the BAR
 * @flags: MDEV_SDK_BAR_* flags
 *
 * The BAR reads back as the address the guest programmed, and all-ones
 * writes read back the size in the way the PCI specification describes.
 *
 * Context: any.
 * Return: 0, or -EINVAL for a bad @bar, @size or flag combination, or for
 * a BAR that overlaps the upper half of a 64-bit one.
 */
int mdev_sdk_pci_config_set_bar(struct mdev_sdk_pci_config *pc,
				unsigned int bar, u64 size,
				unsigned int flags)
{
	unsigned int pos = PCI_BASE_ADDRESS_0 + 4 * bar;
	bool io = flags & MDEV_SDK_BAR_IO;
	bool mem64 = flags & MDEV_SDK_BAR_MEM64;
	u32 type;

	if (bar >= PCI_STD_NUM_BARS || (mem64 && bar + 1 >= PCI_STD_NUM_BARS))
		return -EINVAL;
	if (bar && (pc->bar_flags[bar - 1] & MDEV_SDK_BAR_MEM64) &&
	    pc->bar_size[bar - 1])
		return -EINVAL;
	if (io && (flags & (MDEV_SDK_BAR_MEM64 | MDEV_SDK_BAR_PREFETCH |
			    MDEV_SDK_BAR_BACKED)))
		return -EINVAL;
	if (size && !is_power_of_2(size))
		return -EINVAL;
	if (size && io && (size < 4 || size > 256))
		return -EINVAL;
	if (size && !io && (size < 16 || (!mem64 && size > SZ_2G)))
		return -EINVAL;

	if (!size) {
		cfg_put32(pc, pos, 0, 0, 0);
		if (mem64)
			cfg_put32(pc, pos + 4, 0, 0, 0);
		pc->bar_size[bar] = 0;
		pc->bar_flags[bar] = 0;
		goto out;
	}

	if (io) {
		type = PCI_BASE_ADDRESS_SPACE_IO;
	} else {
		type = PCI_BASE_ADDRESS_SPACE_MEMORY;
		type |= mem64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 :
				PCI_BASE_ADDRESS_MEM_TYPE_32;
		if (flags & MDEV_SDK_BAR_PREFETCH)
			type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	}
	cfg_put32(pc, pos, type, lower_32_bits(~(size - 1)) &
		  (io ? PCI_BASE_ADDRESS_IO_MASK : PCI_BASE_ADDRESS_MEM_MASK),
		  0);
	if (mem64)
		cfg_put32(pc, pos + 4, 0, upper_32_bits(~(size - 1)), 0);
	pc->bar_size[bar] = size;
	pc->bar_flags[bar] = flags;
out:
	cfg_update_command_mask(pc);
	mdev_sdk_pci_config_reset(pc);
	return 0;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_set_bar);

/**
 * mdev_sdk_pci_config_add_cap - append a capability to the list
 * @pc: the configuration space
 * @id: capability ID (PCI_CAP_ID_*)
 * @body: @len bytes following the ID and next-pointer bytes, little-endian
 * @len: bytes at @body
 * @wmask: @len bytes of write mask for @body, or NULL for read-only
 * @w1c: @len bytes of write-1-to-clear mask for @body, or NULL
 *
 * The capability goes at the next dword-aligned free offset from 0x40 on,
 * and the list pointer and Capabilities List status bit are maintained.
 *
 * Context: any.
 * Return: the capability's offset, or -ENOSPC if it does not fit.
 */
int mdev_sdk_pci_config_add_cap(struct mdev_sdk_pci_config *pc, u8 id,
				const void *body, unsigned int len,
				const u8 *wmask, const u8 *w1c)
{
	unsigned int pos = pc->next_cap;
	unsigned int i;

	if (len > MDEV_SDK_PCI_CFG_SIZE - 2 || pos > MDEV_SDK_PCI_CFG_SIZE - 2 - len)
		return -ENOSPC;

	cfg_put8(pc, pos + PCI_CAP_LIST_ID, id, 0, 0);
	cfg_put8(pc, pos + PCI_CAP_LIST_NEXT, 0, 0, 0);
	for (i = 0; i < len; i++)
		cfg_put8(pc, pos + 2 + i, ((const u8 *)body)[i],
			 wmask ? wmask[i] : 0, w1c ? w1c[i] : 0);

	if (pc->last_cap)
		pc->defaults[pc->last_cap + PCI_CAP_LIST_NEXT] = pos;
	else
		pc->defaults[PCI_CAPABILITY_LIST] = pos;
	put_unaligned_le16(get_unaligned_le16(&pc->defaults[PCI_STATUS]) |
			   PCI_STATUS_CAP_LIST, &pc->defaults[PCI_STATUS]);

	pc->last_cap = pos;
	pc->next_cap = ALIGN(pos + 2 + len, 4);
	mdev_sdk_pci_config_reset(pc);
	return pos;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_add_cap);

/**
 * mdev_sdk_pci_config_add_msi - append an MSI capability
 * @pc: the configuration space
 * @nvec: vectors offered, a power of two from 1 to 32
 * @flags: MDEV_SDK_MSI_64BIT and/or MDEV_SDK_MSI_MASKABLE
 *
 * The guest may write the enable bit, Multiple Message Enable, the message
 * address and data and, if maskable, the mask bits of offered vectors.
 *
 * Context: any.
 * Return: the capability's offset, -EINVAL for a bad @nvec or @flags, or
 * -ENOSPC.
 */
int mdev_sdk_pci_config_add_msi(struct mdev_sdk_pci_config *pc,
				unsigned int nvec, unsigned int flags)
{
	/* Largest layout: 64-bit address plus mask and pending bits. */
	u8 body[PCI_MSI_MASK_64 + 8 - 2] = { 0 };
	u8 wmask[sizeof(body)] = { 0 };
	bool is64 = flags & MDEV_SDK_MSI_64BIT;
	bool maskable = flags & MDEV_SDK_MSI_MASKABLE;
	unsigned int data_pos, len;
	u16 ctrl;

	if (!nvec || nvec > 32 || !is_power_of_2(nvec) ||
	    (flags & ~(MDEV_SDK_MSI_64BIT | MDEV_SDK_MSI_MASKABLE)))
		return -EINVAL;

	ctrl = ilog2(nvec) << 1;
	if (is64)
		ctrl |= PCI_MSI_FLAGS_64BIT;
	if (maskable)
		ctrl |= PCI_MSI_FLAGS_MASKBIT;
	/* body[] starts at the capability's offset 2, the control word. */
	put_unaligned_le16(ctrl, &body[PCI_MSI_FLAGS - 2]);
	put_unaligned_le16(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE,
			   &wmask[PCI_MSI_FLAGS - 2]);
	put_unaligned_le32(0xfffffffc, &wmask[PCI_MSI_ADDRESS_LO - 2]);
	if (is64) {
		put_unaligned_le32(0xffffffff, &wmask[PCI_MSI_ADDRESS_HI - 2]);
		data_pos = PCI_MSI_DATA_64;
	} else {
		data_pos = PCI_MSI_DATA_32;
	}
	put_unaligned_le16(0xffff, &wmask[data_pos - 2]);
	len = data_pos + 2 - 2;
	if (maskable) {
		unsigned int mask_pos = is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;

		put_unaligned_le32(lower_32_bits(GENMASK_ULL(nvec - 1, 0)),
				   &wmask[mask_pos - 2]);
		/* Mask and pending bits, a dword each. */
		len = mask_pos + 8 - 2;
	}
	return mdev_sdk_pci_config_add_cap(pc, PCI_CAP_ID_MSI, body, len,
					   wmask, NULL);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_add_msi);

/**
 * mdev_sdk_pci_config_add_pm - append a power management capability
 * @pc: the configuration space
 * @pmc: PMC register bits to advertise; the version field is forced to 3
 *
 * The guest may write the power state; PME Enable if @pmc offers PME from
 * any state; and clear PME Status by writing 1.
 *
 * Context: any.
 * Return: the capability's offset or -ENOSPC.
 */
int mdev_sdk_pci_config_add_pm(struct mdev_sdk_pci_config *pc, u16 pmc)
{
	u8 body[PCI_PM_SIZEOF - 2] = { 0 };
	u8 wmask[sizeof(body)] = { 0 };
	u8 w1c[sizeof(body)] = { 0 };
	u16 csr_mask = PCI_PM_CTRL_STATE_MASK;

	pmc = (pmc & ~PCI_PM_CAP_VER_MASK) | 3;
	if (pmc & PCI_PM_CAP_PME_MASK)
		csr_mask |= PCI_PM_CTRL_PME_ENABLE;
	/* No_Soft_Reset: leaving D3hot does not lose the device's state. */
	put_unaligned_le16(pmc, &body[PCI_PM_PMC - 2]);
	put_unaligned_le16(PCI_PM_CTRL_NO_SOFT_RESET, &body[PCI_PM_CTRL - 2]);
	put_unaligned_le16(csr_mask, &wmask[PCI_PM_CTRL - 2]);
	put_unaligned_le16(PCI_PM_CTRL_PME_STATUS, &w1c[PCI_PM_CTRL - 2]);
	return mdev_sdk_pci_config_add_cap(pc, PCI_CAP_ID_PM, body,
					   sizeof(body), wmask, w1c);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_add_pm);

/**
 * mdev_sdk_pci_config_add_vendor - append a vendor-specific capability
 * @pc: the configuration space
 * @data: payload following the 3-byte header (ID, next, length)
 * @len: bytes at @data
 *
 * Context: any.
 * Return: the capability's offset, -EINVAL if @len exceeds the capability
 * area, or -ENOSPC if the capability does not fit behind the others.
 */
int mdev_sdk_pci_config_add_vendor(struct mdev_sdk_pci_config *pc,
				   const void *data, unsigned int len)
{
	u8 body[MDEV_SDK_PCI_CFG_SIZE - MDEV_SDK_CAP_START];

	if (len > sizeof(body) - 1)
		return -EINVAL;
	body[0] = len + 3;
	if (len)
		memcpy(&body[1], data, len);
	return mdev_sdk_pci_config_add_cap(pc, PCI_CAP_ID_VNDR, body, len + 1,
					   NULL, NULL);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_add_vendor);

/**
 * mdev_sdk_pci_config_apply_cap - append a declared capability
 * @pc: the configuration space
 * @cap: the declaration, from an MDEV_SDK_CAP_*() initialiser
 *
 * Context: any.
 * Return: the capability's offset, -EINVAL for an unsupported ID or bad
 * parameters, or -ENOSPC.
 */
int mdev_sdk_pci_config_apply_cap(struct mdev_sdk_pci_config *pc,
				  const struct mdev_sdk_pci_cap *cap)
{
	switch (cap->id) {
	case PCI_CAP_ID_MSI:
		return mdev_sdk_pci_config_add_msi(pc, cap->msi_vectors,
						   cap->flags);
	case PCI_CAP_ID_PM:
		return mdev_sdk_pci_config_add_pm(pc, cap->flags);
	case PCI_CAP_ID_VNDR:
		return mdev_sdk_pci_config_add_vendor(pc, cap->data, cap->len);
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_apply_cap);

/**
 * mdev_sdk_pci_config_find_cap - look up a capability by ID
 * @pc: the configuration space
 * @id: capability ID
 *
 * Walks the reset-value list, which the guest cannot alter, with a bound
 * on the number of hops.
 *
 * Context: any.
 * Return: the offset of the first capability with @id, or 0.
 */
unsigned int mdev_sdk_pci_config_find_cap(const struct mdev_sdk_pci_config *pc,
					  u8 id)
{
	unsigned int pos = pc->defaults[PCI_CAPABILITY_LIST];
	unsigned int hops = MDEV_SDK_PCI_CFG_SIZE / 4;

	while (pos >= MDEV_SDK_CAP_START && pos < MDEV_SDK_PCI_CFG_SIZE - 1 &&
	       hops--) {
		if (pc->defaults[pos + PCI_CAP_LIST_ID] == id)
			return pos;
		pos = pc->defaults[pos + PCI_CAP_LIST_NEXT];
	}
	return 0;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_find_cap);

static bool cfg_range_ok(unsigned int pos, unsigned int count)
{
	return count && count <= MDEV_SDK_PCI_CFG_SIZE &&
	       pos <= MDEV_SDK_PCI_CFG_SIZE - count;
}

/**
 * mdev_sdk_pci_config_read - read configuration space
 * @pc: the configuration space
 * @pos: byte offset
 * @buf: receives @count bytes, little-endian as on the bus
 * @count: bytes to read
 *
 * Context: any.
 * Return: 0, or -EINVAL if @count is 0 or [@pos, @pos + @count) leaves
 * the 256-byte space.
 */
int mdev_sdk_pci_config_read(const struct mdev_sdk_pci_config *pc,
			     unsigned int pos, void *buf, unsigned int count)
{
	if (!cfg_range_ok(pos, count))
		return -EINVAL;
	memcpy(buf, &pc->cfg[pos], count);
	return 0;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_read);

/**
 * mdev_sdk_pci_config_write - write configuration space
 * @pc: the configuration space
 * @pos: byte offset
 * @buf: @count bytes, little-endian as on the bus
 * @count: bytes to write
 *
 * Writable bits take the new value, write-1-to-clear bits written as 1 are
 * cleared, and everything else is silently kept, as on real hardware.
 *
 * Context: any.
 * Return: 0, or -EINVAL if @count is 0 or [@pos, @pos + @count) leaves
 * the 256-byte space.
 */
int mdev_sdk_pci_config_write(struct mdev_sdk_pci_config *pc,
			      unsigned int pos, const void *buf,
			      unsigned int count)
{
	const u8 *val = buf;
	unsigned int i;

	if (!cfg_range_ok(pos, count))
		return -EINVAL;

	for (i = 0; i < count; i++, pos++) {
		u8 cur = pc->cfg[pos];

		cur = (cur & ~pc->wmask[pos]) | (val[i] & pc->wmask[pos]);
		cur &= ~(val[i] & pc->w1c[pos]);
		pc->cfg[pos] = cur;
	}
	pc->dirty = true;
	return 0;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_write);

/**
 * mdev_sdk_pci_config_reset - restore every register's reset value
 * @pc: the configuration space
 *
 * Context: any.
 */
void mdev_sdk_pci_config_reset(struct mdev_sdk_pci_config *pc)
{
	if (!pc->dirty)
		return;
	memcpy(pc->cfg, pc->defaults, sizeof(pc->cfg));
	pc->dirty = false;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_reset);

/**
 * mdev_sdk_pci_config_bar_addr - address the guest programmed into a BAR
 * @pc: the configuration space
 * @bar: BAR number, 0 to 5
 *
 * Context: any.
 * Return: the base address with the flag bits stripped, both halves of a
 * 64-bit BAR combined; 0 for an absent BAR or a bad @bar.
 */
u64 mdev_sdk_pci_config_bar_addr(const struct mdev_sdk_pci_config *pc,
				 unsigned int bar)
{
	unsigned int pos = PCI_BASE_ADDRESS_0 + 4 * bar;
	u64 addr;

	if (bar >= PCI_STD_NUM_BARS || !pc->bar_size[bar])
		return 0;
	addr = get_unaligned_le32(&pc->cfg[pos]);
	if (pc->bar_flags[bar] & MDEV_SDK_BAR_IO)
		return addr & PCI_BASE_ADDRESS_IO_MASK;
	addr &= PCI_BASE_ADDRESS_MEM_MASK;
	if (pc->bar_flags[bar] & MDEV_SDK_BAR_MEM64)
		addr |= (u64)get_unaligned_le32(&pc->cfg[pos + 4]) << 32;
	return addr;
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_bar_addr);

/**
 * mdev_sdk_pci_config_msi_vectors - vectors offered by the MSI capability
 * @pc: the configuration space
 *
 * Context: any.
 * Return: the Multiple Message Capable count, or 0 without MSI.
 */
unsigned int mdev_sdk_pci_config_msi_vectors(const struct mdev_sdk_pci_config *pc)
{
	unsigned int pos = mdev_sdk_pci_config_find_cap(pc, PCI_CAP_ID_MSI);
	u16 ctrl;

	if (!pos)
		return 0;
	ctrl = get_unaligned_le16(&pc->defaults[pos + PCI_MSI_FLAGS]);
	return 1U << ((ctrl & PCI_MSI_FLAGS_QMASK) >> 1);
}
EXPORT_SYMBOL_GPL(mdev_sdk_pci_config_msi_vectors);
