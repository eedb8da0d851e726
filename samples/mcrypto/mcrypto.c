// SPDX-License-Identifier: GPL-2.0-only
/*
 * mcrypto: a mediated DMA-capable SHA-256 engine on mdev-sdk.
 *
 * The guest builds a ring of descriptors in its own memory (see
 * mcrypto_hw.h); each asks for the SHA-256 of a buffer at one IOVA to be
 * written to another. A worker takes jobs off the ring, hashes with the
 * kernel crypto API and completes them with a status and an interrupt.
 * Types mcrypto-1 and mcrypto-4 differ in queue depth and the longest job,
 * and take 1 and 4 engine units from a pool of 8.
 *
 * Guest memory is reached three ways, each where it pays:
 *  - the ring is pinned for as long as the queue is enabled: every job
 *    reads and writes a descriptor, so one pin serves thousands of jobs;
 *  - a job's source buffer is pinned per job, a chunk at a time, and
 *    hashed through kmap_local_page(): up to megabytes per job, where
 *    vfio_dma_rw() would copy every byte once more;
 *  - the 32-byte digest goes out with vfio_dma_rw(): it may straddle a
 *    page and is written once, so pinning it would cost more than the copy.
 *
 * The SDK's pin tracker unpins what is left when the user unmaps; before it
 * does, mcrypto_invalidate() makes sure no job still reads from those pages.
 */
#include <crypto/hash.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <mdev_sdk/mdev_sdk.h>

#include "mcrypto_hw.h"

/* Source pages pinned at once: bounds what one job holds. */
#define MCRYPTO_CHUNK_PAGES	256
/* A 32-byte aligned ring of the deepest type spans at most this many pages. */
#define MCRYPTO_RING_PAGES	3

/**
 * struct mcrypto_type_cfg - what tells the types apart
 * @depth: most ring entries
 * @max_len: longest job in bytes
 */
struct mcrypto_type_cfg {
	u32 depth;
	u32 max_len;
};

static const struct mcrypto_type_cfg mcrypto_cfgs[] = {
	{ .depth = 64, .max_len = SZ_1M },
	{ .depth = 256, .max_len = SZ_4M },
};

/**
 * struct mcrypto_state - one device
 * @sdev: the SDK device
 * @cfg: its type's limits
 * @tfm: SHA-256 transform
 * @work: runs the queue
 * @engine: held while a job runs and while the ring is pinned or unpinned,
 *	so neither happens under a running job
 * @lock: guards the registers and the in-flight ranges below; nests
 *	inside @engine
 * @ring_iova: RING_LO/HI
 * @ring_size: RING_SIZE
 * @ctrl: CTRL
 * @head: HEAD
 * @tail: TAIL
 * @error: ERROR
 * @done: DONE
 * @failed: FAILED
 * @job_ns: JOB_NS
 * @job_bytes: JOB_BYTES
 * @bench_ns: BENCH_NS
 * @enabled: the ring is pinned and the queue runs
 * @halted: the queue stopped until the guest clears CTRL.ENABLE
 * @job_active: @src_first.. and @dst_first.. describe the running job
 * @abort: an unmap hit the running job, which must stop
 * @src_first: first IOVA the running job reads
 * @src_last: last IOVA it reads
 * @dst_first: first IOVA it writes
 * @dst_last: last IOVA it writes
 * @ring_first: first IOVA of the pinned ring, page aligned; written with
 *	both @engine and @lock held, so either keeps it stable
 * @ring_npage: pages of the pinned ring, 0 if none; as @ring_first
 * @ring_pages: the pinned ring; under @engine
 * @pages: the job's current chunk of pinned source; under @engine
 */
