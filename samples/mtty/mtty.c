// SPDX-License-Identifier: GPL-2.0-only
/*
 * mtty: a mediated PCI serial card on mdev-sdk.
 *
 * Each port is a 16550A UART behind an 8-byte I/O BAR whose transmitter is
 * wired to its own receiver: whatever the guest sends comes back as input.
 * Types mtty-1 and mtty-2 offer one and two ports and share a pool of 24
 * ports. The PCI identity is the WCH CH352 2S card, so the guest's stock
 * 8250_pci driver binds it.
 *
 * This file is device logic only: the SDK provides the mdev types,
 * configuration space, VFIO ioctls, eventfds and the REQ handshake.
 */
#include <linux/module.h>
#include <linux/serial_reg.h>

#include <mdev_sdk/mdev_sdk.h>

#define MTTY_FIFO_SIZE	16
/* IIR bits 7:6, both set while the FIFOs are enabled on a 16550A. */
#define MTTY_IIR_FIFOS	0xc0

/*
 * Interrupt sources in the 16550's priority order; IIR reports the highest
 * pending one.
 */
enum mtty_irq_src {
	MTTY_IRQ_NONE,
	MTTY_IRQ_MODEM,
	MTTY_IRQ_THRE,
	MTTY_IRQ_RX,
	MTTY_IRQ_LINE,
};

/**
 * struct mtty_port - one 16550A
 * @fifo: bytes sent and not yet read back
 * @head: index of the oldest byte in @fifo
 * @count: bytes in @fifo
 * @depth: 16 with the FIFOs enabled, else 1 (a plain holding register)
 * @ier: interrupt enable register
 * @lcr: line control register
 * @mcr: modem control register
 * @scr: scratch register
 * @divisor: baud rate divisor latch
 * @overrun: a byte was lost to a full FIFO; cleared by reading LSR
 * @thre: the transmitter-empty interrupt is pending; cleared by reading
 *	it from IIR or by writing THR
 * @modem_delta: modem lines changed; cleared by reading MSR
 */
struct mtty_port {
	u8 fifo[MTTY_FIFO_SIZE];
	u8 head;
	u8 count;
	u8 depth;
	u8 ier;
	u8 lcr;
	u8 mcr;
	u8 scr;
	u16 divisor;
	bool overrun;
	bool thre;
	bool modem_delta;
};

struct mtty_state {
	struct mtty_port port[2];
};

static struct mtty_port *mtty_port(struct mdev_sdk_device *sdev,
				   unsigned int bar)
{
	struct mtty_state *s = mdev_sdk_priv(sdev);

	return &s->port[bar];
}

static enum mtty_irq_src mtty_irq_source(const struct mtty_port *p)
{
	if ((p->ier & UART_IER_RLSI) && p->overrun)
		return MTTY_IRQ_LINE;
	if ((p->ier & UART_IER_RDI) && p->count)
		return MTTY_IRQ_RX;
	if ((p->ier & UART_IER_THRI) && p->thre)
		return MTTY_IRQ_THRE;
	if ((p->ier & UART_IER_MSI) && p->modem_delta)
		return MTTY_IRQ_MODEM;
	return MTTY_IRQ_NONE;
}

static u8 mtty_iir(struct mtty_port *p)
{
	static const u8 iir[] = {
		[MTTY_IRQ_NONE] = UART_IIR_NO_INT,
		[MTTY_IRQ_MODEM] = UART_IIR_MSI,
		[MTTY_IRQ_THRE] = UART_IIR_THRI,
		[MTTY_IRQ_RX] = UART_IIR_RDI,
		[MTTY_IRQ_LINE] = UART_IIR_RLSI,
	};
	enum mtty_irq_src src = mtty_irq_source(p);

	if (src == MTTY_IRQ_THRE)
		p->thre = false;
	return iir[src] | (p->depth > 1 ? MTTY_IIR_FIFOS : 0);
}

static void mtty_reset_port(struct mtty_port *p)
{
	memset(p, 0, sizeof(*p));
	p->depth = 1;
}

static u8 mtty_read_reg(struct mtty_port *p, unsigned int reg)
{
	bool dlab = p->lcr & UART_LCR_DLAB;
	u8 val;

	switch (reg) {
	case UART_RX:
		if (dlab)
			return p->divisor & 0xff;
		if (!p->count)
			return 0;
		val = p->fifo[p->head];
		p->head = (p->head + 1) % MTTY_FIFO_SIZE;
		/* The FIFO is the transmitter too: draining it empties both. */
		if (!--p->count)
			p->thre = true;
		return val;
	case UART_IER:
		return dlab ? p->divisor >> 8 : p->ier;
	case UART_IIR:
		return mtty_iir(p);
	case UART_LCR:
		return p->lcr;
	case UART_MCR:
		return p->mcr;
	case UART_LSR:
		val = p->count ? UART_LSR_DR : UART_LSR_TEMT | UART_LSR_THRE;
		if (p->overrun)
			val |= UART_LSR_OE;
		p->overrun = false;
		return val;
	case UART_MSR:
		p->modem_delta = false;
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	default:
		return p->scr;
	}
}

