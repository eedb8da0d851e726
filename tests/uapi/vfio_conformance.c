// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO user ABI conformance client for mdev-sdk.
 *
 * Drives the container (/dev/vfio/vfio), group (/dev/vfio/N), type1 backend
 * and device file descriptors of mdev_sdk_fixture devices through the real
 * ioctl/read/write/mmap ABI, error paths included. The fixture's control
 * region turns register writes into vfio_pin_pages()/vfio_dma_rw() calls,
 * so page pinning, RLIMIT_MEMLOCK accounting and dma_unmap notification are
 * checked from here as well.
 *
 * Runs as root in the test guest with the stack and the fixture loaded; it
 * creates and removes its own devices. Output: PASS/FAIL/SKIP lines. With
 * the mtty sample loaded too, the reset.* cases check INTx across
 * VFIO_DEVICE_RESET on the SDK.
 *
 * "vfio_conformance abi UUID" runs only the abi.* cases, on the existing
 * mdev UUID of whatever stack is loaded: they print "ABI <case> <answer>"
 * lines besides PASS/FAIL, which conformance.sh compares between our stack
 * and Debian's in-kernel one.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "common.h"

#define KIB			1024ULL
#define MIB			(1024 * KIB)
#define IOVA_ALIGN		(2 * MIB)
/* IOVA space the tests need inside one usable range reported by type1. */
#define IOVA_SPAN		(64 * MIB)

static long page_size;
static char uuid_a[UUID_STR_LEN];
/* First IOVA of the test window; chosen from the IOVA_RANGE capability. */
static __u64 iova_base = 256 * MIB;

/* ------------------------------------------------------------------ */
/* Device helpers.                                                     */

struct iommu_info {
	__u32 flags;
	__u64 pgsizes;
	__u32 argsz_needed;
	bool has_range;
	__u32 nr_iovas;
	struct vfio_iova_range range[8];
	bool has_avail;
	__u32 avail;
	bool chain_ok;
	char chain_err[96];
};

/*
 * VFIO_IOMMU_GET_INFO the way a client does it: ask with the bare
 * structure, learn the size the capability chain needs, ask again.
 */
static int iommu_info(int c, struct iommu_info *out)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	struct vfio_iommu_type1_info *info;
	__u32 off, hops = 0;
	unsigned char *buf;

	memset(out, 0, sizeof(*out));
	if (ioctl(c, VFIO_IOMMU_GET_INFO, &probe))
		return -errno;
	out->flags = probe.flags;
	out->pgsizes = probe.iova_pgsizes;
	out->argsz_needed = probe.argsz;
	out->chain_ok = true;
	if (!(probe.flags & VFIO_IOMMU_INFO_CAPS) ||
	    probe.argsz <= sizeof(probe))
		return 0;

	buf = calloc(1, probe.argsz);
	if (!buf)
		return -ENOMEM;
	info = (void *)buf;
	info->argsz = probe.argsz;
	if (ioctl(c, VFIO_IOMMU_GET_INFO, info)) {
		int err = -errno;

		free(buf);
		return err;
	}

	for (off = info->cap_offset; off; hops++) {
		struct vfio_info_cap_header *hdr;

		if (hops > 16 || off < sizeof(*info) ||
		    off + sizeof(*hdr) > probe.argsz) {
			snprintf(out->chain_err, sizeof(out->chain_err),
				 "bad cap offset %u (argsz %u, hop %u)", off,
				 probe.argsz, hops);
			out->chain_ok = false;
			break;
		}
		hdr = (void *)(buf + off);
		if (hdr->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
		    off + sizeof(struct vfio_iommu_type1_info_cap_iova_range) <=
		    probe.argsz) {
			struct vfio_iommu_type1_info_cap_iova_range *r =
				(void *)hdr;
			__u32 i;

			out->has_range = true;
			out->nr_iovas = r->nr_iovas;
			for (i = 0; i < r->nr_iovas && i < ARRAY_SIZE(out->range);
			     i++) {
				if (off + sizeof(*r) + (i + 1) *
				    sizeof(r->iova_ranges[0]) > probe.argsz)
					break;
				out->range[i] = r->iova_ranges[i];
			}
		} else if (hdr->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL &&
			   off + sizeof(struct vfio_iommu_type1_info_dma_avail) <=
			   probe.argsz) {
			out->has_avail = true;
			out->avail =
				((struct vfio_iommu_type1_info_dma_avail *)hdr)->avail;
		}
		off = hdr->next;
	}
	free(buf);
	return 0;
}

static long dma_avail(int c)
{
	struct iommu_info ii;

	if (iommu_info(c, &ii) || !ii.has_avail)
		return -1;
	return ii.avail;
}

static void fill_pattern(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed * 7 + (i >> 8));
}

static bool child_running(pid_t pid)
{
	int status;

	return waitpid(pid, &status, WNOHANG) == 0;
}

/* ------------------------------------------------------------------ */
/* Container.                                                          */

static void test_container(void)
{
	static const struct {
		const char *name;
		unsigned long ext;
		int want;
	} exts[] = {
		{ "container.ext.type1", VFIO_TYPE1_IOMMU, 1 },
		{ "container.ext.type1v2", VFIO_TYPE1v2_IOMMU, 1 },
		{ "container.ext.unmap_all", VFIO_UNMAP_ALL, 1 },
		{ "container.ext.spapr_tce", VFIO_SPAPR_TCE_IOMMU, 0 },
		{ "container.ext.spapr_tce_v2", VFIO_SPAPR_TCE_v2_IOMMU, 0 },
		{ "container.ext.noiommu", VFIO_NOIOMMU_IOMMU, 0 },
		{ "container.ext.update_vaddr", VFIO_UPDATE_VADDR, 0 },
		{ "container.ext.type1_nesting", VFIO_TYPE1_NESTING_IOMMU, 1 },
		{ "container.ext.dma_cc_iommu", VFIO_DMA_CC_IOMMU, 0 },
		{ "container.ext.unknown", 0x7fff, 0 },
	};
	unsigned int i;
	int c, ret;

	t_watchdog_arm("container", 30);
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (!t_expect_ok("container.open", c))
		return;

	ret = ioctl(c, VFIO_GET_API_VERSION);
	t_check(ret == VFIO_API_VERSION, "container.api_version",
		"got %d, expected %d", ret, VFIO_API_VERSION);

	for (i = 0; i < ARRAY_SIZE(exts); i++) {
		ret = ioctl(c, VFIO_CHECK_EXTENSION, exts[i].ext);
		t_check(ret == exts[i].want, exts[i].name,
			"got %d (errno %s), expected %d", ret,
			ret < 0 ? strerrorname_np(errno) : "-", exts[i].want);
	}

	t_expect_errno("container.set_iommu_without_group",
		       ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), EINVAL);
	/* Upstream 6.1's vfio_fops_unl_ioctl(): -EINVAL with no backend. */
	t_expect_errno("container.unknown_ioctl",
		       ioctl(c, _IO(VFIO_TYPE, VFIO_BASE + 90)), EINVAL);
	t_expect_errno("container.map_without_backend",
		       vt_dma_map(c, iova_base, &c, page_size,
				  VFIO_DMA_MAP_FLAG_READ), EINVAL);
	close(c);
}

/* ------------------------------------------------------------------ */
/* Group.                                                              */

static __u32 group_flags(int g)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(g, VFIO_GROUP_GET_STATUS, &st))
		return UINT32_MAX;
	return st.flags;
}