struct mcrypto_state {
	struct mdev_sdk_device *sdev;
	const struct mcrypto_type_cfg *cfg;
	struct crypto_shash *tfm;
	struct work_struct work;
	struct mutex engine;	/* see the kernel-doc above */
	spinlock_t lock;	/* see the kernel-doc above */
	u64 ring_iova;
	u32 ring_size;
	u32 ctrl;
	u32 head;
	u32 tail;
	u32 error;
	u32 done;
	u32 failed;
	u64 job_ns;
	u64 job_bytes;
	u64 bench_ns;
	bool enabled;
	bool halted;
	bool job_active;
	bool abort;
	u64 src_first;
	u64 src_last;
	u64 dst_first;
	u64 dst_last;
	u64 ring_first;
	int ring_npage;
	struct page *ring_pages[MCRYPTO_RING_PAGES];
	struct page *pages[MCRYPTO_CHUNK_PAGES];
};

static bool mcrypto_overlaps(u64 first, u64 last, u64 ufirst, u64 ulast)
{
	return first <= ulast && ufirst <= last;
}

/* Stop the queue: no job is taken until the guest resets it. */
static void mcrypto_halt(struct mcrypto_state *s, int err)
{
	lockdep_assert_held(&s->lock);

	s->halted = true;
	s->error = err;
}

static void mcrypto_ring_unpin(struct mcrypto_state *s)
{
	lockdep_assert_held(&s->engine);

	if (!s->ring_npage)
		return;
	mdev_sdk_unpin(s->sdev, s->ring_first, s->ring_npage);
	spin_lock(&s->lock);
	s->ring_npage = 0;
	spin_unlock(&s->lock);
}

static struct mcrypto_desc *mcrypto_desc_map(struct mcrypto_state *s,
					     u32 idx)
{
	/* 32-byte entries at a 32-byte aligned base never straddle a page. */
	u64 off = (s->ring_iova - s->ring_first) + (u64)idx * sizeof(struct mcrypto_desc);

	lockdep_assert_held(&s->engine);

	return kmap_local_page(s->ring_pages[off >> PAGE_SHIFT]) +
	       offset_in_page(off);
}

static int mcrypto_pin_errno(int ret)
{
	/* type1 refuses an unmapped IOVA with -EINVAL: that is a bad address. */
	return ret == -ENOMEM ? -ENOMEM : -EFAULT;
}

/*
 * Hash one chunk of pinned source. Checks for an abort between pages, so
 * that an unmap waits for at most a page of hashing.
 */