static void mtty_write_reg(struct mtty_port *p, unsigned int reg, u8 val)
{
	bool dlab = p->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			p->divisor = (p->divisor & 0xff00) | val;
			break;
		}
		p->thre = false;
		if (p->count == p->depth) {
			p->overrun = true;
			break;
		}
		p->fifo[(p->head + p->count) % MTTY_FIFO_SIZE] = val;
		p->count++;
		break;
	case UART_IER:
		if (dlab) {
			p->divisor = (p->divisor & 0xff) | (val << 8);
			break;
		}
		/* Enabling THRI with the transmitter empty interrupts at once. */
		if ((val & ~p->ier & UART_IER_THRI) && !p->count)
			p->thre = true;
		p->ier = val & 0x0f;
		break;
	case UART_FCR:
		if (val & (UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT)) {
			p->count = 0;
			p->head = 0;
		}
		p->depth = (val & UART_FCR_ENABLE_FIFO) ? MTTY_FIFO_SIZE : 1;
		break;
	case UART_LCR:
		p->lcr = val;
		break;
	case UART_MCR:
		if ((val ^ p->mcr) & (UART_MCR_DTR | UART_MCR_RTS))
			p->modem_delta = true;
		p->mcr = val;
		break;
	case UART_SCR:
		p->scr = val;
		break;
	default:
		/* LSR and MSR are read-only. */
		break;
	}
}

/*
 * Raise the interrupt when a port goes from nothing pending to something
 * pending, which is when a real UART asserts its interrupt line.
 */
static int mtty_bar_read(struct mdev_sdk_device *sdev, unsigned int bar,
			 u64 offset, unsigned int size, u64 *val)
{
	struct mtty_port *p = mtty_port(sdev, bar);
	bool idle = mtty_irq_source(p) == MTTY_IRQ_NONE;

	*val = mtty_read_reg(p, offset);
	if (idle && mtty_irq_source(p) != MTTY_IRQ_NONE)
		mdev_sdk_irq_raise(sdev, 0);
	return 0;
}

static int mtty_bar_write(struct mdev_sdk_device *sdev, unsigned int bar,
			  u64 offset, unsigned int size, u64 val)
{
	struct mtty_port *p = mtty_port(sdev, bar);
	bool idle = mtty_irq_source(p) == MTTY_IRQ_NONE;

	mtty_write_reg(p, offset, val);
	if (idle && mtty_irq_source(p) != MTTY_IRQ_NONE)
		mdev_sdk_irq_raise(sdev, 0);
	return 0;
}

static void mtty_reset(struct mdev_sdk_device *sdev)
{
	struct mtty_state *s = mdev_sdk_priv(sdev);

	mtty_reset_port(&s->port[0]);
	mtty_reset_port(&s->port[1]);
}

static const struct mdev_sdk_region_ops mtty_port_ops = {
	.read = mtty_bar_read,
	.write = mtty_bar_write,
};

#define MTTY_PORT_BAR \
	{ .size = 8, .flags = MDEV_SDK_BAR_IO, .width = 1, .ops = &mtty_port_ops }

static const struct mdev_sdk_type mtty_types[] = {
	{
		.sysfs_name = "1",
		.pretty_name = "Single port serial",
		.description = "16550A serial port, loops back what it sends",
		.cost = 1,
		.bars = { MTTY_PORT_BAR },
	},
	{
		.sysfs_name = "2",
		.pretty_name = "Dual port serial",
		.description = "two 16550A serial ports, each looping back what it sends",
		.cost = 2,
		.bars = { MTTY_PORT_BAR, MTTY_PORT_BAR },
	},
};

static const struct mdev_sdk_pci_ident mtty_ident = {
	.vendor = 0x4348,		/* WCH */
	.device = 0x3253,		/* CH352 2S */
	.subsystem_vendor = 0x4348,
	.subsystem_device = 0x3253,
	.class_code = 0x070002,		/* serial controller, 16550 */
	.revision = 0x10,
	.irq_pin = 1,
};

static const struct mdev_sdk_pci_cap mtty_caps[] = {
	MDEV_SDK_CAP_MSI(1, MDEV_SDK_MSI_64BIT),
};

static const struct mdev_sdk_device_ops mtty_device_ops = {
	.reset = mtty_reset,
};

static struct mdev_sdk_driver mtty_driver = {
	.name = "mtty",
	.owner = THIS_MODULE,
	.types = mtty_types,
	.nr_types = ARRAY_SIZE(mtty_types),
	.pool = 24,
	.ident = &mtty_ident,
	.caps = mtty_caps,
	.nr_caps = ARRAY_SIZE(mtty_caps),
	.ops = &mtty_device_ops,
	.priv_size = sizeof(struct mtty_state),
};
module_mdev_sdk_driver(mtty_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated loopback serial card (mdev-sdk sample)");
