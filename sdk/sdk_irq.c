// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk: interrupts: GET_IRQ_INFO, SET_IRQS and raising.
 *
 * The semantics follow vfio-pci, since QEMU and other users are written
 * against it: INTx, MSI and MSI-X exclude each other; INTx is level-like
 * and AUTOMASKED, i.e. every delivery masks it until the user unmasks, and
 * an interrupt raised while masked is delivered on unmask; ERR and REQ are
 * single eventfds.
 *
 * Eventfds are signalled with &mdev_sdk_irqs.lock held, so a concurrent
 * SET_IRQS cannot free one under us. That lock is therefore never taken
 * from an eventfd wakeup: the INTx unmask eventfd does its work in the
 * virqfd thread, not in the wakeup handler.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/unaligned.h>

#include "sdk_private.h"

/* INTx delivery as described above; irqs->lock held. */
static void mdev_sdk_intx_deliver(struct mdev_sdk_irqs *irqs)
{
	lockdep_assert_held(&irqs->lock);

	if (irqs->intx_masked || irqs->intx_disabled) {
		irqs->intx_pending = true;
		return;
	}
	irqs->intx_masked = true;
	if (irqs->intx_trigger)
		eventfd_signal(irqs->intx_trigger, 1);
}

static void mdev_sdk_intx_mask(struct mdev_sdk_irqs *irqs)
{
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	irqs->intx_masked = true;
	spin_unlock_irqrestore(&irqs->lock, flags);
}

static void mdev_sdk_intx_unmask(struct mdev_sdk_irqs *irqs)
{
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->mode == VFIO_PCI_INTX_IRQ_INDEX && irqs->intx_masked) {
		irqs->intx_masked = false;
		if (irqs->intx_pending) {
			irqs->intx_pending = false;
			mdev_sdk_intx_deliver(irqs);
		}
	}
	spin_unlock_irqrestore(&irqs->lock, flags);
}

/* virqfd wakeup handler: atomic, inside the unmask eventfd's wakeup. */
static int mdev_sdk_intx_unmask_handler(void *opaque, void *data)
{
	return 1;
}

/* virqfd thread: process context, outside any eventfd wakeup. */
static void mdev_sdk_intx_unmask_thread(void *opaque, void *data)
{
	struct mdev_sdk_device *sdev = opaque;

	mdev_sdk_intx_unmask(&sdev->irqs);
}

/**
 * mdev_sdk_irqs_init - initial interrupt state: nothing enabled
 * @sdev: the device
 *
 * Context: any.
 */
void mdev_sdk_irqs_init(struct mdev_sdk_device *sdev)
{
	spin_lock_init(&sdev->irqs.lock);
	sdev->irqs.mode = MDEV_SDK_IRQ_NONE;
}

/* Swap out and return a trigger; put the result outside irqs->lock. */
static struct eventfd_ctx *mdev_sdk_swap(struct mdev_sdk_irqs *irqs,
					 struct eventfd_ctx **slot,
					 struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;
	unsigned long flags;

	spin_lock_irqsave(&irqs->lock, flags);
	old = *slot;
	*slot = ctx;
	spin_unlock_irqrestore(&irqs->lock, flags);
	return old;
}

static void mdev_sdk_put_ctx(struct eventfd_ctx *ctx)
{
	if (ctx)
		eventfd_ctx_put(ctx);
}

static void mdev_sdk_intx_disable(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	struct eventfd_ctx *old;
	unsigned long flags;

	lockdep_assert_held(&sdev->lock);

	vfio_virqfd_disable(&irqs->intx_unmask);
	spin_lock_irqsave(&irqs->lock, flags);
	old = irqs->intx_trigger;
	irqs->intx_trigger = NULL;
	irqs->mode = MDEV_SDK_IRQ_NONE;
	irqs->intx_masked = false;
	irqs->intx_pending = false;
	spin_unlock_irqrestore(&irqs->lock, flags);
	mdev_sdk_put_ctx(old);
}