static void test_group(void)
{
	struct vfio_iommu_type1_info iinfo;
	struct vfio_group_status st;
	char path[64];
	int c, g, g2, devnull, d;
	int gid, bad_fd = -1;
	__u32 flags;

	t_watchdog_arm("group", 30);
	gid = mdev_group_id(uuid_a);
	if (!t_check(gid >= 0, "group.iommu_group_link",
		     "cannot resolve iommu_group of %s: %s", uuid_a,
		     strerrorname_np(-gid)))
		return;
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);

	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	g = open(path, O_RDWR | O_CLOEXEC);
	if (!t_expect_ok("group.open", g)) {
		close(c);
		return;
	}

	flags = group_flags(g);
	t_check(flags != UINT32_MAX && (flags & VFIO_GROUP_FLAGS_VIABLE) &&
		!(flags & VFIO_GROUP_FLAGS_CONTAINER_SET),
		"group.status_viable", "flags %#x", flags);
	st.argsz = sizeof(st) - 1;
	t_expect_errno("group.status_argsz_small",
		       ioctl(g, VFIO_GROUP_GET_STATUS, &st), EINVAL);

	g2 = open(path, O_RDWR | O_CLOEXEC);
	t_expect_errno("group.second_open_busy", g2, EBUSY);
	if (g2 >= 0)
		close(g2);

	t_expect_errno("group.get_device_fd_without_container",
		       ioctl(g, VFIO_GROUP_GET_DEVICE_FD, uuid_a), EINVAL);
	t_expect_errno("group.unset_container_without_container",
		       ioctl(g, VFIO_GROUP_UNSET_CONTAINER), EINVAL);
	t_expect_errno("group.set_container_bad_fd",
		       ioctl(g, VFIO_GROUP_SET_CONTAINER, &bad_fd), EBADF);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	t_expect_errno("group.set_container_not_a_container",
		       ioctl(g, VFIO_GROUP_SET_CONTAINER, &devnull), EINVAL);
	close(devnull);
	t_expect_errno("group.unknown_ioctl",
		       ioctl(g, _IO(VFIO_TYPE, VFIO_BASE + 90)), ENOTTY);

	if (!t_expect_ok("group.set_container",
			 ioctl(g, VFIO_GROUP_SET_CONTAINER, &c)))
		goto out;
	flags = group_flags(g);
	t_check(flags != UINT32_MAX &&
		(flags & VFIO_GROUP_FLAGS_CONTAINER_SET) &&
		(flags & VFIO_GROUP_FLAGS_VIABLE),
		"group.status_container_set", "flags %#x", flags);
	/* Upstream 6.1's vfio_group_ioctl_set_container(). */
	t_expect_errno("group.set_container_twice",
		       ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), EINVAL);

	t_expect_errno("group.get_device_fd_before_set_iommu",
		       ioctl(g, VFIO_GROUP_GET_DEVICE_FD, uuid_a), EINVAL);
	t_expect_errno("container.unknown_ioctl_without_backend",
		       ioctl(c, _IO(VFIO_TYPE, VFIO_BASE + 90)), EINVAL);
	t_expect_errno("container.set_iommu_unsupported_type",
		       ioctl(c, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU), ENODEV);
	if (!t_expect_ok("container.set_iommu_type1v2",
			 ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)))
		goto out;
	t_expect_errno("container.set_iommu_twice",
		       ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), EINVAL);
	t_expect_errno("container.unknown_ioctl_with_backend",
		       ioctl(c, _IO(VFIO_TYPE, VFIO_BASE + 90)), ENOTTY);

	t_expect_errno("group.get_device_fd_wrong_name",
		       ioctl(g, VFIO_GROUP_GET_DEVICE_FD,
			     "00000000-0000-0000-0000-000000000000"), ENODEV);
	d = ioctl(g, VFIO_GROUP_GET_DEVICE_FD, uuid_a);
	if (!t_expect_ok("group.get_device_fd", d))
		goto out;
	t_expect_errno("group.unset_container_with_open_device",
		       ioctl(g, VFIO_GROUP_UNSET_CONTAINER), EBUSY);
	close(d);

	t_expect_ok("group.unset_container",
		    ioctl(g, VFIO_GROUP_UNSET_CONTAINER));
	flags = group_flags(g);
	t_check(flags != UINT32_MAX &&
		!(flags & VFIO_GROUP_FLAGS_CONTAINER_SET),
		"group.status_after_unset", "flags %#x", flags);
	/* The container lost its last group and with it the backend. */
	memset(&iinfo, 0, sizeof(iinfo));
	iinfo.argsz = sizeof(iinfo);
	t_expect_errno("container.backend_gone_after_unset",
		       ioctl(c, VFIO_IOMMU_GET_INFO, &iinfo), EINVAL);
out:
	close(g);
	close(c);
}

/* ------------------------------------------------------------------ */
/* Upstream ABI: answers that must equal Debian 6.1's in-kernel stack.  */

/*
 * One ABI case: PASS/FAIL against upstream 6.1's answer @want (0, a
 * positive return value, or -errno), plus an "ABI name answer" line that
 * conformance.sh compares with the same case run on the in-kernel stack.
 */
static void abi_case(const char *name, long ret, long want)
{
	long got = ret < 0 ? -errno : ret;

	printf("ABI %s %s\n", name,
	       got < 0 ? strerrorname_np(-got) : (got ? "1" : "0"));
	t_check(got == want, name, "got %ld (%s), upstream %ld (%s)", got,
		got < 0 ? strerrorname_np(-got) : "-", want,
		want < 0 ? strerrorname_np(-want) : "-");
}

/*
 * The container and group answers of the device @uuid's stack, each with
 * the upstream 6.1 function that gives it. Runs on any mdev, so the same
 * cases run on our fixture and on upstream's mtty (conformance.sh).
 */
