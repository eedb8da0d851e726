// SPDX-License-Identifier: GPL-2.0-only
/*
 * mtty_client: drive an mtty device (samples/mtty on mdev-sdk) through the
 * real VFIO ABI, the way QEMU does, and check what the SDK and the sample
 * answer.
 *
 *   mtty_client abi UUID PORTS   device/region/IRQ info, config space
 *   mtty_client uart UUID PORTS  UART loopback with INTx and MSI eventfds
 *   mtty_client req UUID         hold the device until REQ fires, then
 *                                close; prints "READY" once REQ is armed
 *
 * PORTS is 1 or 2 (the type mtty-1 or mtty-2). One PASS/FAIL line per
 * check; exits non-zero if any failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/serial_reg.h>
#include <linux/vfio.h>

#include "common.h"

#define REGION_SHIFT	40

static int dev_fd;

static __u64 region_off(unsigned int index)
{
	return (__u64)index << REGION_SHIFT;
}

static long cfg_read(unsigned int pos, void *buf, size_t n)
{
	return pread(dev_fd, buf, n, region_off(VFIO_PCI_CONFIG_REGION_INDEX) + pos);
}

static long cfg_write(unsigned int pos, const void *buf, size_t n)
{
	return pwrite(dev_fd, buf, n, region_off(VFIO_PCI_CONFIG_REGION_INDEX) + pos);
}

static __u32 cfg_read32(unsigned int pos)
{
	__u8 b[4] = { 0 };

	cfg_read(pos, b, 4);
	return b[0] | b[1] << 8 | b[2] << 16 | (__u32)b[3] << 24;
}

static __u16 cfg_read16(unsigned int pos)
{
	__u8 b[2] = { 0 };

	cfg_read(pos, b, 2);
	return b[0] | b[1] << 8;
}

static void cfg_write32(unsigned int pos, __u32 v)
{
	__u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	cfg_write(pos, b, 4);
}

static __u8 uart_in(unsigned int port, unsigned int reg)
{
	__u8 v = 0xee;

	if (pread(dev_fd, &v, 1, region_off(port) + reg) != 1)
		t_fail("uart.read", "BAR%u reg %u: %s", port, reg, strerror(errno));
	return v;
}

static void uart_out(unsigned int port, unsigned int reg, __u8 v)
{
	if (pwrite(dev_fd, &v, 1, region_off(port) + reg) != 1)
		t_fail("uart.write", "BAR%u reg %u: %s", port, reg, strerror(errno));
}

static int set_irq_fds(unsigned int index, __u32 action, unsigned int start,
		       unsigned int count, const __s32 *fds)
{
	char buf[sizeof(struct vfio_irq_set) + 8 * sizeof(__s32)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;

	set->argsz = sizeof(*set) + count * sizeof(__s32);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | action;
	set->index = index;
	set->start = start;
	set->count = count;
	memcpy(set->data, fds, count * sizeof(__s32));
	return ioctl(dev_fd, VFIO_DEVICE_SET_IRQS, set);
}

static int set_irq_eventfd(unsigned int index, unsigned int start,
			   unsigned int count, const __s32 *fds)
{
	return set_irq_fds(index, VFIO_IRQ_SET_ACTION_TRIGGER, start, count, fds);
}

static int set_irq_none(unsigned int index, __u32 action,
			unsigned int count)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | action,
		.index = index,
		.count = count,
	};

	return ioctl(dev_fd, VFIO_DEVICE_SET_IRQS, &set);
}

/* Consume an eventfd's count if it fires within @ms milliseconds. */
static int fired(int efd, int ms)
{
	__u64 n;

	if (wait_readable(efd, ms) <= 0)
		return 0;
	return read(efd, &n, sizeof(n)) == sizeof(n) ? (int)n : 0;
}

static int region_info(unsigned int index, struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, info);
}