static void mdev_sdk_msi_disable(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	struct eventfd_ctx *old[MDEV_SDK_MAX_MSI];
	unsigned long flags;
	unsigned int i, n;

	lockdep_assert_held(&sdev->lock);

	spin_lock_irqsave(&irqs->lock, flags);
	n = irqs->nr_msi;
	memcpy(old, irqs->msi_trigger, sizeof(old));
	memset(irqs->msi_trigger, 0, sizeof(irqs->msi_trigger));
	irqs->nr_msi = 0;
	irqs->mode = MDEV_SDK_IRQ_NONE;
	spin_unlock_irqrestore(&irqs->lock, flags);
	for (i = 0; i < n; i++)
		mdev_sdk_put_ctx(old[i]);
}

/**
 * mdev_sdk_irqs_teardown - disable every interrupt and drop every eventfd
 * @sdev: the device
 *
 * Context: device lock held, may sleep.
 */
void mdev_sdk_irqs_teardown(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;

	lockdep_assert_held(&sdev->lock);

	if (irqs->mode == VFIO_PCI_INTX_IRQ_INDEX)
		mdev_sdk_intx_disable(sdev);
	else if (irqs->mode != MDEV_SDK_IRQ_NONE)
		mdev_sdk_msi_disable(sdev);
	/*
	 * Setters hold the device lock too, so an empty slot stays empty and
	 * most closes take no irq-disabling lock at all.
	 */
	if (irqs->err_trigger)
		mdev_sdk_put_ctx(mdev_sdk_swap(irqs, &irqs->err_trigger, NULL));
	if (irqs->req_trigger)
		mdev_sdk_put_ctx(mdev_sdk_swap(irqs, &irqs->req_trigger, NULL));
}

/**
 * mdev_sdk_irq_config_written - follow the INTx Disable command bit
 * @sdev: the device, after a configuration write or reset
 *
 * While the guest sets INTx Disable, INTx is held pending rather than
 * delivered; clearing the bit delivers what is pending.
 *
 * Context: device lock held.
 */
void mdev_sdk_irq_config_written(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	u16 cmd = get_unaligned_le16(&sdev->config.cfg[PCI_COMMAND]);
	bool disabled = cmd & PCI_COMMAND_INTX_DISABLE;
	unsigned long flags;

	lockdep_assert_held(&sdev->lock);

	/* Only written here, under the device lock: no change, no lock. */
	if (irqs->intx_disabled == disabled)
		return;
	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->intx_disabled && !disabled) {
		irqs->intx_disabled = false;
		if (irqs->mode == VFIO_PCI_INTX_IRQ_INDEX &&
		    irqs->intx_pending && !irqs->intx_masked) {
			irqs->intx_pending = false;
			mdev_sdk_intx_deliver(irqs);
		}
	}
	irqs->intx_disabled = disabled;
	spin_unlock_irqrestore(&irqs->lock, flags);
}

/**
 * mdev_sdk_irqs_reset - VFIO_DEVICE_RESET (or open) for the interrupt state
 * @sdev: the device, its configuration space just reset
 *
 * A reset device deasserts its interrupt line, so an INTx held pending
 * (raised while masked or while INTx Disable was set) is dropped before
 * the reset value of the command register clears INTx Disable: otherwise
 * the user would get an interrupt the reset device never raised. The
 * user's eventfds and mask stay as they were, as with vfio-pci.
 *
 * Context: device lock held.
 */
void mdev_sdk_irqs_reset(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	unsigned long flags;

	lockdep_assert_held(&sdev->lock);

	spin_lock_irqsave(&irqs->lock, flags);
	irqs->intx_pending = false;
	spin_unlock_irqrestore(&irqs->lock, flags);
	mdev_sdk_irq_config_written(sdev);
}

static unsigned int mdev_sdk_irq_count(struct mdev_sdk_device *sdev,
				       unsigned int index)
{
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return sdev->config.defaults[PCI_INTERRUPT_PIN] ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		return mdev_sdk_pci_config_msi_vectors(&sdev->config);
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		/* MSI-X needs a table the SDK does not emulate. */
		return 0;
	}
}