static void test_abi(const char *uuid)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	unsigned char *buf;
	char path[64];
	int c, g, gid;

	t_watchdog_arm("abi", 30);
	gid = mdev_group_id(uuid);
	if (!t_check(gid >= 0, "abi.group", "no iommu_group for %s", uuid))
		return;
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	buf = vt_anon_buffer(2 * page_size, 0);
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	g = open(path, O_RDWR | O_CLOEXEC);
	if (!t_check(buf && c >= 0 && g >= 0, "abi.open", "%s",
		     strerrorname_np(errno)))
		goto out;

	/* vfio_iommu_type1_check_extension(): no container state yet. */
	abi_case("abi.ext_dma_cc_before_set_iommu",
		 ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 0);
	abi_case("abi.ext_nesting",
		 ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_NESTING_IOMMU), 1);

	if (!t_expect_ok("abi.set_container",
			 ioctl(g, VFIO_GROUP_SET_CONTAINER, &c)))
		goto out;
	/* vfio_group_ioctl_set_container(): group->container is set. */
	abi_case("abi.set_container_twice",
		 ioctl(g, VFIO_GROUP_SET_CONTAINER, &c), -EINVAL);
	/* vfio_fops_unl_ioctl(): no iommu_driver to pass the ioctl to. */
	abi_case("abi.map_before_set_iommu",
		 vt_dma_map(c, iova_base, buf, page_size,
			    VFIO_DMA_MAP_FLAG_READ), -EINVAL);
	abi_case("abi.unmap_before_set_iommu",
		 vt_dma_unmap(c, iova_base, page_size, 0, NULL), -EINVAL);
	abi_case("abi.get_info_before_set_iommu",
		 ioctl(c, VFIO_IOMMU_GET_INFO, &info), -EINVAL);
	abi_case("abi.unknown_before_set_iommu",
		 ioctl(c, _IO(VFIO_TYPE, VFIO_BASE + 90)), -EINVAL);

	/* vfio_iommu_type1_open() takes it; attach of an emulated group. */
	abi_case("abi.set_iommu_nesting",
		 ioctl(c, VFIO_SET_IOMMU, VFIO_TYPE1_NESTING_IOMMU), 0);
	/* vfio_domains_have_enforce_cache_coherency(): no domain at all. */
	abi_case("abi.ext_dma_cc_after_set_iommu",
		 ioctl(c, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	abi_case("abi.ext_nesting_after_set_iommu",
		 ioctl(c, VFIO_CHECK_EXTENSION, VFIO_TYPE1_NESTING_IOMMU), 1);
	abi_case("abi.ext_update_vaddr_with_mdev",
		 ioctl(c, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	abi_case("abi.unknown_with_backend",
		 ioctl(c, _IO(VFIO_TYPE, VFIO_BASE + 90)), -ENOTTY);

	/*
	 * vfio_dma_do_map() with VFIO_DMA_MAP_FLAG_VADDR: access flags are
	 * refused, a range nothing maps is -ENOENT, and a mapping whose
	 * vaddr was never invalidated is -EINVAL.
	 */
	abi_case("abi.map_vaddr_with_read",
		 vt_dma_map(c, iova_base, buf, page_size,
			    VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ),
		 -EINVAL);
	abi_case("abi.map_vaddr_unmapped",
		 vt_dma_map(c, iova_base, buf, page_size,
			    VFIO_DMA_MAP_FLAG_VADDR), -ENOENT);
	abi_case("abi.map_vaddr_unaligned",
		 vt_dma_map(c, iova_base + 1, buf, page_size,
			    VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
	if (t_expect_ok("abi.map", vt_dma_map(c, iova_base, buf, 2 * page_size,
					      VFIO_DMA_MAP_FLAG_READ))) {
		abi_case("abi.map_vaddr_mapped",
			 vt_dma_map(c, iova_base, buf + page_size,
				    2 * page_size, VFIO_DMA_MAP_FLAG_VADDR),
			 -EINVAL);
		abi_case("abi.map_vaddr_overlap",
			 vt_dma_map(c, iova_base + page_size, buf, page_size,
				    VFIO_DMA_MAP_FLAG_VADDR), -EINVAL);
		/* vfio_dma_do_unmap(): no vaddr updates with an mdev. */
		abi_case("abi.unmap_vaddr_with_mdev",
			 vt_dma_unmap(c, iova_base, 2 * page_size,
				      VFIO_DMA_UNMAP_FLAG_VADDR, NULL), -EBUSY);
		t_expect_ok("abi.unmap",
			    vt_dma_unmap(c, iova_base, 2 * page_size, 0, NULL));
	}
	t_expect_ok("abi.unset_container",
		    ioctl(g, VFIO_GROUP_UNSET_CONTAINER));
out:
	if (g >= 0)
		close(g);
	if (c >= 0)
		close(c);
	if (buf)
		munmap(buf, 2 * page_size);
	alarm(0);
}

/* ------------------------------------------------------------------ */
/* Reset and INTx, on the SDK's interrupt code (samples/mtty).         */

#define MTTY_PARENT		"mtty"
#define MTTY_TYPE_1		"mtty-1"
#define MTTY_UART_IER		1
#define MTTY_UART_IER_THRI	0x02

/* A byte to the device's region @index at @off; 0 or -errno. */
static int region_write8(int d, __u32 index, __u64 off, __u8 val)
{
	struct vt_region r;
	int ret = vt_region_info(d, index, &r);

	if (ret)
		return ret;
	if (pwrite(d, &val, 1, r.offset + off) != 1)
		return -errno;
	return 0;
}

static int command_write(int d, __u16 cmd)
{
	struct vt_region r;
	__u8 b[2] = { cmd & 0xff, cmd >> 8 };
	int ret = vt_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &r);

	if (ret)
		return ret;
	if (pwrite(d, b, 2, r.offset + PCI_COMMAND) != 2)
		return -errno;
	return 0;
}

/*
 * The UART raises INTx when THRI is enabled with an empty transmitter;
 * disabling THRI first makes the next enable a fresh rising edge.
 */
static int mtty_raise(int d)
{
	return region_write8(d, VFIO_PCI_BAR0_REGION_INDEX, MTTY_UART_IER, 0) ?:
	       region_write8(d, VFIO_PCI_BAR0_REGION_INDEX, MTTY_UART_IER,
			     MTTY_UART_IER_THRI);
}

/*
 * VFIO_DEVICE_RESET drops an INTx the device raised before it: a reset
 * device has its line deasserted, so neither the reset value of INTx
 * Disable nor a later unmask may deliver it.
 */
static void test_reset_intx(void)
{
	char uuid[UUID_STR_LEN];
	struct vfio_handle h;
	int efd = -1, ret;

	if (!path_exists("/sys/class/mdev_bus/" MTTY_PARENT)) {
		printf("SKIP reset.intx: the mtty sample is not loaded\n");
		return;
	}
	t_watchdog_arm("reset", 30);
	uuid_random(uuid);
	ret = mdev_create_on(MTTY_PARENT, MTTY_TYPE_1, uuid);
	if (!t_check(!ret, "reset.create", "create %s: %s", uuid,
		     strerrorname_np(-ret)))
		return;
	ret = vfio_open_device(uuid, &h);
	if (!t_check(!ret, "reset.open", "%s", strerrorname_np(-ret)))
		goto out_remove;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!t_expect_ok("reset.eventfd", efd) ||
	    !t_expect_ok("reset.set_intx_eventfd",
			 vt_set_eventfd(h.device, VFIO_PCI_INTX_IRQ_INDEX,
					efd)))
		goto out_close;

	/* Raised while the guest set INTx Disable: held pending. */
	ret = command_write(h.device, PCI_COMMAND_INTX_DISABLE) ?:
	      mtty_raise(h.device);
	t_check(!ret, "reset.raise_while_disabled", "%s",
		strerrorname_np(-ret));
	t_check(wait_readable(efd, 200) == 0, "reset.intx_disabled_holds",
		"INTx eventfd fired with INTx Disable set");
	t_expect_ok("reset.reset_disabled", ioctl(h.device, VFIO_DEVICE_RESET));
	t_check(wait_readable(efd, 500) == 0, "reset.drops_intx_held_by_disable",
		"INTx eventfd fired after VFIO_DEVICE_RESET");
	vt_eventfd_drain(efd);

	/* Delivered once, then raised again while automasked: pending. */
	ret = mtty_raise(h.device);
	t_check(!ret && wait_readable(efd, 2000) == 1 &&
		vt_eventfd_drain(efd) == 1, "reset.intx_fires",
		"ret %s, eventfd not signalled once", strerrorname_np(-ret));
	ret = mtty_raise(h.device);
	t_check(!ret && wait_readable(efd, 200) == 0,
		"reset.intx_masked_holds", "ret %s, eventfd fired while masked",
		strerrorname_np(-ret));
	t_expect_ok("reset.reset_masked", ioctl(h.device, VFIO_DEVICE_RESET));
	t_expect_ok("reset.unmask",
		    vt_set_irqs(h.device, VFIO_PCI_INTX_IRQ_INDEX,
				VFIO_IRQ_SET_ACTION_UNMASK |
				VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0, 0));
	t_check(wait_readable(efd, 500) == 0, "reset.drops_intx_held_by_mask",
		"INTx eventfd fired on the first unmask after VFIO_DEVICE_RESET");

	/* Reset leaves INTx working. */
	ret = mtty_raise(h.device);
	t_check(!ret && wait_readable(efd, 2000) == 1,
		"reset.intx_fires_after_reset", "ret %s, eventfd not signalled",
		strerrorname_np(-ret));
out_close:
	if (efd >= 0)
		close(efd);
	vfio_close(&h);
out_remove:
	ret = mdev_remove(uuid);
	t_check(!ret, "reset.remove", "remove %s: %s", uuid,
		strerrorname_np(-ret));
	alarm(0);
}

/* ------------------------------------------------------------------ */
/* type1 backend.                                                      */

static void choose_iova_window(const struct iommu_info *ii)
{
	__u32 i;

	for (i = 0; i < ii->nr_iovas && i < ARRAY_SIZE(ii->range); i++) {
		__u64 start = ii->range[i].start;
		__u64 end = ii->range[i].end;
		__u64 base = start < 256 * MIB ? 256 * MIB : start;

		base = (base + IOVA_ALIGN - 1) & ~(IOVA_ALIGN - 1);
		if (base >= start && base <= end && end - base >= IOVA_SPAN - 1) {
			iova_base = base;
			return;
		}
	}
}

static void test_type1(struct vfio_handle *h)
{
	struct vfio_iommu_type1_dma_unmap um;
	struct vfio_iommu_type1_dma_map m;
	struct vfio_iommu_type1_info info;
	const __u64 sz = 64 * KIB;
	struct iommu_info ii;
	__u64 unmapped, iova;
	long avail0, avail, lck0;
	unsigned char *buf;
	int c = h->container;
	int ret;

	t_watchdog_arm("type1", 60);
	ret = iommu_info(c, &ii);
	if (!t_check(!ret, "type1.get_info", "failed with %s",
		     strerrorname_np(-ret)))
		return;
	t_check(ii.flags & VFIO_IOMMU_INFO_PGSIZES, "type1.info_flags_pgsizes",
		"flags %#x", ii.flags);
	t_check(ii.pgsizes & page_size, "type1.info_pgsizes_has_page",
		"pgsizes %#llx", (unsigned long long)ii.pgsizes);
	t_check((ii.flags & VFIO_IOMMU_INFO_CAPS) &&
		ii.argsz_needed > sizeof(info), "type1.info_argsz_grows_for_caps",
		"flags %#x, argsz %u", ii.flags, ii.argsz_needed);
	t_check(ii.chain_ok, "type1.info_cap_chain_well_formed", "%s",
		ii.chain_err);
	t_check(ii.has_range && ii.nr_iovas >= 1, "type1.info_cap_iova_range",
		"present %d, nr_iovas %u", ii.has_range, ii.nr_iovas);
	t_check(ii.has_avail && ii.avail > 0, "type1.info_cap_dma_avail",
		"present %d, avail %u", ii.has_avail, ii.avail);
	if (ii.has_range)
		choose_iova_window(&ii);

	memset(&info, 0, sizeof(info));
	info.argsz = offsetof(struct vfio_iommu_type1_info, iova_pgsizes) + 7;
	t_expect_errno("type1.info_argsz_small",
		       ioctl(c, VFIO_IOMMU_GET_INFO, &info), EINVAL);

	buf = vt_anon_buffer(4 * MIB, 0x5a);
	if (!t_check(buf, "type1.buffer", "mmap failed"))
		return;
	avail0 = dma_avail(c);
	lck0 = proc_status_kb("VmLck");

	iova = iova_base;
	t_expect_ok("type1.map",
		    vt_dma_map(c, iova, buf, sz,
			       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE));
	avail = dma_avail(c);
	t_check(avail0 > 0 && avail == avail0 - 1, "type1.dma_avail_decreases",
		"before %ld, after %ld", avail0, avail);
	t_check(proc_status_kb("VmLck") == lck0, "type1.map_pins_nothing",
		"VmLck %ld kB -> %ld kB", lck0, proc_status_kb("VmLck"));

	t_expect_errno("type1.map_same_range_exists",
		       vt_dma_map(c, iova, buf, sz, VFIO_DMA_MAP_FLAG_READ),
		       EEXIST);
	t_expect_errno("type1.map_overlap_exists",
		       vt_dma_map(c, iova + sz / 2, buf, sz,
				  VFIO_DMA_MAP_FLAG_READ), EEXIST);
	t_expect_errno("type1.map_unaligned_iova",
		       vt_dma_map(c, iova + MIB + 1, buf, sz,
				  VFIO_DMA_MAP_FLAG_READ), EINVAL);
	t_expect_errno("type1.map_unaligned_vaddr",
		       vt_dma_map(c, iova + MIB, buf + 1, sz,
				  VFIO_DMA_MAP_FLAG_READ), EINVAL);
	t_expect_errno("type1.map_unaligned_size",
		       vt_dma_map(c, iova + MIB, buf, page_size - 1,
				  VFIO_DMA_MAP_FLAG_READ), EINVAL);
	t_expect_errno("type1.map_zero_size",
		       vt_dma_map(c, iova + MIB, buf, 0, VFIO_DMA_MAP_FLAG_READ),
		       EINVAL);
	t_expect_errno("type1.map_iova_wraps",
		       vt_dma_map(c, UINT64_MAX - page_size + 1, buf,
				  2 * page_size, VFIO_DMA_MAP_FLAG_READ), EINVAL);
	t_expect_errno("type1.map_vaddr_wraps",
		       vt_dma_map(c, iova + MIB,
				  (void *)(uintptr_t)(UINT64_MAX - page_size + 1),
			       2 * page_size, VFIO_DMA_MAP_FLAG_READ), EINVAL);
	t_expect_errno("type1.map_bad_flags",
		       vt_dma_map(c, iova + MIB, buf, sz,
				  VFIO_DMA_MAP_FLAG_READ | (1u << 20)), EINVAL);
	t_expect_errno("type1.map_no_access",
		       vt_dma_map(c, iova + MIB, buf, sz, 0), EINVAL);
	memset(&m, 0, sizeof(m));
	m.argsz = offsetof(struct vfio_iommu_type1_dma_map, size);
	m.flags = VFIO_DMA_MAP_FLAG_READ;
	m.vaddr = (uintptr_t)buf;
	m.iova = iova + MIB;
	m.size = sz;
	t_expect_errno("type1.map_argsz_small",
		       ioctl(c, VFIO_IOMMU_MAP_DMA, &m), EINVAL);
	avail = dma_avail(c);
	t_check(avail == avail0 - 1, "type1.failed_maps_consume_nothing",
		"dma_avail %ld, expected %ld", avail, avail0 - 1);

	/* A second mapping, for the splitting checks. */
	t_expect_ok("type1.map_second",
		    vt_dma_map(c, iova + MIB, buf + MIB, sz,
			       VFIO_DMA_MAP_FLAG_READ));
	t_expect_errno("type1.unmap_split_middle",
		       vt_dma_unmap(c, iova + MIB + page_size, page_size, 0, NULL),
		       EINVAL);
	t_expect_errno("type1.unmap_split_head",
		       vt_dma_unmap(c, iova + MIB, page_size, 0, NULL), EINVAL);
	t_expect_errno("type1.unmap_split_tail",
		       vt_dma_unmap(c, iova + MIB + sz - page_size, 2 * page_size,
				    0, NULL), EINVAL);
	t_expect_errno("type1.unmap_unaligned",
		       vt_dma_unmap(c, iova, 100, 0, NULL), EINVAL);
	t_expect_errno("type1.unmap_bad_flags",
		       vt_dma_unmap(c, iova, sz, 1u << 20, NULL), EINVAL);
	t_expect_errno("type1.unmap_all_with_range",
		       vt_dma_unmap(c, iova, sz, VFIO_DMA_UNMAP_FLAG_ALL, NULL),
		       EINVAL);
	memset(&um, 0, sizeof(um));
	um.argsz = offsetof(struct vfio_iommu_type1_dma_unmap, size);
	um.iova = iova;
	um.size = sz;
	t_expect_errno("type1.unmap_argsz_small",
		       ioctl(c, VFIO_IOMMU_UNMAP_DMA, &um), EINVAL);

	unmapped = 0;
	ret = vt_dma_unmap(c, iova, sz, 0, &unmapped);
	t_check(!ret && unmapped == sz, "type1.unmap",
		"ret %d (%s), unmapped %#llx of %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped, (unsigned long long)sz);
	unmapped = 1;
	ret = vt_dma_unmap(c, iova, sz, 0, &unmapped);
	t_check(!ret && unmapped == 0, "type1.unmap_nothing_mapped",
		"ret %d, unmapped %#llx", ret, (unsigned long long)unmapped);
	/* Whole mappings inside a larger range go; nothing is split. */
	unmapped = 0;
	ret = vt_dma_unmap(c, iova, 2 * MIB, 0, &unmapped);
	t_check(!ret && unmapped == sz, "type1.unmap_covering_range",
		"ret %d, unmapped %#llx", ret, (unsigned long long)unmapped);
	avail = dma_avail(c);
	t_check(avail == avail0, "type1.dma_avail_restored",
		"dma_avail %ld, expected %ld", avail, avail0);

	/* UNMAP_ALL empties the container and reports the total. */
	ret = vt_dma_map(c, iova, buf, sz, VFIO_DMA_MAP_FLAG_READ) ||
	      vt_dma_map(c, iova + MIB, buf + MIB, 2 * sz,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) ||
	      vt_dma_map(c, iova + 2 * MIB, buf + 2 * MIB, page_size,
			 VFIO_DMA_MAP_FLAG_WRITE);
	t_check(!ret, "type1.map_three", "a map failed: %s",
		strerrorname_np(errno));
	avail = dma_avail(c);
	t_check(avail == avail0 - 3, "type1.dma_avail_per_mapping",
		"dma_avail %ld, expected %ld", avail, avail0 - 3);
	unmapped = 0;
	ret = vt_dma_unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &unmapped);
	t_check(!ret && unmapped == 3 * sz + page_size, "type1.unmap_all",
		"ret %d (%s), unmapped %#llx, expected %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped,
		(unsigned long long)(3 * sz + page_size));
	avail = dma_avail(c);
	t_check(avail == avail0, "type1.unmap_all_restores_dma_avail",
		"dma_avail %ld, expected %ld", avail, avail0);
	ret = vt_dma_map(c, iova, buf, sz, VFIO_DMA_MAP_FLAG_READ);
	t_check(!ret, "type1.map_after_unmap_all", "failed with %s",
		strerrorname_np(errno));
	vt_dma_unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	munmap(buf, 4 * MIB);
}

/* ------------------------------------------------------------------ */
/* Device fd.                                                          */

static void test_device_irqs(int d)
{
	struct vfio_irq_info irq;
	struct fix_status s0, s1;
	__u8 on = 1, off = 0;
	int efd, ret;

	memset(&irq, 0, sizeof(irq));
	irq.argsz = sizeof(irq);
	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	ret = ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	t_check(!ret && irq.count == 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
		"device.irq_info_intx", "ret %d, count %u, flags %#x", ret,
		irq.count, irq.flags);
	irq.index = VFIO_PCI_REQ_IRQ_INDEX;
	ret = ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	t_check(!ret && irq.count == 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
		"device.irq_info_req", "ret %d, count %u, flags %#x", ret,
		irq.count, irq.flags);
	irq.index = VFIO_PCI_NUM_IRQS;
	t_expect_errno("device.irq_info_bad_index",
		       ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &irq), EINVAL);
	irq.index = VFIO_PCI_INTX_IRQ_INDEX;
	irq.argsz = offsetof(struct vfio_irq_info, count);
	t_expect_errno("device.irq_info_argsz_small",
		       ioctl(d, VFIO_DEVICE_GET_IRQ_INFO, &irq), EINVAL);

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!t_expect_ok("device.eventfd", efd))
		return;
	if (!t_expect_ok("device.set_irqs_eventfd",
			 vt_set_eventfd(d, VFIO_PCI_INTX_IRQ_INDEX, efd)))
		goto out;
	fix_status(d, &s0);
	t_expect_ok("device.set_irqs_trigger_none",
		    vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				VFIO_IRQ_SET_ACTION_TRIGGER |
			     VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0, 0));
	ret = wait_readable(efd, 2000);
	t_check(ret == 1 && vt_eventfd_drain(efd) == 1, "device.irq_fires_eventfd",
		"eventfd %s", ret == 1 ? "count != 1" : "not signalled");
	fix_status(d, &s1);
	t_check(s1.intx_fired == s0.intx_fired + 1, "device.irq_fired_once",
		"fixture fired %u times", s1.intx_fired - s0.intx_fired);

	t_expect_ok("device.set_irqs_trigger_bool_true",
		    vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				VFIO_IRQ_SET_ACTION_TRIGGER |
			     VFIO_IRQ_SET_DATA_BOOL, 0, 1, &on, 1, 0));
	ret = wait_readable(efd, 2000);
	t_check(ret == 1 && vt_eventfd_drain(efd) == 1, "device.irq_bool_true_fires",
		"eventfd not signalled once");
	t_expect_ok("device.set_irqs_trigger_bool_false",
		    vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				VFIO_IRQ_SET_ACTION_TRIGGER |
			     VFIO_IRQ_SET_DATA_BOOL, 0, 1, &off, 1, 0));
	t_check(wait_readable(efd, 200) == 0, "device.irq_bool_false_quiet",
		"eventfd signalled");

	t_expect_ok("device.set_irqs_eventfd_disable",
		    vt_set_eventfd(d, VFIO_PCI_INTX_IRQ_INDEX, -1));
	vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
		    VFIO_IRQ_SET_ACTION_TRIGGER | VFIO_IRQ_SET_DATA_NONE, 0, 1,
		 NULL, 0, 0);
	t_check(wait_readable(efd, 200) == 0, "device.irq_disabled_quiet",
		"eventfd signalled after disable");

	t_expect_errno("device.set_irqs_bad_index",
		       vt_set_irqs(d, VFIO_PCI_NUM_IRQS + 2,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0, 0),
		       EINVAL);
	t_expect_errno("device.set_irqs_empty_index",
		       vt_set_irqs(d, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0, 0),
		       EINVAL);
	t_expect_errno("device.set_irqs_bad_start",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE, 1, 1, NULL, 0, 0),
		       EINVAL);
	t_expect_errno("device.set_irqs_two_data_types",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE |
				VFIO_IRQ_SET_DATA_BOOL, 0, 1, &on, 1, 0),
		       EINVAL);
	t_expect_errno("device.set_irqs_unknown_flag",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE | (1u << 12), 0, 1,
				NULL, 0, 0), EINVAL);
	t_expect_errno("device.set_irqs_unsupported_action",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_MASK |
				VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0, 0),
		       EINVAL);
	t_expect_errno("device.set_irqs_argsz_small",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_NONE, 0, 1, NULL, 0,
				offsetof(struct vfio_irq_set, count)), EINVAL);
	t_expect_errno("device.set_irqs_eventfd_missing_data",
		       vt_set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				VFIO_IRQ_SET_DATA_EVENTFD, 0, 1, NULL, 0,
				sizeof(struct vfio_irq_set)), EINVAL);