static void test_abi(unsigned int ports)
{
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info rinfo;
	struct vfio_irq_info iinfo;
	unsigned int i, cap;
	__u8 b[4];
	long ret;

	t_expect_ok("abi.get_info", ioctl(dev_fd, VFIO_DEVICE_GET_INFO, &dinfo));
	t_check(dinfo.flags == (VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET) &&
		dinfo.num_regions == VFIO_PCI_NUM_REGIONS &&
		dinfo.num_irqs == VFIO_PCI_NUM_IRQS, "abi.get_info.values",
		"flags %#x regions %u irqs %u", dinfo.flags,
		dinfo.num_regions, dinfo.num_irqs);
	dinfo.argsz = 4;
	t_expect_errno("abi.get_info.short_argsz",
		       ioctl(dev_fd, VFIO_DEVICE_GET_INFO, &dinfo), EINVAL);
	t_expect_errno("abi.unknown_ioctl", ioctl(dev_fd, _IO(VFIO_TYPE, VFIO_BASE + 60)),
		       ENOTTY);

	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		__u64 want = 0;
		char name[64];

		if (i == VFIO_PCI_CONFIG_REGION_INDEX)
			want = 256;
		else if (i < ports)
			want = 8;
		snprintf(name, sizeof(name), "abi.region_info.%u", i);
		ret = region_info(i, &rinfo);
		t_check(!ret && rinfo.size == want &&
			rinfo.offset == region_off(i) &&
			(!want || (rinfo.flags & (VFIO_REGION_INFO_FLAG_READ |
						  VFIO_REGION_INFO_FLAG_WRITE)) ==
				  (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)),
			name, "ret %ld size %llu offset %#llx flags %#x", ret,
			(unsigned long long)rinfo.size,
			(unsigned long long)rinfo.offset, rinfo.flags);
	}
	t_expect_errno("abi.region_info.bad_index",
		       region_info(VFIO_PCI_NUM_REGIONS, &rinfo), EINVAL);

	for (i = 0; i < VFIO_PCI_NUM_IRQS; i++) {
		static const unsigned int want_count[VFIO_PCI_NUM_IRQS] = {
			1, 1, 0, 1, 1 };
		__u32 want_flags = VFIO_IRQ_INFO_EVENTFD |
			(i == VFIO_PCI_INTX_IRQ_INDEX ?
			 VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED :
			 VFIO_IRQ_INFO_NORESIZE);
		char name[64];

		memset(&iinfo, 0, sizeof(iinfo));
		iinfo.argsz = sizeof(iinfo);
		iinfo.index = i;
		snprintf(name, sizeof(name), "abi.irq_info.%u", i);
		ret = ioctl(dev_fd, VFIO_DEVICE_GET_IRQ_INFO, &iinfo);
		t_check(!ret && iinfo.count == want_count[i] &&
			iinfo.flags == want_flags, name,
			"ret %ld count %u flags %#x", ret, iinfo.count, iinfo.flags);
	}
	iinfo.index = VFIO_PCI_NUM_IRQS;
	t_expect_errno("abi.irq_info.bad_index",
		       ioctl(dev_fd, VFIO_DEVICE_GET_IRQ_INFO, &iinfo), EINVAL);

	/* Configuration space: identity, little-endian. */
	t_check(cfg_read32(PCI_VENDOR_ID) == 0x32534348, "abi.config.id",
		"vendor/device %#x", cfg_read32(PCI_VENDOR_ID));
	t_check((cfg_read32(PCI_CLASS_REVISION) >> 8) == 0x070002,
		"abi.config.class", "class %#x", cfg_read32(PCI_CLASS_REVISION) >> 8);
	t_check(cfg_read32(PCI_SUBSYSTEM_VENDOR_ID) == 0x32534348,
		"abi.config.subsystem", "%#x", cfg_read32(PCI_SUBSYSTEM_VENDOR_ID));

	/* BAR sizing: all ones reads back the size and the I/O flag. */
	cfg_write32(PCI_BASE_ADDRESS_0, 0xffffffff);
	t_check(cfg_read32(PCI_BASE_ADDRESS_0) == 0xfffffff9, "abi.config.bar0_sizing",
		"read %#x", cfg_read32(PCI_BASE_ADDRESS_0));
	cfg_write32(PCI_BASE_ADDRESS_0, 0xc040);
	t_check(cfg_read32(PCI_BASE_ADDRESS_0) == 0xc041, "abi.config.bar0_address",
		"read %#x", cfg_read32(PCI_BASE_ADDRESS_0));
	cfg_write32(PCI_BASE_ADDRESS_1, 0xffffffff);
	t_check(cfg_read32(PCI_BASE_ADDRESS_1) == (ports == 2 ? 0xfffffff9 : 0),
		"abi.config.bar1_sizing", "read %#x", cfg_read32(PCI_BASE_ADDRESS_1));
	cfg_write32(PCI_BASE_ADDRESS_2, 0xffffffff);
	t_check(cfg_read32(PCI_BASE_ADDRESS_2) == 0, "abi.config.bar2_absent",
		"read %#x", cfg_read32(PCI_BASE_ADDRESS_2));
	cfg_write32(PCI_ROM_ADDRESS, 0xffffffff);
	t_check(cfg_read32(PCI_ROM_ADDRESS) == 0, "abi.config.no_rom",
		"read %#x", cfg_read32(PCI_ROM_ADDRESS));

	/* Command: I/O and bus master stick, memory (no memory BAR) does not. */
	b[0] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	b[1] = 0;
	cfg_write(PCI_COMMAND, b, 2);
	t_check(cfg_read16(PCI_COMMAND) == (PCI_COMMAND_IO | PCI_COMMAND_MASTER),
		"abi.config.command", "read %#x", cfg_read16(PCI_COMMAND));
	/* Interrupt pin is read-only INTA#, the line is writable. */
	b[0] = 11;
	b[1] = 4;
	cfg_write(PCI_INTERRUPT_LINE, b, 2);
	t_check(cfg_read16(PCI_INTERRUPT_LINE) == (1 << 8 | 11), "abi.config.intx",
		"line/pin %#x", cfg_read16(PCI_INTERRUPT_LINE));
	/* Vendor ID is read-only. */
	b[0] = 0x12;
	b[1] = 0x34;
	cfg_write(PCI_VENDOR_ID, b, 2);
	t_check(cfg_read16(PCI_VENDOR_ID) == 0x4348, "abi.config.readonly",
		"vendor %#x", cfg_read16(PCI_VENDOR_ID));

	/* Capability list: MSI, one vector, 64-bit. */
	cap = cfg_read16(PCI_CAPABILITY_LIST) & 0xff;
	t_check((cfg_read16(PCI_STATUS) & PCI_STATUS_CAP_LIST) && cap >= 0x40 &&
		cfg_read16(cap) == PCI_CAP_ID_MSI &&
		(cfg_read16(cap + PCI_MSI_FLAGS) & (PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_QMASK)) ==
		PCI_MSI_FLAGS_64BIT, "abi.config.msi_cap",
		"status %#x cap %#x: %#x flags %#x", cfg_read16(PCI_STATUS), cap,
		cfg_read16(cap), cfg_read16(cap + PCI_MSI_FLAGS));

	/* Bounds: the last bytes read, beyond them EINVAL, never a crash. */
	ret = cfg_read(254, b, 4);
	t_check(ret == 2, "abi.config.read_truncated", "pread at 254 of 4 returned %ld", ret);
	t_expect_errno("abi.config.read_beyond", cfg_read(256, b, 1), EINVAL);
	t_expect_errno("abi.bar.read_beyond", pread(dev_fd, b, 1, region_off(0) + 8), EINVAL);
	t_expect_errno("abi.region.absent", pread(dev_fd, b, 1, region_off(2)), EINVAL);
	t_expect_errno("abi.region.bad_index",
		       pread(dev_fd, b, 1, region_off(VFIO_PCI_NUM_REGIONS + 3)), EINVAL);

	/* Reset restores configuration defaults and the UART's state. */
	uart_out(0, UART_SCR, 0x5a);
	t_expect_ok("abi.reset", ioctl(dev_fd, VFIO_DEVICE_RESET));
	t_check(cfg_read16(PCI_COMMAND) == 0 &&
		cfg_read32(PCI_BASE_ADDRESS_0) == PCI_BASE_ADDRESS_SPACE_IO &&
		uart_in(0, UART_SCR) == 0, "abi.reset.defaults",
		"command %#x bar0 %#x scr %#x", cfg_read16(PCI_COMMAND),
		cfg_read32(PCI_BASE_ADDRESS_0), uart_in(0, UART_SCR));
}

