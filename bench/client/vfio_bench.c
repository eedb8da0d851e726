// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio_bench: one client, the same binary for both stacks, that times the
 * VFIO/mdev user ABI. bench/guest runs it once per stack per round; it
 * needs mtty (upstream's or ours) and mdev_bench loaded.
 *
 *   vfio_bench [--quick] [--only NAME] [--batches N]
 *
 * --only runs just the figures whose names start with NAME, and --batches
 * repeats each of them N times (default 5): together they keep one path
 * busy for as long as a profile needs (bench/profile).
 *
 * Every figure is printed as "M <name> <ns per operation>", so a smaller
 * number is always better and ours/upstream ratios read the same way for
 * every row. A latency figure is the mean of the fastest of several
 * batches, which keeps one preempted batch from moving it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/serial_reg.h>
#include <linux/vfio.h>

#include "../../tests/uapi/common.h"
#include "../mdev_bench.h"

#define MTTY_PARENT	"mtty"
#define MTTY_TYPE	"mtty-1"
#define BENCH_PARENT	"mdev_bench"
#define BENCH_TYPE	"mdev_bench-1"
#define MTTY_UUID	"b0e1c000-0000-4000-8000-000000000001"
#define CYCLE_UUID	"b0e1c000-0000-4000-8000-000000000002"
#define PAGE		4096UL
#define IOVA_BASE	0x100000000ULL	/* 4 GiB */

/* The N of the N-maps-then-N-unmaps curve; type1 allows 65535 mappings. */
static const int map_counts[] = { 1000, 10000, 65000 };
static int batches = 5;
static int scale = 1;	/* divides every operation count under --quick */
static const char *only;	/* prefix of the figures to run, or NULL */

static bool wanted(const char *name)
{
	return !only || !strncmp(name, only, strlen(only));
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void report(const char *name, double ns)
{
	printf("M %s %.1f\n", name, ns);
	fflush(stdout);
}

static void die(const char *what)
{
	fprintf(stderr, "vfio_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * One operation of a latency benchmark; returns 0 or sets errno. The
 * argument is the benchmark's own state.
 */
struct bench_op {
	const char *name;
	int (*fn)(void *arg);
	void *arg;
	int ops;	/* per batch */
};

/* The fastest batch's mean time per operation, in ns. */
static double run_batch(const struct bench_op *op, int n)
{
	__u64 t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		if (op->fn(op->arg))
			die(op->name);
	return (double)(now_ns() - t0) / n;
}

/*
 * Time @op; with @floor, time a batch of @floor before each batch of @op
 * too, so the two see the same conditions, and report it as
 * "floor_for_<name>".
 */
static void run_op_floor(const struct bench_op *op, const struct bench_op *floor)
{
	double best = 0, best_floor = 0, t;
	int b, n = op->ops / scale;
	char name[64];

	if (!wanted(op->name))
		return;
	run_batch(op, n / 10 + 1);	/* warm caches and lookups */
	for (b = 0; b < batches; b++) {
		if (floor) {
			t = run_batch(floor, n);
			if (!b || t < best_floor)
				best_floor = t;
		}
		t = run_batch(op, n);
		if (!b || t < best)
			best = t;
	}
	report(op->name, best);
	if (floor) {
		snprintf(name, sizeof(name), "floor_for_%s", op->name);
		report(name, best_floor);
	}
}

static void run_op(const struct bench_op *op)
{
	run_op_floor(op, NULL);
}

struct region_rw {
	int fd;
	off_t off;
	size_t len;
};

static int do_pread(void *arg)
{
	struct region_rw *r = arg;
	__u32 v;

	return pread(r->fd, &v, r->len, r->off) == (ssize_t)r->len ? 0 : -1;
}

static int do_pwrite(void *arg)
{
	struct region_rw *r = arg;
	__u8 v = 0x5a;

	return pwrite(r->fd, &v, r->len, r->off) == (ssize_t)r->len ? 0 : -1;
}

static off_t region_offset(int device, __u32 index)
{
	struct vfio_region_info info = { .argsz = sizeof(info), .index = index };

	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &info))
		die("VFIO_DEVICE_GET_REGION_INFO");
	return info.offset;
}

static int bar_write(int device, off_t bar, unsigned int reg, __u8 val)
{
	return pwrite(device, &val, 1, bar + reg) == 1 ? 0 : -1;
}

struct irq_bench {
	int device;
	int efd;
	off_t bar;
};

/*
 * Interrupt latency, from the THR write to the eventfd read returning. The
 * RX drain that re-arms the RDI source stays outside the timed span, so
 * this one times each operation rather than a batch.
 */
static void bench_irq(struct irq_bench *ib)
{
	int b, i, n = 2000 / scale;
	double best = 0;

	if (!wanted("irq_latency"))
		return;
	for (b = 0; b < batches; b++) {
		__u64 sum = 0, count;
		__u8 rx;

		for (i = 0; i < n; i++) {
			__u64 t0 = now_ns();

			if (bar_write(ib->device, ib->bar, UART_TX, 'x') ||
			    read(ib->efd, &count, sizeof(count)) != sizeof(count))
				die("irq");
			sum += now_ns() - t0;
			if (pread(ib->device, &rx, 1, ib->bar + UART_RX) != 1)
				die("irq drain");
		}
		if (!b || (double)sum / n < best)
			best = (double)sum / n;
	}
	report("irq_latency", best);
}

static void setup_irq(struct irq_bench *ib)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	struct vfio_device_info info = { .argsz = sizeof(info) };

	/* As QEMU does; upstream's mtty sizes its IRQ checks from this call. */
	if (ioctl(ib->device, VFIO_DEVICE_GET_INFO, &info))
		die("VFIO_DEVICE_GET_INFO");

	ib->efd = eventfd(0, EFD_CLOEXEC);
	if (ib->efd < 0)
		die("eventfd");
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &ib->efd, sizeof(int));
	if (ioctl(ib->device, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS");
	/* FIFO on, trigger level 1, receive-data interrupt on. */
	if (bar_write(ib->device, ib->bar, UART_FCR, UART_FCR_ENABLE_FIFO) ||
	    bar_write(ib->device, ib->bar, UART_IER, UART_IER_RDI))
		die("uart setup");
}

struct map_bench {
	int container;
	void *buf;
};

#define DMA_RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static int do_map_unmap(void *arg)
{
	struct map_bench *mb = arg;

	if (vt_dma_map(mb->container, IOVA_BASE, mb->buf, PAGE, DMA_RW))
		return -1;
	return vt_dma_unmap(mb->container, IOVA_BASE, PAGE, 0, NULL);
}

/*
 * N operations, then the N that undo them, each half timed as a whole,
 * @reps times: reports the best time per operation of each half as
 * "<do_name>_n<N>" and "<undo_name>_n<N>". Operation @i of a half gets
 * @i as its argument and dies on failure.
 */
struct pair_bench {
	const char *do_name;
	const char *undo_name;
	void (*op)(void *arg, int i);
	void (*undo)(void *arg, int i);
	void *arg;
};

static void run_pair(const struct pair_bench *pb, int n, int reps)
{
	double best_do = 0, best_undo = 0;
	char name[32];
	int r, i;

	for (r = 0; r < reps; r++) {
		__u64 t0 = now_ns(), t1;
		double d, u;

		for (i = 0; i < n; i++)
			pb->op(pb->arg, i);
		t1 = now_ns();
		for (i = 0; i < n; i++)
			pb->undo(pb->arg, i);
		d = (double)(t1 - t0) / n;
		u = (double)(now_ns() - t1) / n;
		if (!r || d < best_do)
			best_do = d;
		if (!r || u < best_undo)
			best_undo = u;
	}
	snprintf(name, sizeof(name), "%s_n%d", pb->do_name, n);
	report(name, best_do);
	snprintf(name, sizeof(name), "%s_n%d", pb->undo_name, n);
	report(name, best_undo);
}

static void map_nth(void *arg, int i)
{
	struct map_bench *mb = arg;

	if (vt_dma_map(mb->container, IOVA_BASE + i * PAGE, mb->buf, PAGE,
		       DMA_RW))
		die("map N");
}

static void unmap_nth(void *arg, int i)
{
	struct map_bench *mb = arg;

	if (vt_dma_unmap(mb->container, IOVA_BASE + i * PAGE, PAGE, 0, NULL))
		die("unmap N");
}

/*
 * N mappings, then N unmaps: the cost per operation against N is the
 * growth curve of the IOVA lookup structure.
 */
static void bench_map_n(struct map_bench *mb, int n)
{
	const struct pair_bench pb = { "map", "unmap", map_nth, unmap_nth, mb };

	if (!wanted("map_n") && !wanted("unmap_n"))
		return;
	run_pair(&pb, n, (batches + 1) / 2);
}

struct open_bench {
	int group;
	const char *uuid;
};

static int do_open_close(void *arg)
{
	struct open_bench *ob = arg;
	int fd = ioctl(ob->group, VFIO_GROUP_GET_DEVICE_FD, ob->uuid);

	if (fd < 0)
		return -1;
	return close(fd);
}

static int do_create_remove(void *arg)
{
	int ret = mdev_create_on(MTTY_PARENT, MTTY_TYPE, CYCLE_UUID);

	(void)arg;
	if (ret) {
		errno = -ret;
		return -1;
	}
	ret = mdev_remove(CYCLE_UUID);
	if (ret)
		errno = -ret;
	return ret ? -1 : 0;
}

/* The syscall floor: a 4-byte pread of /dev/zero, a trivial char device. */
static int do_floor(void *arg)
{
	__u32 v;

	return pread(*(int *)arg, &v, sizeof(v), 0) == sizeof(v) ? 0 : -1;
}

static int zero_fd = -1;
static const struct bench_op floor_op = { "floor_pread", do_floor, &zero_fd, 20000 };

static void bench_mtty(void)
{
	struct vfio_handle h;
	struct region_rw cfg, bar_rd, bar_wr;
	struct irq_bench ib;
	struct map_bench mb;
	struct open_bench ob;
	off_t bar;
	int ret, n;

	ret = mdev_create_on(MTTY_PARENT, MTTY_TYPE, MTTY_UUID);
	if (ret) {
		errno = -ret;
		die("create " MTTY_TYPE);
	}
	ret = vfio_open_device(MTTY_UUID, &h);
	if (ret) {
		errno = -ret;
		die("open mtty device");
	}
	cfg = (struct region_rw){ h.device,
		region_offset(h.device, VFIO_PCI_CONFIG_REGION_INDEX), 4 };
	run_op_floor(&(struct bench_op){ "config_read", do_pread, &cfg, 20000 },
		     &floor_op);
	bar = region_offset(h.device, VFIO_PCI_BAR0_REGION_INDEX);
	bar_rd = (struct region_rw){ h.device, bar + UART_SCR, 1 };
	bar_wr = bar_rd;
	run_op_floor(&(struct bench_op){ "bar_read", do_pread, &bar_rd, 20000 },
		     &floor_op);
	run_op_floor(&(struct bench_op){ "bar_write", do_pwrite, &bar_wr, 20000 },
		     &floor_op);

	ib = (struct irq_bench){ .device = h.device, .bar = bar };
	setup_irq(&ib);
	bench_irq(&ib);

	mb.container = h.container;
	mb.buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mb.buf == MAP_FAILED)
		die("mmap");
	run_op(&(struct bench_op){ "map_unmap_4k", do_map_unmap, &mb, 5000 });
	for (n = 0; n < (int)ARRAY_SIZE(map_counts); n++)
		bench_map_n(&mb, map_counts[n] / scale);

	/* The first open of a device fd runs the driver's open path too. */
	close(h.device);
	close(ib.efd);
	h.device = -1;
	ob = (struct open_bench){ h.group, MTTY_UUID };
	run_op(&(struct bench_op){ "open_close", do_open_close, &ob, 5000 });
	vfio_close(&h);
	munmap(mb.buf, PAGE);

	run_op(&(struct bench_op){ "create_remove", do_create_remove, NULL, 40 });
	mdev_remove(MTTY_UUID);
}

static void bench_pin(void)
{
	const char *uuid = "b0e1c000-0000-4000-8000-0000000000a0";
	size_t len = 512 * PAGE;
	struct mdev_bench_pin pin;
	struct open_bench ob;
	struct vfio_handle h;
	void *buf;
	int ret, b;

	ret = mdev_create_on(BENCH_PARENT, BENCH_TYPE, uuid);
	if (!ret)
		ret = vfio_open_device(uuid, &h);
	if (ret) {
		errno = -ret;
		die("mdev_bench device");
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	memset(buf, 1, len);
	if (vt_dma_map(h.container, IOVA_BASE, buf, len, DMA_RW))
		die("map pin buffer");
	for (pin.npage = 1; pin.npage <= 512; pin.npage *= 512) {
		double best = 0;
		char name[32];

		snprintf(name, sizeof(name), "pin_page_x%u", pin.npage);
		if (!wanted(name))
			continue;
		for (b = 0; b < batches; b++) {
			pin.iova = IOVA_BASE;
			pin.iters = (pin.npage == 1 ? 20000 : 100) / scale;
			if (ioctl(h.device, MDEV_BENCH_PIN, &pin))
				die("MDEV_BENCH_PIN");
			if (!b || (double)pin.ns / pin.iters / pin.npage < best)
				best = (double)pin.ns / pin.iters / pin.npage;
		}
		report(name, best);
	}
	vt_dma_unmap(h.container, IOVA_BASE, len, 0, NULL);
	munmap(buf, len);

	/* The same as open_close, without a driver behind the core. */
	close(h.device);
	h.device = -1;
	ob = (struct open_bench){ h.group, uuid };
	run_op(&(struct bench_op){ "open_close_bare", do_open_close, &ob, 5000 });
	vfio_close(&h);
	mdev_remove(uuid);
}

static void scaling_uuid(char *uuid, int i)
{
	snprintf(uuid, UUID_STR_LEN, "b0e1c000-0000-4000-8001-%012x", i);
}

static void create_nth(void *arg, int i)
{
	char uuid[UUID_STR_LEN];
	int ret;

	(void)arg;
	scaling_uuid(uuid, i);
	ret = mdev_create_on(BENCH_PARENT, BENCH_TYPE, uuid);
	if (ret) {
		errno = -ret;
		die("scaling create");
	}
}

static void remove_nth(void *arg, int i)
{
	char uuid[UUID_STR_LEN];
	int ret;

	(void)arg;
	scaling_uuid(uuid, i);
	ret = mdev_remove(uuid);
	if (ret) {
		errno = -ret;
		die("scaling remove");
	}
}

/*
 * Create N instances, then remove them: the cost per device against N. A
 * small N is repeated until about 100 devices went through, and the best
 * repetition counts, as for the latency figures: one create alone is at
 * the mercy of a single preemption.
 */
static void bench_scaling(int n)
{
	const struct pair_bench pb = {
		"create", "remove", create_nth, remove_nth, NULL
	};

	if (!wanted("create_n") && !wanted("remove_n"))
		return;
	run_pair(&pb, n, n < 100 ? 100 / n : 1);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			scale = 10;
			batches = 2;
		} else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "--batches") && i + 1 < argc &&
			   atoi(argv[i + 1]) > 0) {
			batches = atoi(argv[++i]);
		} else {
			fprintf(stderr,
				"usage: vfio_bench [--quick] [--only NAME] [--batches N]\n");
			return 2;
		}
	}
	zero_fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zero_fd < 0)
		die("/dev/zero");
	run_op(&floor_op);

	bench_mtty();
	bench_pin();
	bench_scaling(1);
	bench_scaling(100 / (scale > 1 ? 10 : 1));
	bench_scaling(1000 / scale);
	return 0;
}