out:
	close(efd);
}

static bool regions_overlap(const struct vt_region *a,
			    const struct vt_region *b)
{
	return a->offset < b->offset + b->size &&
	       b->offset < a->offset + a->size;
}

static void test_device(struct vfio_handle *h)
{
	struct vfio_device_info info;
	struct vfio_region_info rinfo;
	struct vfio_device_feature feat;
	struct vt_region cfg, bar0, bar2;
	unsigned char *pat, *back, *map;
	__u32 bar, ids;
	int d = h->device;
	int ret;

	t_watchdog_arm("device", 60);
	memset(&info, 0, sizeof(info));
	info.argsz = sizeof(info);
	ret = ioctl(d, VFIO_DEVICE_GET_INFO, &info);
	t_check(!ret && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
		info.num_regions >= VFIO_PCI_NUM_REGIONS &&
		info.num_irqs >= VFIO_PCI_NUM_IRQS, "device.get_info",
		"ret %d, flags %#x, regions %u, irqs %u", ret, info.flags,
		info.num_regions, info.num_irqs);
	info.argsz = offsetof(struct vfio_device_info, num_irqs);
	t_expect_errno("device.get_info_argsz_small",
		       ioctl(d, VFIO_DEVICE_GET_INFO, &info), EINVAL);

	ret = vt_region_info(d, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	t_check(!ret && cfg.size == MFIX_CONFIG_SIZE &&
		(cfg.flags & VFIO_REGION_INFO_FLAG_READ) &&
		(cfg.flags & VFIO_REGION_INFO_FLAG_WRITE),
		"device.region_config", "ret %d, size %llu, flags %#x", ret,
		(unsigned long long)cfg.size, cfg.flags);
	ret = vt_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	t_check(!ret && bar0.size == MFIX_BAR0_SIZE &&
		(bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
		(bar0.flags & VFIO_REGION_INFO_FLAG_READ) &&
		(bar0.flags & VFIO_REGION_INFO_FLAG_WRITE),
		"device.region_bar0", "ret %d, size %llu, flags %#x", ret,
		(unsigned long long)bar0.size, bar0.flags);
	ret = vt_region_info(d, VFIO_PCI_BAR2_REGION_INDEX, &bar2);
	t_check(!ret && bar2.size == MFIX_CTL_SIZE, "device.region_bar2",
		"ret %d, size %llu", ret, (unsigned long long)bar2.size);
	t_check(!regions_overlap(&cfg, &bar0) && !regions_overlap(&cfg, &bar2) &&
		!regions_overlap(&bar0, &bar2), "device.regions_disjoint",
		"config %#llx, bar0 %#llx, bar2 %#llx",
		(unsigned long long)cfg.offset,
		(unsigned long long)bar0.offset,
		(unsigned long long)bar2.offset);
	memset(&rinfo, 0, sizeof(rinfo));
	rinfo.argsz = sizeof(rinfo);
	rinfo.index = VFIO_PCI_NUM_REGIONS;
	t_expect_errno("device.region_bad_index",
		       ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &rinfo), EINVAL);
	rinfo.index = VFIO_PCI_BAR0_REGION_INDEX;
	rinfo.argsz = offsetof(struct vfio_region_info, offset);
	t_expect_errno("device.region_argsz_small",
		       ioctl(d, VFIO_DEVICE_GET_REGION_INFO, &rinfo), EINVAL);

	/* Config space through pread/pwrite at the region offset. */
	ids = 0;
	ret = pread(d, &ids, 4, cfg.offset);
	t_check(ret == 4 && le32toh(ids) ==
		((__u32)MFIX_DEVICE_ID << 16 | MFIX_VENDOR_ID),
		"device.config_read_ids", "ret %d, ids %#x", ret, le32toh(ids));
	bar = htole32(0xffffffff);
	ret = pwrite(d, &bar, 4, cfg.offset + 0x10);
	bar = 0;
	if (ret == 4)
		ret = pread(d, &bar, 4, cfg.offset + 0x10);
	t_check(ret == 4 && le32toh(bar) == (__u32)~(MFIX_BAR0_SIZE - 1),
		"device.config_write_bar_sizing", "ret %d, BAR0 reads %#x", ret,
		le32toh(bar));

	/* BAR0: pwrite/pread round trip, then the same memory via mmap. */
	pat = malloc(MFIX_BAR0_SIZE);
	back = malloc(MFIX_BAR0_SIZE);
	if (!pat || !back)
		goto out;
	fill_pattern(pat, MFIX_BAR0_SIZE, 1);
	ret = pwrite(d, pat, MFIX_BAR0_SIZE, bar0.offset);
	t_check(ret == MFIX_BAR0_SIZE, "device.bar0_pwrite", "ret %d", ret);
	memset(back, 0, MFIX_BAR0_SIZE);
	ret = pread(d, back, MFIX_BAR0_SIZE, bar0.offset);
	t_check(ret == MFIX_BAR0_SIZE && !memcmp(pat, back, MFIX_BAR0_SIZE),
		"device.bar0_round_trip", "ret %d or data differs", ret);
	ret = pwrite(d, "mdev-sdk", 8, bar0.offset + 0x1230);
	memset(back, 0, 8);
	if (ret == 8)
		ret = pread(d, back, 8, bar0.offset + 0x1230);
	t_check(ret == 8 && !memcmp(back, "mdev-sdk", 8),
		"device.bar0_round_trip_offset", "ret %d or data differs", ret);
	memcpy(pat + 0x1230, "mdev-sdk", 8);

	map = mmap(NULL, MFIX_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   d, bar0.offset);
	if (t_check(map != MAP_FAILED, "device.bar0_mmap", "failed with %s",
		    strerrorname_np(errno))) {
		t_check(!memcmp(map, pat, MFIX_BAR0_SIZE),
			"device.bar0_mmap_sees_pwrite", "data differs");
		fill_pattern(map, MFIX_BAR0_SIZE, 2);
		fill_pattern(pat, MFIX_BAR0_SIZE, 2);
		ret = pread(d, back, MFIX_BAR0_SIZE, bar0.offset);
		t_check(ret == MFIX_BAR0_SIZE &&
			!memcmp(pat, back, MFIX_BAR0_SIZE),
			"device.bar0_pread_sees_mmap_write",
			"ret %d or data differs", ret);
		munmap(map, MFIX_BAR0_SIZE);
	}
	map = mmap(NULL, 2 * MFIX_BAR0_SIZE, PROT_READ, MAP_SHARED, d,
		   bar0.offset);
	t_check(map == MAP_FAILED, "device.bar0_mmap_past_end_refused",
		"mapping twice the BAR size succeeded");
	if (map != MAP_FAILED)
		munmap(map, 2 * MFIX_BAR0_SIZE);

	test_device_irqs(d);

	memset(&feat, 0, sizeof(feat));
	feat.argsz = sizeof(feat);
	feat.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_MIGRATION;
	t_expect_errno("device.feature_migration_unsupported",
		       ioctl(d, VFIO_DEVICE_FEATURE, &feat), ENOTTY);
	feat.flags = VFIO_DEVICE_FEATURE_GET | 0x7ff0;
	t_expect_errno("device.feature_unknown",
		       ioctl(d, VFIO_DEVICE_FEATURE, &feat), ENOTTY);
	feat.argsz = offsetof(struct vfio_device_feature, flags);
	t_expect_errno("device.feature_argsz_small",
		       ioctl(d, VFIO_DEVICE_FEATURE, &feat), EINVAL);
	feat.argsz = sizeof(feat);
	feat.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_MIGRATION |
		     (1u << 24);
	t_expect_errno("device.feature_bad_flags",
		       ioctl(d, VFIO_DEVICE_FEATURE, &feat), EINVAL);

	t_expect_errno("device.unknown_ioctl",
		       ioctl(d, _IO(VFIO_TYPE, VFIO_BASE + 90)), ENOTTY);
	t_expect_ok("device.reset", ioctl(d, VFIO_DEVICE_RESET));
out:
	free(pat);
	free(back);
}

/* ------------------------------------------------------------------ */
/* Pinning through the fixture's control region.                       */

static void test_pinning(struct vfio_handle *h)
{
	const __u64 rw_iova = iova_base + 16 * MIB;
	const __u64 ro_iova = iova_base + 24 * MIB;
	const __u64 unmapped_iova = iova_base + 32 * MIB;
	const size_t rw_size = 2 * MIB, ro_size = 64 * KIB;
	const long pg_kb = page_size / 1024;
	const __u32 max_entries = page_size / sizeof(unsigned long);
	struct fix_status s0, s;
	unsigned char *rw, *ro, *pat, *back;
	struct vt_region bar0;
	__u64 unmapped;
	int c = h->container, d = h->device;
	long lck0, lck;
	int ret;

	t_watchdog_arm("pin", 60);
	rw = vt_anon_buffer(rw_size, 0x11);
	ro = vt_anon_buffer(ro_size, 0x22);
	pat = malloc(page_size);
	back = malloc(page_size);
	if (!t_check(rw && ro && pat && back, "pin.buffers", "out of memory"))
		return;
	ret = vt_dma_map(c, rw_iova, rw, rw_size,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (!t_expect_ok("pin.map_rw", ret))
		return;
	if (!t_expect_ok("pin.map_ro", vt_dma_map(c, ro_iova, ro, ro_size,
						  VFIO_DMA_MAP_FLAG_READ)))
		return;
	if (!t_check(!fix_status(d, &s0) &&
		     !vt_region_info(d, VFIO_PCI_BAR0_REGION_INDEX, &bar0),
		     "pin.status", "cannot read status or BAR0 info"))
		return;
	lck0 = proc_status_kb("VmLck");

	t_expect_ret("pin.read", fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, 8), 0);
	fix_status(d, &s);
	t_check(s.pinned == s0.pinned + 8, "pin.count_rises",
		"pinned %u, expected %u", s.pinned, s0.pinned + 8);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0 + 8 * pg_kb, "pin.locked_vm_charged",
		"VmLck %ld kB, expected %ld kB", lck, lck0 + 8 * pg_kb);
	t_expect_ret("pin.unpin", fix_cmd(d, MFIX_OP_UNPIN, rw_iova, 8), 0);
	fix_status(d, &s);
	lck = proc_status_kb("VmLck");
	t_check(s.pinned == s0.pinned && lck == lck0, "pin.unpin_uncharges",
		"pinned %u, VmLck %ld kB (baseline %ld kB)", s.pinned, lck,
		lck0);

	/* The same page pinned twice is charged once and needs two unpins. */
	t_expect_ret("pin.twice_first", fix_cmd(d, MFIX_OP_PIN_WRITE, rw_iova, 1),
		     0);
	t_expect_ret("pin.twice_second", fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, 1),
		     0);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0 + pg_kb, "pin.twice_charged_once",
		"VmLck %ld kB, expected %ld kB", lck, lck0 + pg_kb);
	fix_cmd(d, MFIX_OP_UNPIN, rw_iova, 1);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0 + pg_kb, "pin.twice_first_unpin_keeps_charge",
		"VmLck %ld kB, expected %ld kB", lck, lck0 + pg_kb);
	fix_cmd(d, MFIX_OP_UNPIN, rw_iova, 1);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0, "pin.twice_second_unpin_uncharges",
		"VmLck %ld kB, expected %ld kB", lck, lck0);

	t_expect_ret("pin.unmapped_iova",
		     fix_cmd(d, MFIX_OP_PIN_READ, unmapped_iova, 1), EINVAL);
	t_expect_ret("pin.zero_pages", fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, 0),
		     EINVAL);
	t_expect_ret("pin.too_many_pages",
		     fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, max_entries + 1), E2BIG);
	t_expect_ret("pin.max_pages",
		     fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, max_entries), 0);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0 + (long)max_entries * pg_kb,
		"pin.max_pages_charged", "VmLck %ld kB, expected %ld kB", lck,
		lck0 + (long)max_entries * pg_kb);
	fix_cmd(d, MFIX_OP_UNPIN, rw_iova, max_entries);

	/* Crossing the end of the mapping fails and leaves nothing behind. */
	t_expect_ret("pin.past_mapping_end",
		     fix_cmd(d, MFIX_OP_PIN_READ, rw_iova + rw_size - page_size, 2),
		  EINVAL);
	fix_status(d, &s);
	lck = proc_status_kb("VmLck");
	t_check(s.pinned == s0.pinned && lck == lck0,
		"pin.past_mapping_end_unwinds",
		"pinned %u (expected %u), VmLck %ld kB (baseline %ld kB)",
		s.pinned, s0.pinned, lck, lck0);

	t_expect_ret("pin.write_on_readonly_mapping",
		     fix_cmd(d, MFIX_OP_PIN_WRITE, ro_iova, 1), EPERM);
	t_expect_ret("pin.read_on_readonly_mapping",
		     fix_cmd(d, MFIX_OP_PIN_READ, ro_iova, 1), 0);
	fix_cmd(d, MFIX_OP_UNPIN, ro_iova, 1);

	/* vfio_dma_rw() in both directions. */
	fill_pattern(rw + 8 * page_size, page_size, 3);
	t_expect_ret("dma.read", fix_cmd(d, MFIX_OP_DMA_READ,
					 rw_iova + 8 * page_size, page_size), 0);
	ret = pread(d, back, page_size, bar0.offset);
	t_check(ret == page_size && !memcmp(back, rw + 8 * page_size,
					    page_size),
		"dma.read_data", "device saw different data");
	fill_pattern(pat, page_size, 4);
	ret = pwrite(d, pat, page_size, bar0.offset);
	t_expect_ret("dma.write", fix_cmd(d, MFIX_OP_DMA_WRITE,
					  rw_iova + 12 * page_size + 100,
				       page_size), 0);
	t_check(ret == page_size &&
		!memcmp(rw + 12 * page_size + 100, pat, page_size),
		"dma.write_data", "memory differs from what the device wrote");
	t_expect_ret("dma.write_readonly_mapping",
		     fix_cmd(d, MFIX_OP_DMA_WRITE, ro_iova, 16), EPERM);
	t_expect_ret("dma.unmapped_iova",
		     fix_cmd(d, MFIX_OP_DMA_READ, unmapped_iova, 16), EINVAL);
	t_expect_ret("dma.past_mapping_end",
		     fix_cmd(d, MFIX_OP_DMA_READ, rw_iova + rw_size - 16, 32),
		  EINVAL);

	/* Unmapping pinned pages calls the device's dma_unmap first. */
	t_expect_ret("pin.before_unmap",
		     fix_cmd(d, MFIX_OP_PIN_WRITE, rw_iova + 64 * KIB, 4), 0);
	fix_status(d, &s0);
	unmapped = 0;
	ret = vt_dma_unmap(c, rw_iova, rw_size, 0, &unmapped);
	t_check(!ret && unmapped == rw_size, "pin.unmap_with_pins",
		"ret %d (%s), unmapped %#llx", ret,
		ret ? strerrorname_np(errno) : "-",
		(unsigned long long)unmapped);
	fix_status(d, &s);
	t_check(s.dma_unmap_count > s0.dma_unmap_count &&
		s.dma_unmap_pages == s0.dma_unmap_pages + 4,
		"pin.unmap_notifies_device",
		"dma_unmap calls %u -> %u, pages dropped %u",
		s0.dma_unmap_count, s.dma_unmap_count,
		s.dma_unmap_pages - s0.dma_unmap_pages);
	lck = proc_status_kb("VmLck");
	t_check(s.pinned == 0 && lck == lck0, "pin.unmap_leaves_no_pins",
		"pinned %u, VmLck %ld kB (baseline %ld kB)", s.pinned, lck,
		lck0);
	t_expect_ret("pin.after_unmap_refused",
		     fix_cmd(d, MFIX_OP_PIN_READ, rw_iova, 1), EINVAL);

	/* Unmapping without pins must not bother the device. */
	fix_status(d, &s0);
	vt_dma_unmap(c, ro_iova, ro_size, 0, NULL);
	fix_status(d, &s);
	t_check(s.dma_unmap_pages == s0.dma_unmap_pages,
		"pin.unmap_without_pins", "pages dropped %u",
		s.dma_unmap_pages - s0.dma_unmap_pages);

	munmap(rw, rw_size);
	munmap(ro, ro_size);
	free(pat);
	free(back);
}

