/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk: emulated PCI configuration space.
 *
 * A self-contained engine with no VFIO dependency, so that KUnit can drive
 * it directly: a 256-byte type 0 header plus capability list, with a write
 * mask and a write-1-to-clear mask per byte and a copy of the reset values.
 * All multi-byte fields are stored little-endian, as PCI defines them.
 */
#ifndef MDEV_SDK_PCI_CONFIG_H
#define MDEV_SDK_PCI_CONFIG_H

#include <linux/pci_regs.h>
#include <linux/types.h>

/* Conventional PCI configuration space; no extended (PCIe) space. */
#define MDEV_SDK_PCI_CFG_SIZE		PCI_CFG_SPACE_SIZE

/* BAR flags of &struct mdev_sdk_bar. */
#define MDEV_SDK_BAR_IO			BIT(0)	/* I/O space, else memory */
#define MDEV_SDK_BAR_MEM64		BIT(1)	/* 64-bit memory BAR */
#define MDEV_SDK_BAR_PREFETCH		BIT(2)	/* prefetchable memory */
#define MDEV_SDK_BAR_BACKED		BIT(3)	/* SDK-allocated, mmap()able */

/* MSI capability flags of &struct mdev_sdk_pci_cap. */
#define MDEV_SDK_MSI_64BIT		BIT(0)
#define MDEV_SDK_MSI_MASKABLE		BIT(1)

/**
 * struct mdev_sdk_pci_ident - identity of an emulated PCI function
 * @vendor: vendor ID
 * @device: device ID
 * @subsystem_vendor: subsystem vendor ID
 * @subsystem_device: subsystem ID
 * @class_code: 24-bit class code: base class << 16 | sub-class << 8 |
 *	programming interface, e.g. 0x070002 for a 16550 serial port
 * @revision: revision ID
 * @irq_pin: interrupt pin, 1 to 4 for INTA# to INTD#, or 0 for no INTx
 */
struct mdev_sdk_pci_ident {
	u16 vendor;
	u16 device;
	u16 subsystem_vendor;
	u16 subsystem_device;
	u32 class_code;
	u8 revision;
	u8 irq_pin;
};

/**
 * struct mdev_sdk_pci_cap - one capability for the capability list builder
 * @id: PCI_CAP_ID_MSI, PCI_CAP_ID_PM or PCI_CAP_ID_VNDR
 * @msi_vectors: MSI: vectors offered, a power of two from 1 to 32
 * @flags: MSI: MDEV_SDK_MSI_* flags; PM: the PMC register (the version
 *	field is filled in by the SDK)
 * @data: vendor-specific: payload following the 3-byte header
 * @len: vendor-specific: bytes at @data
 *
 * Use the MDEV_SDK_CAP_*() initialisers rather than filling this directly.
 */
struct mdev_sdk_pci_cap {
	u8 id;
	u8 msi_vectors;
	u16 flags;
	const void *data;
	u8 len;
};

#define MDEV_SDK_CAP_MSI(_nvec, _flags) \
	{ .id = PCI_CAP_ID_MSI, .msi_vectors = (_nvec), .flags = (_flags) }
#define MDEV_SDK_CAP_PM(_pmc) \
	{ .id = PCI_CAP_ID_PM, .flags = (_pmc) }
#define MDEV_SDK_CAP_VNDR(_data, _len) \
	{ .id = PCI_CAP_ID_VNDR, .data = (_data), .len = (_len) }

/**
 * struct mdev_sdk_pci_config - emulated configuration space of one function
 * @cfg: current contents, little-endian; read it directly, but change it
 *	only through mdev_sdk_pci_config_write(), which keeps @dirty
 * @defaults: contents after reset
 * @wmask: bits the guest may write
 * @w1c: bits a guest write of 1 clears
 * @bar_flags: MDEV_SDK_BAR_* of each BAR, for the BAR of a 64-bit pair
 *	that holds the upper half 0
 * @bar_size: size in bytes of each BAR, 0 if absent
 * @next_cap: offset where the next capability goes
 * @last_cap: offset of the last capability added, 0 if none
 * @dirty: @cfg may differ from @defaults; every open resets, and most
 *	users reopen a device they never wrote to
 *
 * The owner serialises access; the engine itself takes no lock.
 */
struct mdev_sdk_pci_config {
	u8 cfg[MDEV_SDK_PCI_CFG_SIZE];
	u8 defaults[MDEV_SDK_PCI_CFG_SIZE];
	u8 wmask[MDEV_SDK_PCI_CFG_SIZE];
	u8 w1c[MDEV_SDK_PCI_CFG_SIZE];
	unsigned int bar_flags[PCI_STD_NUM_BARS];
	u64 bar_size[PCI_STD_NUM_BARS];
	unsigned int next_cap;
	unsigned int last_cap;
	bool dirty;
};

void mdev_sdk_pci_config_init(struct mdev_sdk_pci_config *pc,
			      const struct mdev_sdk_pci_ident *id);
int mdev_sdk_pci_config_set_bar(struct mdev_sdk_pci_config *pc,
				unsigned int bar, u64 size,
				unsigned int flags);
int mdev_sdk_pci_config_add_cap(struct mdev_sdk_pci_config *pc, u8 id,
				const void *body, unsigned int len,
				const u8 *wmask, const u8 *w1c);
int mdev_sdk_pci_config_add_msi(struct mdev_sdk_pci_config *pc,
				unsigned int nvec, unsigned int flags);
int mdev_sdk_pci_config_add_pm(struct mdev_sdk_pci_config *pc, u16 pmc);
int mdev_sdk_pci_config_add_vendor(struct mdev_sdk_pci_config *pc,
				   const void *data, unsigned int len);
int mdev_sdk_pci_config_apply_cap(struct mdev_sdk_pci_config *pc,
				  const struct mdev_sdk_pci_cap *cap);
unsigned int mdev_sdk_pci_config_find_cap(const struct mdev_sdk_pci_config *pc,
					  u8 id);
int mdev_sdk_pci_config_read(const struct mdev_sdk_pci_config *pc,
			     unsigned int pos, void *buf, unsigned int count);
int mdev_sdk_pci_config_write(struct mdev_sdk_pci_config *pc,
			      unsigned int pos, const void *buf,
			      unsigned int count);
void mdev_sdk_pci_config_reset(struct mdev_sdk_pci_config *pc);
u64 mdev_sdk_pci_config_bar_addr(const struct mdev_sdk_pci_config *pc,
				 unsigned int bar);
unsigned int mdev_sdk_pci_config_msi_vectors(const struct mdev_sdk_pci_config *pc);

#endif /* MDEV_SDK_PCI_CONFIG_H */