/**
 * mdev_sdk_ioctl_irq_info - VFIO_DEVICE_GET_IRQ_INFO
 * @sdev: the device
 * @arg: the user's struct vfio_irq_info
 *
 * Context: process context.
 * Return: 0; -EFAULT; -EINVAL for a short argsz or an unknown index.
 */
long mdev_sdk_ioctl_irq_info(struct mdev_sdk_device *sdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	info.flags = VFIO_IRQ_INFO_EVENTFD;
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	info.count = mdev_sdk_irq_count(sdev, info.index);

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

static int mdev_sdk_get_eventfd(s32 fd, struct eventfd_ctx **ctx)
{
	*ctx = NULL;
	if (fd == -1)
		return 0;
	if (fd < 0)
		return -EINVAL;
	*ctx = eventfd_ctx_fdget(fd);
	if (IS_ERR(*ctx)) {
		int ret = PTR_ERR(*ctx);

		*ctx = NULL;
		return ret;
	}
	return 0;
}

static int mdev_sdk_set_intx(struct mdev_sdk_device *sdev,
			     struct vfio_irq_set *hdr, u8 *data)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	u32 action = hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	bool is_intx = irqs->mode == VFIO_PCI_INTX_IRQ_INDEX;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	int ret;

	if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
		if (is_intx && !hdr->count && type == VFIO_IRQ_SET_DATA_NONE) {
			mdev_sdk_intx_disable(sdev);
			return 0;
		}
		if ((!is_intx && irqs->mode != MDEV_SDK_IRQ_NONE) ||
		    hdr->start || hdr->count != 1)
			return -EINVAL;
		if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
			ret = mdev_sdk_get_eventfd(get_unaligned((s32 *)data),
						   &ctx);
			if (ret)
				return ret;
			spin_lock_irqsave(&irqs->lock, flags);
			if (!is_intx) {
				irqs->mode = VFIO_PCI_INTX_IRQ_INDEX;
				irqs->intx_masked = false;
				irqs->intx_pending = false;
			}
			swap(irqs->intx_trigger, ctx);
			spin_unlock_irqrestore(&irqs->lock, flags);
			mdev_sdk_put_ctx(ctx);
			return 0;
		}
		if (!is_intx)
			return -EINVAL;
		if (type == VFIO_IRQ_SET_DATA_NONE || data[0]) {
			/* Loopback test of the user's handling. */
			spin_lock_irqsave(&irqs->lock, flags);
			mdev_sdk_intx_deliver(irqs);
			spin_unlock_irqrestore(&irqs->lock, flags);
		}
		return 0;
	}

	if (!is_intx || hdr->start || hdr->count != 1)
		return -EINVAL;

	if (type == VFIO_IRQ_SET_DATA_EVENTFD) {
		s32 fd = get_unaligned((s32 *)data);

		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return -ENOTTY;
		if (fd == -1) {
			vfio_virqfd_disable(&irqs->intx_unmask);
			return 0;
		}
		if (fd < 0)
			return -EINVAL;
		return vfio_virqfd_enable(sdev, mdev_sdk_intx_unmask_handler,
					  mdev_sdk_intx_unmask_thread, NULL,
					  &irqs->intx_unmask, fd);
	}

	if (type == VFIO_IRQ_SET_DATA_BOOL && !data[0])
		return 0;
	if (action == VFIO_IRQ_SET_ACTION_MASK)
		mdev_sdk_intx_mask(irqs);
	else
		mdev_sdk_intx_unmask(irqs);
	return 0;
}