static int mcrypto_hash_chunk(struct mcrypto_state *s, struct shash_desc *hd,
			      u64 iova, u64 len)
{
	u64 first = iova & PAGE_MASK;
	int npage = (offset_in_page(iova) + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int i, ret;

	/* Once aborted, pin nothing: type1 is waiting for the range to empty. */
	if (READ_ONCE(s->abort))
		return -ECANCELED;
	ret = mdev_sdk_pin(s->sdev, first, npage, IOMMU_READ, s->pages);
	if (ret < 0)
		return mcrypto_pin_errno(ret);

	for (i = 0; i < npage && len; i++) {
		unsigned int off = i ? 0 : offset_in_page(iova);
		unsigned int n = min_t(u64, PAGE_SIZE - off, len);
		void *va;

		if (READ_ONCE(s->abort)) {
			ret = -ECANCELED;
			break;
		}
		va = kmap_local_page(s->pages[i]);
		ret = crypto_shash_update(hd, va + off, n);
		kunmap_local(va);
		if (ret) {
			ret = -EIO;
			break;
		}
		len -= n;
	}
	mdev_sdk_unpin(s->sdev, first, npage);
	return ret;
}

/* Run one job; returns 0 or the negative errno its status reports. */
static int mcrypto_run(struct mcrypto_state *s, const struct mcrypto_desc *d)
{
	u64 src = le64_to_cpu(d->src), dst = le64_to_cpu(d->dst);
	u32 len = le32_to_cpu(d->len);
	u8 digest[MCRYPTO_DIGEST_SIZE];
	SHASH_DESC_ON_STACK(hd, s->tfm);
	u64 pos, chunk, end;
	int ret;

	lockdep_assert_held(&s->engine);

	if (le32_to_cpu(d->op) != MCRYPTO_OP_SHA256 || le32_to_cpu(d->rsvd) || !len ||
	    len > s->cfg->max_len || check_add_overflow(src, (u64)len - 1, &end) ||
	    dst > U64_MAX - (MCRYPTO_DIGEST_SIZE - 1))
		return -EINVAL;

	spin_lock(&s->lock);
	s->src_first = src;
	s->src_last = end;
	s->dst_first = dst;
	s->dst_last = dst + MCRYPTO_DIGEST_SIZE - 1;
	s->job_active = true;
	spin_unlock(&s->lock);

	hd->tfm = s->tfm;
	ret = crypto_shash_init(hd);
	if (ret)
		return -EIO;
	/* Chunks end on page boundaries, so every chunk fits in s->pages. */
	for (pos = src; pos <= end && !ret; pos += chunk) {
		u64 limit = (pos & PAGE_MASK) + (u64)MCRYPTO_CHUNK_PAGES * PAGE_SIZE;

		chunk = min(end - pos + 1, limit - pos);
		ret = mcrypto_hash_chunk(s, hd, pos, chunk);
		if (pos + chunk < pos)
			break;
	}
	if (!ret && crypto_shash_final(hd, digest))
		ret = -EIO;
	shash_desc_zero(hd);
	if (ret)
		return ret;
	if (READ_ONCE(s->abort))
		return -ECANCELED;
	ret = mdev_sdk_dma_rw(s->sdev, dst, digest, sizeof(digest), true);
	return ret ? -EFAULT : 0;
}

static void mcrypto_work(struct work_struct *work)
{
	struct mcrypto_state *s = container_of(work, struct mcrypto_state, work);
	struct mcrypto_desc d, *rd;
	u64 t0, ns;
	u32 idx, status;
	int err;

	mutex_lock(&s->engine);
	for (;;) {
		spin_lock(&s->lock);
		if (!s->enabled || s->halted || s->head == s->tail) {
			spin_unlock(&s->lock);
			break;
		}
		idx = s->head;
		spin_unlock(&s->lock);

		/* Copy once: the guest may change the ring under us. */
		rd = mcrypto_desc_map(s, idx);
		memcpy(&d, rd, sizeof(d));
		kunmap_local(rd);

		t0 = ktime_get_ns();
		err = mcrypto_run(s, &d);
		ns = ktime_get_ns() - t0;
		status = err ? MCRYPTO_DESC_ERR | -err : MCRYPTO_DESC_OK;

		/* The digest must be visible before the status that says so. */
		smp_wmb();
		rd = mcrypto_desc_map(s, idx);
		WRITE_ONCE(rd->status, cpu_to_le32(status));
		kunmap_local(rd);

		spin_lock(&s->lock);
		s->job_active = false;
		if (err) {
			s->failed++;
		} else {
			s->done++;
			s->job_ns += ns;
			s->job_bytes += le32_to_cpu(d.len);
		}
		if (err == -ECANCELED || s->abort)
			mcrypto_halt(s, ECANCELED);
		s->abort = false;
		s->head = (idx + 1) & (s->ring_size - 1);
		spin_unlock(&s->lock);

		mdev_sdk_irq_raise(s->sdev, 0);
		cond_resched();
	}
	mutex_unlock(&s->engine);
}

static int mcrypto_enable(struct mcrypto_state *s)
{
	u64 bytes = (u64)s->ring_size * sizeof(struct mcrypto_desc);
	u64 first = s->ring_iova & PAGE_MASK;
	int npage, ret;

	lockdep_assert_held(&s->engine);

	if (!is_power_of_2(s->ring_size) || s->ring_size < 2 ||
	    s->ring_size > s->cfg->depth ||
	    !IS_ALIGNED(s->ring_iova, sizeof(struct mcrypto_desc)) ||
	    s->ring_iova > U64_MAX - bytes)
		return -EINVAL;
	npage = (offset_in_page(s->ring_iova) + bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	ret = mdev_sdk_pin(s->sdev, first, npage, IOMMU_READ | IOMMU_WRITE,
			   s->ring_pages);
	if (ret < 0)
		return ret;
	spin_lock(&s->lock);
	s->ring_first = first;
	s->ring_npage = npage;
	spin_unlock(&s->lock);
	return 0;
}

/* Stop the queue and drop the ring; the engine is idle on return. */
static void mcrypto_disable(struct mcrypto_state *s)
{
	mutex_lock(&s->engine);
	spin_lock(&s->lock);
	s->enabled = false;
	s->halted = false;
	s->head = 0;
	s->tail = 0;
	spin_unlock(&s->lock);
	mcrypto_ring_unpin(s);
	mutex_unlock(&s->engine);
}

static void mcrypto_write_ctrl(struct mcrypto_state *s, u32 val)
{
	int ret;

	s->ctrl = val & MCRYPTO_CTRL_ENABLE;
	if (!s->ctrl) {
		mcrypto_disable(s);
		return;
	}
	mutex_lock(&s->engine);
	if (!s->enabled && !s->halted) {
		ret = mcrypto_enable(s);
		spin_lock(&s->lock);
		if (ret)
			mcrypto_halt(s, -ret);
		else
			s->enabled = true;
		s->head = 0;
		s->tail = 0;
		spin_unlock(&s->lock);
	}
	mutex_unlock(&s->engine);
}

/* Time hashing @len bytes of kernel memory: the limit the engine aims at. */
static void mcrypto_bench(struct mcrypto_state *s, u32 len)
{
	u8 digest[MCRYPTO_DIGEST_SIZE];
	u64 t0, ns;
	void *buf;

	if (!len || len > s->cfg->max_len)
		return;
	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return;
	memset(buf, 0x5a, len);
	t0 = ktime_get_ns();
	crypto_shash_tfm_digest(s->tfm, buf, len, digest);
	ns = ktime_get_ns() - t0;
	kvfree(buf);
	spin_lock(&s->lock);
	s->bench_ns = ns;
	spin_unlock(&s->lock);
}

static u32 mcrypto_status(struct mcrypto_state *s)
{
	u32 st = 0;

	lockdep_assert_held(&s->lock);

	if (s->enabled)
		st |= MCRYPTO_STATUS_ENABLED;
	if (s->halted)
		st |= MCRYPTO_STATUS_HALTED;
	if (s->head != s->tail)
		st |= MCRYPTO_STATUS_BUSY;
	return st;
}

static int mcrypto_bar_read(struct mdev_sdk_device *sdev, unsigned int bar,
			    u64 offset, unsigned int size, u64 *val)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);

	if (size != 4)
		return -EINVAL;
	if (offset == MCRYPTO_REG_PINNED) {
		*val = mdev_sdk_pinned_pages(sdev);
		return 0;
	}
	spin_lock(&s->lock);
	switch (offset) {
	case MCRYPTO_REG_ID:
		*val = MCRYPTO_ID;
		break;
	case MCRYPTO_REG_DEPTH:
		*val = s->cfg->depth;
		break;
	case MCRYPTO_REG_MAX_LEN:
		*val = s->cfg->max_len;
		break;
	case MCRYPTO_REG_RING_LO:
		*val = lower_32_bits(s->ring_iova);
		break;
	case MCRYPTO_REG_RING_HI:
		*val = upper_32_bits(s->ring_iova);
		break;
	case MCRYPTO_REG_RING_SIZE:
		*val = s->ring_size;
		break;
	case MCRYPTO_REG_CTRL:
		*val = s->ctrl;
		break;
	case MCRYPTO_REG_HEAD:
		*val = s->head;
		break;
	case MCRYPTO_REG_TAIL:
		*val = s->tail;
		break;
	case MCRYPTO_REG_STATUS:
		*val = mcrypto_status(s);
		break;
	case MCRYPTO_REG_ERROR:
		*val = s->error;
		break;
	case MCRYPTO_REG_DONE:
		*val = s->done;
		break;
	case MCRYPTO_REG_FAILED:
		*val = s->failed;
		break;
	case MCRYPTO_REG_JOB_NS_LO:
	case MCRYPTO_REG_JOB_NS_HI:
		*val = offset & 4 ? upper_32_bits(s->job_ns) : lower_32_bits(s->job_ns);
		break;
	case MCRYPTO_REG_JOB_BYTES_LO:
	case MCRYPTO_REG_JOB_BYTES_HI:
		*val = offset & 4 ? upper_32_bits(s->job_bytes) :
				    lower_32_bits(s->job_bytes);
		break;
	case MCRYPTO_REG_BENCH_NS_LO:
	case MCRYPTO_REG_BENCH_NS_HI:
		*val = offset & 4 ? upper_32_bits(s->bench_ns) :
				    lower_32_bits(s->bench_ns);
		break;
	default:
		*val = 0;
		break;
	}
	spin_unlock(&s->lock);
	return 0;
}