/* Closing the last device fd drops the device's pins. */
static void test_close_unpins(struct vfio_handle *h)
{
	const __u64 iova = iova_base + 40 * MIB;
	unsigned char *buf;
	struct fix_status s;
	long lck0, lck;
	int ret;

	t_watchdog_arm("pin_close", 30);
	buf = vt_anon_buffer(MIB, 0x33);
	if (!buf || vt_dma_map(h->container, iova, buf, MIB,
			       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) {
		t_fail("pin.close_setup", "map failed");
		return;
	}
	lck0 = proc_status_kb("VmLck");
	t_expect_ret("pin.close_pin", fix_cmd(h->device, MFIX_OP_PIN_READ, iova,
					      16), 0);
	close(h->device);
	lck = proc_status_kb("VmLck");
	t_check(lck == lck0, "pin.close_uncharges",
		"VmLck %ld kB, expected %ld kB", lck, lck0);
	h->device = ioctl(h->group, VFIO_GROUP_GET_DEVICE_FD, uuid_a);
	if (t_expect_ok("pin.close_reopen", h->device)) {
		ret = fix_status(h->device, &s);
		t_check(!ret && s.pinned == 0, "pin.close_unpinned_all",
			"pinned %u", s.pinned);
	}
	vt_dma_unmap(h->container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	munmap(buf, MIB);
}

/*
 * RLIMIT_MEMLOCK is charged to the process that created the mapping. A
 * child opens the device as root, then gives up root (and CAP_IPC_LOCK),
 * then maps and pins. Runs in the child; reports its own lines.
 */
static int rlimit_child(const char *uuid)
{
	const int failures_before = t_failures();
	const __u64 iova = iova_base;
	const long pg_kb = page_size / 1024;
	struct vfio_handle h;
	struct rlimit rl;
	unsigned char *buf;
	struct fix_status s;
	long lck0, lck, cap;
	char capeff[64];
	int ret;

	ret = vfio_open_device(uuid, &h);
	if (!t_check(!ret, "pin.rlimit_open", "failed with %s",
		     strerrorname_np(-ret)))
		return 1;
	buf = vt_anon_buffer(MIB, 0x44);
	lck0 = proc_status_kb("VmLck");
	rl.rlim_cur = (lck0 + 16 * pg_kb) * 1024;
	rl.rlim_max = rl.rlim_cur;
	if (!buf || setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setgid(65534) || setuid(65534)) {
		t_fail("pin.rlimit_drop_privileges", "%s",
		       strerrorname_np(errno));
		return 1;
	}
	/* CapEff must be empty, or the limit would not apply. */
	cap = -1;
	{
		FILE *f = fopen("/proc/self/status", "re");

		while (f && fgets(capeff, sizeof(capeff), f))
			if (!strncmp(capeff, "CapEff:", 7))
				cap = strtol(capeff + 7, NULL, 16);
		if (f)
			fclose(f);
	}
	if (!t_check(geteuid() == 65534 && cap == 0,
		     "pin.rlimit_drop_privileges", "euid %d, CapEff %#lx",
		     geteuid(), cap))
		return 1;

	ret = vt_dma_map(h.container, iova, buf, MIB,
			 VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (!t_expect_ok("pin.rlimit_map_unprivileged", ret))
		return 1;
	t_expect_ret("pin.rlimit_within_limit",
		     fix_cmd(h.device, MFIX_OP_PIN_READ, iova, 8), 0);
	t_expect_ret("pin.rlimit_over_limit",
		     fix_cmd(h.device, MFIX_OP_PIN_READ, iova + 8 * page_size, 16),
		  ENOMEM);
	fix_status(h.device, &s);
	lck = proc_status_kb("VmLck");
	t_check(s.pinned == 8 && lck == lck0 + 8 * pg_kb,
		"pin.rlimit_over_limit_unwinds",
		"pinned %u (expected 8), VmLck %ld kB (expected %ld kB)",
		s.pinned, lck, lck0 + 8 * pg_kb);
	t_expect_ret("pin.rlimit_up_to_limit",
		     fix_cmd(h.device, MFIX_OP_PIN_READ, iova + 8 * page_size, 8),
		  0);
	t_expect_ret("pin.rlimit_one_past_limit",
		     fix_cmd(h.device, MFIX_OP_PIN_READ, iova + 16 * page_size, 1),
		  ENOMEM);
	ret = vt_dma_unmap(h.container, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL);
	lck = proc_status_kb("VmLck");
	t_check(!ret && lck == lck0, "pin.rlimit_locked_vm_restored",
		"unmap ret %d, VmLck %ld kB (baseline %ld kB)", ret, lck, lck0);
	vfio_close(&h);
	return t_failures() > failures_before;
}

static void test_rlimit(void)
{
	char uuid[UUID_STR_LEN];
	pid_t pid;
	int ret;

	t_watchdog_arm("pin_rlimit", 60);
	uuid_random(uuid);
	ret = mdev_create(MFIX_BASIC, uuid);
	if (!t_check(!ret, "pin.rlimit_create", "create failed: %s",
		     strerrorname_np(-ret)))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close_range(3, ~0U, 0);
		_exit(rlimit_child(uuid));
	}
	ret = vt_wait_child(pid, 30000);
	/* The child reported its checks; this line covers its fate. */
	if (ret < 0)
		t_fail("pin.rlimit_child", "child %s",
		       ret == -ETIMEDOUT ? "timed out" : "crashed");
	else if (ret)
		t_fail("pin.rlimit_child", "child reported failures");
	ret = mdev_remove(uuid);
	t_check(!ret, "pin.rlimit_remove", "remove failed: %s",
		strerrorname_np(-ret));
}

/* ------------------------------------------------------------------ */
/* Device lifecycle.                                                   */

static void test_open_close_counts(void)
{
	struct fix_status s0, s;
	struct vfio_handle h;
	int d2, d3, ret;

	t_watchdog_arm("lifecycle", 30);
	ret = vfio_open_device(uuid_a, &h);
	if (!t_check(!ret, "lifecycle.open", "failed with %s",
		     strerrorname_np(-ret)))
		return;
	fix_status(h.device, &s0);
	d2 = ioctl(h.group, VFIO_GROUP_GET_DEVICE_FD, uuid_a);
	if (!t_expect_ok("lifecycle.second_device_fd", d2))
		goto out;
	fix_status(d2, &s);
	t_check(s.open_count == s0.open_count && s.close_count == s0.close_count,
		"lifecycle.open_device_once",
		"open_device %u -> %u, close_device %u -> %u",
		s0.open_count, s.open_count, s0.close_count, s.close_count);
	close(h.device);
	h.device = -1;
	fix_status(d2, &s);
	t_check(s.close_count == s0.close_count,
		"lifecycle.close_device_waits_for_last_fd",
		"close_device called with a fd still open");
	close(d2);
	d3 = ioctl(h.group, VFIO_GROUP_GET_DEVICE_FD, uuid_a);
	if (!t_expect_ok("lifecycle.reopen", d3))
		goto out;
	fix_status(d3, &s);
	t_check(s.close_count == s0.close_count + 1 &&
		s.open_count == s0.open_count + 1,
		"lifecycle.close_device_once",
		"close_device %u -> %u, open_device %u -> %u",
		s0.close_count, s.close_count, s0.open_count, s.open_count);
	close(d3);
out:
	vfio_close(&h);
}

static bool group_node_gone(int gid, int timeout_ms)
{
	__s64 deadline = now_ms() + timeout_ms;
	char path[64];

	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	while (path_exists(path) && now_ms() < deadline)
		sleep_ms(20);
	return !path_exists(path);
}

/* Remove a device a client holds open: the client is asked to let go. */
static void test_remove_with_request(void)
{
	struct fix_status s1, s2;
	char uuid[UUID_STR_LEN];
	struct vfio_handle h;
	int efd, ret, gid;
	pid_t pid;

	t_watchdog_arm("lifecycle_request", 90);
	uuid_random(uuid);
	ret = mdev_create(MFIX_BASIC, uuid);
	if (!t_check(!ret, "lifecycle.req_create", "failed: %s",
		     strerrorname_np(-ret)))
		return;
	ret = vfio_open_device(uuid, &h);
	if (!t_check(!ret, "lifecycle.req_open", "failed: %s",
		     strerrorname_np(-ret))) {
		mdev_remove(uuid);
		return;
	}
	gid = h.group_id;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	t_expect_ok("lifecycle.req_set_eventfd",
		    vt_set_eventfd(h.device, VFIO_PCI_REQ_IRQ_INDEX, efd));

	pid = vt_remove_in_child(uuid);
	ret = wait_readable(efd, 5000);
	t_check(ret == 1, "lifecycle.req_eventfd_signalled",
		"no request within 5 s");
	vt_eventfd_drain(efd);
	fix_status(h.device, &s1);
	t_check(s1.request_count >= 1, "lifecycle.req_op_called",
		"request_count %u", s1.request_count);
	t_check(child_running(pid), "lifecycle.req_remove_blocks",
		"remove returned while the device was open");

	/* The core keeps asking while it waits, with a rising count. */
	ret = wait_readable(efd, 15000);
	fix_status(h.device, &s2);
	t_check(ret == 1 && s2.request_count > s1.request_count &&
		s2.last_request > s1.last_request,
		"lifecycle.req_count_rises",
		"eventfd %s, request_count %u -> %u, count arg %u -> %u",
		ret == 1 ? "signalled" : "quiet for 15 s", s1.request_count,
		s2.request_count, s1.last_request, s2.last_request);

	vfio_close(&h);
	ret = vt_wait_child(pid, 10000);
	t_check(ret == 0, "lifecycle.req_remove_completes",
		"remove %s", ret == -ETIMEDOUT ? "still blocked after 10 s" :
		ret < 0 ? "child crashed" : strerrorname_np(ret));
	t_check(!mdev_exists(uuid), "lifecycle.req_device_gone",
		"%s still on the bus", uuid);
	t_check(group_node_gone(gid, 2000), "lifecycle.req_group_node_gone",
		"/dev/vfio/%d still exists", gid);
	close(efd);
}

/*
 * The "noreq" type has no request callback: remove must still wait for
 * the user, and the core must say in the log why it is waiting.
 */
static void test_remove_without_request(void)
{
	char uuid[UUID_STR_LEN], rec[1024];
	struct vfio_handle h;
	struct vfio_irq_info irq;
	int kmsg, ret;
	bool logged = false;
	__s64 deadline;
	pid_t pid;

	t_watchdog_arm("lifecycle_noreq", 60);
	uuid_random(uuid);
	ret = mdev_create(MFIX_NOREQ, uuid);
	if (!t_check(!ret, "lifecycle.noreq_create", "failed: %s",
		     strerrorname_np(-ret)))
		return;
	ret = vfio_open_device(uuid, &h);
	if (!t_check(!ret, "lifecycle.noreq_open", "failed: %s",
		     strerrorname_np(-ret))) {
		mdev_remove(uuid);
		return;
	}
	memset(&irq, 0, sizeof(irq));
	irq.argsz = sizeof(irq);
	irq.index = VFIO_PCI_REQ_IRQ_INDEX;
	ret = ioctl(h.device, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	t_check(!ret && irq.count == 0, "lifecycle.noreq_no_req_irq",
		"ret %d, count %u", ret, irq.count);

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);

	pid = vt_remove_in_child(uuid);
	deadline = now_ms() + 12000;
	while (kmsg >= 0 && !logged && now_ms() < deadline) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);

		if (n > 0) {
			rec[n] = '\0';
			if (strstr(rec, uuid)) {
				logged = true;
				printf("# kmsg: %s", strchr(rec, ';') ?
				       strchr(rec, ';') + 1 : rec);
			}
		} else if (n < 0 && errno == EAGAIN) {
			sleep_ms(50);
		} else if (n < 0 && errno != EPIPE) {
			break;
		}
	}
	if (kmsg < 0)
		t_skip("lifecycle.noreq_logged", "cannot open /dev/kmsg");
	else
		t_check(logged, "lifecycle.noreq_logged",
			"no kernel message naming %s while remove waits", uuid);
	t_check(child_running(pid), "lifecycle.noreq_remove_blocks",
		"remove returned while the device was open");

	vfio_close(&h);
	ret = vt_wait_child(pid, 10000);
	t_check(ret == 0, "lifecycle.noreq_remove_completes",
		"remove %s", ret == -ETIMEDOUT ? "still blocked after 10 s" :
		ret < 0 ? "child crashed" : strerrorname_np(ret));
	t_check(!mdev_exists(uuid), "lifecycle.noreq_device_gone",
		"%s still on the bus", uuid);
	if (kmsg >= 0)
		close(kmsg);
}