static void test_uart_port(unsigned int port, int efd)
{
	char name[64];
	__u8 iir;
	int i, n;

	/* FIFOs on, receive-data interrupt on. */
	uart_out(port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR |
		 UART_FCR_CLEAR_XMIT);
	uart_out(port, UART_LCR, UART_LCR_WLEN8);
	fired(efd, 0);
	uart_out(port, UART_IER, UART_IER_RDI);
	snprintf(name, sizeof(name), "uart.%u.lsr_empty", port);
	t_check(uart_in(port, UART_LSR) == (UART_LSR_TEMT | UART_LSR_THRE),
		name, "LSR %#x", uart_in(port, UART_LSR));

	uart_out(port, UART_TX, 'm');
	snprintf(name, sizeof(name), "uart.%u.rx_interrupt", port);
	t_check(fired(efd, 2000) > 0, name, "no INTx eventfd signal");
	iir = uart_in(port, UART_IIR);
	snprintf(name, sizeof(name), "uart.%u.iir_rdi", port);
	t_check((iir & 0x0f) == UART_IIR_RDI && (iir & 0xc0) == 0xc0, name,
		"IIR %#x", iir);
	snprintf(name, sizeof(name), "uart.%u.loopback_byte", port);
	t_check(uart_in(port, UART_LSR) & UART_LSR_DR && uart_in(port, UART_RX) == 'm',
		name, "byte did not come back");

	/* INTx is automasked now: the next interrupt waits for the unmask. */
	uart_out(port, UART_TX, 'x');
	snprintf(name, sizeof(name), "uart.%u.automasked", port);
	t_check(fired(efd, 300) == 0, name, "interrupt delivered while masked");
	snprintf(name, sizeof(name), "uart.%u.unmask", port);
	t_expect_ok(name, set_irq_none(VFIO_PCI_INTX_IRQ_INDEX,
				       VFIO_IRQ_SET_ACTION_UNMASK, 1));
	snprintf(name, sizeof(name), "uart.%u.pending_on_unmask", port);
	t_check(fired(efd, 2000) > 0, name, "pending interrupt not delivered on unmask");
	uart_in(port, UART_RX);
	set_irq_none(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1);

	/* A 16-byte burst fills the FIFO; the 17th byte overruns. */
	for (i = 0; i < 17; i++)
		uart_out(port, UART_TX, 'a' + i);
	n = 0;
	while ((uart_in(port, UART_LSR) & UART_LSR_DR) && n < 40) {
		if (uart_in(port, UART_RX) != 'a' + n)
			break;
		n++;
	}
	snprintf(name, sizeof(name), "uart.%u.fifo16", port);
	t_check(n == 16, name, "read back %d bytes in order", n);
	fired(efd, 100);
	set_irq_none(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1);

	/* Divisor latch. */
	uart_out(port, UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	uart_out(port, UART_DLL, 0x0c);
	uart_out(port, UART_DLM, 0x01);
	snprintf(name, sizeof(name), "uart.%u.divisor", port);
	t_check(uart_in(port, UART_DLL) == 0x0c && uart_in(port, UART_DLM) == 0x01,
		name, "divisor latch did not stick");
	uart_out(port, UART_LCR, UART_LCR_WLEN8);
	uart_out(port, UART_IER, 0);
}

static void test_uart(unsigned int ports)
{
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	__s32 fd = efd, none = -1;
	unsigned int port;
	char name[64];

	t_expect_ok("uart.intx_eventfd",
		    set_irq_eventfd(VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fd));
	t_expect_errno("uart.msi_while_intx",
		       set_irq_eventfd(VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &fd), EINVAL);
	t_expect_errno("uart.intx_mask_eventfd",
		       set_irq_fds(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_MASK,
				   0, 1, &fd), ENOTTY);

	for (port = 0; port < ports; port++)
		test_uart_port(port, efd);

	/* Loopback trigger: DATA_NONE fires the eventfd directly. */
	set_irq_none(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1);
	fired(efd, 0);
	set_irq_none(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 1);
	t_check(fired(efd, 1000) > 0, "uart.intx_loopback_trigger", "no signal");

	/* Switch to MSI. */
	t_expect_ok("uart.intx_disable",
		    set_irq_none(VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	t_expect_ok("uart.msi_eventfd", set_irq_eventfd(VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &fd));
	t_expect_errno("uart.msi_vector_beyond",
		       set_irq_eventfd(VFIO_PCI_MSI_IRQ_INDEX, 1, 1, &fd), EINVAL);
	for (port = 0; port < ports; port++) {
		fired(efd, 0);
		uart_out(port, UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
		uart_out(port, UART_IER, UART_IER_RDI);
		uart_out(port, UART_TX, 'Q');
		snprintf(name, sizeof(name), "uart.%u.msi_interrupt", port);
		t_check(fired(efd, 2000) > 0, name, "no MSI eventfd signal");
		uart_in(port, UART_RX);
		/* MSI is edge-like: no masking, every new event signals. */
		uart_out(port, UART_TX, 'R');
		snprintf(name, sizeof(name), "uart.%u.msi_again", port);
		t_check(fired(efd, 2000) > 0, name, "second MSI not signalled");
		uart_in(port, UART_RX);
		uart_out(port, UART_IER, 0);
	}
	t_expect_ok("uart.msi_disable_eventfd",
		    set_irq_eventfd(VFIO_PCI_MSI_IRQ_INDEX, 0, 1, &none));
	t_expect_ok("uart.msi_disable",
		    set_irq_none(VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 0));
	close(efd);
}

static int test_req(void)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	__s32 fd = efd;
	int n;

	if (!t_expect_ok("req.arm", set_irq_eventfd(VFIO_PCI_REQ_IRQ_INDEX, 0, 1, &fd)))
		return 1;
	printf("READY\n");
	fflush(stdout);
	/* Generous: the remover may be slow to start under TCG. */
	n = fired(efd, 120000);
	t_check(n > 0, "req.signalled", "no REQ within 120 s");
	close(efd);
	return 0;
}

int main(int argc, char **argv)
{
	struct vfio_handle h;
	unsigned int ports = argc > 3 ? atoi(argv[3]) : 1;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s abi|uart|req UUID [PORTS]\n", argv[0]);
		return 2;
	}
	ret = vfio_open_device(argv[2], &h);
	if (ret) {
		t_fail("open", "%s: %s", argv[2], strerror(-ret));
		return 1;
	}
	dev_fd = h.device;

	if (!strcmp(argv[1], "abi"))
		test_abi(ports);
	else if (!strcmp(argv[1], "uart"))
		test_uart(ports);
	else if (!strcmp(argv[1], "req"))
		test_req();
	else
		t_fail("usage", "unknown test %s", argv[1]);

	vfio_close(&h);
	return t_exit_status();
}