static int mcrypto_bar_write(struct mdev_sdk_device *sdev, unsigned int bar,
			     u64 offset, unsigned int size, u64 val)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);
	bool kick = false;

	if (size != 4)
		return -EINVAL;
	switch (offset) {
	case MCRYPTO_REG_CTRL:
		mcrypto_write_ctrl(s, val);
		return 0;
	case MCRYPTO_REG_BENCH:
		mcrypto_bench(s, val);
		return 0;
	}

	spin_lock(&s->lock);
	switch (offset) {
	case MCRYPTO_REG_RING_LO:
		if (!s->enabled)
			s->ring_iova = (s->ring_iova & GENMASK_ULL(63, 32)) | val;
		break;
	case MCRYPTO_REG_RING_HI:
		if (!s->enabled)
			s->ring_iova = lower_32_bits(s->ring_iova) | val << 32;
		break;
	case MCRYPTO_REG_RING_SIZE:
		if (!s->enabled)
			s->ring_size = val;
		break;
	case MCRYPTO_REG_TAIL:
		/* A tail outside the ring is ignored, as hardware would mask it. */
		if (s->enabled && val < s->ring_size) {
			s->tail = val;
			kick = true;
		}
		break;
	default:
		/* Read-only and unassigned registers ignore writes. */
		break;
	}
	spin_unlock(&s->lock);
	if (kick)
		queue_work(system_unbound_wq, &s->work);
	return 0;
}