static int mdev_sdk_set_msi(struct mdev_sdk_device *sdev,
			    struct vfio_irq_set *hdr, u8 *data)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	int index = hdr->index;
	struct eventfd_ctx *ctx[MDEV_SDK_MAX_MSI];
	unsigned long flags;
	unsigned int i;
	int ret = 0;

	if ((hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;

	if (irqs->mode == index && !hdr->count &&
	    type == VFIO_IRQ_SET_DATA_NONE) {
		mdev_sdk_msi_disable(sdev);
		return 0;
	}
	if (irqs->mode != index && irqs->mode != MDEV_SDK_IRQ_NONE)
		return -EINVAL;
	/* Validation bounded start + count by the vector count already. */
	if (hdr->start + hdr->count > MDEV_SDK_MAX_MSI)
		return -EINVAL;

	if (type != VFIO_IRQ_SET_DATA_EVENTFD) {
		if (irqs->mode != index || hdr->start + hdr->count > irqs->nr_msi)
			return -EINVAL;
		spin_lock_irqsave(&irqs->lock, flags);
		for (i = 0; i < hdr->count; i++) {
			struct eventfd_ctx *t = irqs->msi_trigger[hdr->start + i];

			if (t && (type == VFIO_IRQ_SET_DATA_NONE || data[i]))
				eventfd_signal(t, 1);
		}
		spin_unlock_irqrestore(&irqs->lock, flags);
		return 0;
	}

	/* An already enabled index keeps its vector count. */
	if (irqs->mode == index && hdr->start + hdr->count > irqs->nr_msi)
		return -EINVAL;

	/* Take every eventfd first, so that a bad one changes nothing. */
	for (i = 0; i < hdr->count; i++) {
		ret = mdev_sdk_get_eventfd(get_unaligned((s32 *)data + i),
					   &ctx[i]);
		if (ret)
			goto err_put_eventfds;
	}

	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->mode != index) {
		irqs->mode = index;
		irqs->nr_msi = hdr->start + hdr->count;
	}
	for (i = 0; i < hdr->count; i++)
		swap(irqs->msi_trigger[hdr->start + i], ctx[i]);
	spin_unlock_irqrestore(&irqs->lock, flags);
	/* ctx[] now holds the replaced eventfds. */
	for (i = 0; i < hdr->count; i++)
		mdev_sdk_put_ctx(ctx[i]);
	return 0;

err_put_eventfds:
	while (i--)
		mdev_sdk_put_ctx(ctx[i]);
	return ret;
}

static int mdev_sdk_set_single(struct mdev_sdk_device *sdev,
			       struct vfio_irq_set *hdr, u8 *data,
			       struct eventfd_ctx **slot)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	u32 type = hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	struct eventfd_ctx *ctx;
	unsigned long flags;
	int ret;

	if ((hdr->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) !=
	    VFIO_IRQ_SET_ACTION_TRIGGER)
		return -ENOTTY;
	if (hdr->start || hdr->count > 1)
		return -EINVAL;

	switch (type) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (!*slot)
			return -EINVAL;
		if (!hdr->count) {
			mdev_sdk_put_ctx(mdev_sdk_swap(irqs, slot, NULL));
			return 0;
		}
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		if (!hdr->count)
			return -EINVAL;
		if (!data[0])
			return 0;
		break;
	default:
		if (!hdr->count)
			return -EINVAL;
		ret = mdev_sdk_get_eventfd(get_unaligned((s32 *)data), &ctx);
		if (ret)
			return ret;
		mdev_sdk_put_ctx(mdev_sdk_swap(irqs, slot, ctx));
		return 0;
	}

	spin_lock_irqsave(&irqs->lock, flags);
	if (*slot)
		eventfd_signal(*slot, 1);
	spin_unlock_irqrestore(&irqs->lock, flags);
	return 0;
}

/**
 * mdev_sdk_ioctl_set_irqs - VFIO_DEVICE_SET_IRQS
 * @sdev: the device
 * @arg: the user's struct vfio_irq_set and its data
 *
 * Context: process context, may sleep; takes the device lock.
 * Return: 0; -EFAULT; -EINVAL for a bad header, index, range, flags, fd
 * or an index other than the enabled one; -ENOTTY for an action the index
 * does not support; -EBADF or -ENOMEM from taking an eventfd.
 */