int main(int argc, char **argv)
{
	struct vfio_handle h;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);

	/* "abi UUID": only the upstream ABI cases, on any stack's mdev. */
	if (argc == 3 && !strcmp(argv[1], "abi")) {
		test_abi(argv[2]);
		return t_exit_status();
	}

	if (!t_check(path_exists(MFIX_TYPES_PATH "/" MFIX_BASIC),
		     "setup.fixture_loaded", "%s missing",
		     MFIX_TYPES_PATH "/" MFIX_BASIC))
		return 1;
	uuid_random(uuid_a);
	ret = mdev_create(MFIX_BASIC, uuid_a);
	if (!t_check(!ret, "setup.create", "create %s: %s", uuid_a,
		     strerrorname_np(-ret)))
		return 1;

	test_container();
	test_group();
	test_abi(uuid_a);

	t_watchdog_arm("setup", 30);
	ret = vfio_open_device(uuid_a, &h);
	if (t_check(!ret, "setup.open_device", "failed with %s",
		    strerrorname_np(-ret))) {
		test_type1(&h);
		test_device(&h);
		test_pinning(&h);
		test_close_unpins(&h);
		vfio_close(&h);
	}
	test_rlimit();
	test_open_close_counts();
	test_remove_with_request();
	test_remove_without_request();
	test_reset_intx();

	t_watchdog_arm("cleanup", 30);
	ret = mdev_remove(uuid_a);
	t_check(!ret && !mdev_exists(uuid_a), "cleanup.remove",
		"remove %s: %s", uuid_a, strerrorname_np(-ret));
	alarm(0);
	return t_exit_status();
}