static void mcrypto_reset(struct mdev_sdk_device *sdev)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);

	mcrypto_disable(s);
	spin_lock(&s->lock);
	s->ring_iova = 0;
	s->ring_size = 0;
	s->ctrl = 0;
	s->error = 0;
	s->done = 0;
	s->failed = 0;
	s->job_ns = 0;
	s->job_bytes = 0;
	s->bench_ns = 0;
	spin_unlock(&s->lock);
}

static void mcrypto_close(struct mdev_sdk_device *sdev)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);

	/* The SDK unpins everything next: no job may be running by then. */
	mcrypto_disable(s);
	cancel_work_sync(&s->work);
}

/*
 * The user unmapped [iova, iova + length). A running job that reads or
 * writes there is aborted and the queue halts, so nothing re-pins the range
 * while type1 completes the unmap; taking the engine then waits for the job
 * to let go of its pages. A ring in the range is unpinned here.
 *
 * Whether the ring is hit is decided with the engine held, as the ring is
 * pinned and published under it: decided before, a ring being enabled
 * meanwhile would be missed and stay pinned over the unmap. A job or a
 * ring pinned after the SDK told us finds the range closed (the SDK
 * refuses the pin), so nothing here can miss one.
 */
static void mcrypto_invalidate(struct mdev_sdk_device *sdev, u64 iova,
			       u64 length)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);
	u64 last = length ? iova + min(length - 1, U64_MAX - iova) : iova;
	bool ring_hit, raise = false;

	spin_lock(&s->lock);
	if (s->job_active &&
	    (mcrypto_overlaps(s->src_first, s->src_last, iova, last) ||
	     mcrypto_overlaps(s->dst_first, s->dst_last, iova, last))) {
		WRITE_ONCE(s->abort, true);
		mcrypto_halt(s, ECANCELED);
	}
	spin_unlock(&s->lock);

	mutex_lock(&s->engine);
	spin_lock(&s->lock);
	ring_hit = s->ring_npage &&
		   mcrypto_overlaps(s->ring_first,
				    s->ring_first + ((u64)s->ring_npage << PAGE_SHIFT) - 1,
				    iova, last);
	if (ring_hit) {
		if (!s->halted) {
			mcrypto_halt(s, EFAULT);
			raise = true;
		}
		s->enabled = false;
	}
	spin_unlock(&s->lock);
	if (ring_hit)
		mcrypto_ring_unpin(s);
	mutex_unlock(&s->engine);
	if (raise)
		mdev_sdk_irq_raise(sdev, 0);
}