long mdev_sdk_ioctl_set_irqs(struct mdev_sdk_device *sdev, void __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	u8 *data = NULL;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz || hdr.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;

	ret = vfio_set_irqs_validate_and_prepare(&hdr,
						 mdev_sdk_irq_count(sdev,
								    hdr.index),
						 VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = memdup_user(arg + minsz, data_size);
		if (IS_ERR(data))
			return PTR_ERR(data);
	}

	mutex_lock(&sdev->lock);
	switch (hdr.index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		ret = mdev_sdk_set_intx(sdev, &hdr, data);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		ret = mdev_sdk_set_msi(sdev, &hdr, data);
		break;
	case VFIO_PCI_ERR_IRQ_INDEX:
		ret = mdev_sdk_set_single(sdev, &hdr, data, &irqs->err_trigger);
		break;
	default:
		ret = mdev_sdk_set_single(sdev, &hdr, data, &irqs->req_trigger);
		break;
	}
	mutex_unlock(&sdev->lock);

	kfree(data);
	return ret;
}

/**
 * mdev_sdk_irq_raise - raise the device's interrupt
 * @sdev: the device
 * @vector: MSI or MSI-X vector; 0 for INTx
 *
 * Delivers through whatever the user enabled: the INTx eventfd (masking
 * INTx until the user unmasks it; while masked or while the guest set
 * INTx Disable, the interrupt is held and delivered on unmask), or the
 * eventfd of MSI/MSI-X @vector.
 *
 * Context: any, including hard interrupt context; not from an eventfd
 * wakeup callback.
 * Return: 0 if delivered or held pending; -ENOTCONN if no interrupt is
 * enabled or the vector has no eventfd; -EINVAL for a vector beyond those
 * enabled.
 */
int mdev_sdk_irq_raise(struct mdev_sdk_device *sdev, unsigned int vector)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&irqs->lock, flags);
	switch (irqs->mode) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (vector)
			ret = -EINVAL;
		else
			mdev_sdk_intx_deliver(irqs);
		break;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		if (vector >= irqs->nr_msi)
			ret = -EINVAL;
		else if (!irqs->msi_trigger[vector])
			ret = -ENOTCONN;
		else
			eventfd_signal(irqs->msi_trigger[vector], 1);
		break;
	default:
		ret = -ENOTCONN;
		break;
	}
	spin_unlock_irqrestore(&irqs->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_sdk_irq_raise);

/**
 * mdev_sdk_irq_raise_err - signal the ERR interrupt (an unrecoverable error)
 * @sdev: the device
 *
 * Context: any; not from an eventfd wakeup callback.
 * Return: 0, or -ENOTCONN if the user set no ERR eventfd.
 */
int mdev_sdk_irq_raise_err(struct mdev_sdk_device *sdev)
{
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	unsigned long flags;
	int ret = -ENOTCONN;

	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->err_trigger) {
		eventfd_signal(irqs->err_trigger, 1);
		ret = 0;
	}
	spin_unlock_irqrestore(&irqs->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(mdev_sdk_irq_raise_err);

/**
 * mdev_sdk_vfio_request - &vfio_device_ops.request: ask the user to let go
 * @vdev: the device being unregistered
 * @count: how often the user was asked before
 *
 * Signals the REQ eventfd, to which QEMU reacts by unplugging the device
 * from the guest.
 *
 * Context: process context, from vfio_unregister_group_dev().
 */
void mdev_sdk_vfio_request(struct vfio_device *vdev, unsigned int count)
{
	struct mdev_sdk_device *sdev = to_sdk_device(vdev);
	struct mdev_sdk_irqs *irqs = &sdev->irqs;
	unsigned long flags;
	bool asked = false;

	spin_lock_irqsave(&irqs->lock, flags);
	if (irqs->req_trigger) {
		eventfd_signal(irqs->req_trigger, 1);
		asked = true;
	}
	spin_unlock_irqrestore(&irqs->lock, flags);

	if (!count)
		dev_info(mdev_sdk_dev(sdev), "%s\n",
			 asked ? "asking the user to release the device (REQ)" :
				 "in use, and the user set no REQ eventfd");
}