static int mcrypto_create(struct mdev_sdk_device *sdev)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);

	s->tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(s->tfm))
		return PTR_ERR(s->tfm);
	s->sdev = sdev;
	s->cfg = &mcrypto_cfgs[mdev_sdk_get_type(sdev)->driver_data];
	mutex_init(&s->engine);
	spin_lock_init(&s->lock);
	INIT_WORK(&s->work, mcrypto_work);
	return 0;
}

static void mcrypto_remove(struct mdev_sdk_device *sdev)
{
	struct mcrypto_state *s = mdev_sdk_priv(sdev);

	cancel_work_sync(&s->work);
	mutex_destroy(&s->engine);
	crypto_free_shash(s->tfm);
}

static const struct mdev_sdk_region_ops mcrypto_bar_ops = {
	.read = mcrypto_bar_read,
	.write = mcrypto_bar_write,
};

#define MCRYPTO_BAR0 \
	{ .size = MCRYPTO_BAR0_SIZE, .width = 4, .ops = &mcrypto_bar_ops }

static const struct mdev_sdk_type mcrypto_types[] = {
	{
		.sysfs_name = "1",
		.pretty_name = "SHA-256 engine, 1 unit",
		.description = "SHA-256 by DMA; 64-entry ring, jobs up to 1 MiB",
		.cost = 1,
		.bars = { MCRYPTO_BAR0 },
		.driver_data = 0,
	},
	{
		.sysfs_name = "4",
		.pretty_name = "SHA-256 engine, 4 units",
		.description = "SHA-256 by DMA; 256-entry ring, jobs up to 4 MiB",
		.cost = 4,
		.bars = { MCRYPTO_BAR0 },
		.driver_data = 1,
	},
};

static const struct mdev_sdk_pci_ident mcrypto_ident = {
	.vendor = MCRYPTO_VENDOR_ID,
	.device = MCRYPTO_DEVICE_ID,
	.subsystem_vendor = MCRYPTO_VENDOR_ID,
	.subsystem_device = MCRYPTO_DEVICE_ID,
	.class_code = MCRYPTO_CLASS_CODE,
	.revision = 1,
	.irq_pin = 1,
};

static const struct mdev_sdk_pci_cap mcrypto_caps[] = {
	MDEV_SDK_CAP_MSI(1, MDEV_SDK_MSI_64BIT),
};

static const struct mdev_sdk_device_ops mcrypto_device_ops = {
	.create = mcrypto_create,
	.remove = mcrypto_remove,
	.close = mcrypto_close,
	.reset = mcrypto_reset,
	.invalidate = mcrypto_invalidate,
};

static struct mdev_sdk_driver mcrypto_driver = {
	.name = "mcrypto",
	.owner = THIS_MODULE,
	.types = mcrypto_types,
	.nr_types = ARRAY_SIZE(mcrypto_types),
	.pool = 8,
	.ident = &mcrypto_ident,
	.caps = mcrypto_caps,
	.nr_caps = ARRAY_SIZE(mcrypto_caps),
	.ops = &mcrypto_device_ops,
	.priv_size = sizeof(struct mcrypto_state),
};
module_mdev_sdk_driver(mcrypto_driver);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Mediated SHA-256 DMA engine (mdev-sdk sample)");
