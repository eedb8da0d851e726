// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk bundled VFIO core: virqfd, an eventfd a user hands to a driver
 * (typically to unmask an interrupt). Signalling the eventfd runs the
 * driver's handler in the eventfd's atomic wakeup and, if asked for, its
 * thread callback from a work item.
 *
 * A virqfd is torn down either by the driver (vfio_virqfd_disable()) or by
 * the user closing the eventfd (EPOLLHUP). Whichever comes first clears the
 * driver's pointer under vfio_virqfd_lock and queues the teardown; the
 * teardown itself runs on vfio_virqfd_wq so that it may sleep.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "vfio_core.h"

static struct workqueue_struct *vfio_virqfd_wq;
/* Guards the drivers' struct virqfd pointers (&virqfd.pvirqfd). */
static DEFINE_SPINLOCK(vfio_virqfd_lock);

static void __vfio_virqfd_deactivate(struct virqfd *virqfd)
{
	lockdep_assert_held(&vfio_virqfd_lock);

	*virqfd->pvirqfd = NULL;
	queue_work(vfio_virqfd_wq, &virqfd->shutdown);
}

static void vfio_virqfd_fire(struct virqfd *virqfd)
{
	if ((!virqfd->handler ||
	     virqfd->handler(virqfd->opaque, virqfd->data)) && virqfd->thread)
		schedule_work(&virqfd->inject);
}

/* Runs with the eventfd's wait queue lock held and interrupts off. */
static int vfio_virqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct virqfd *virqfd = container_of(wait, struct virqfd, wait);
	__poll_t events = key_to_poll(key);
	unsigned long flags;

	if (events & EPOLLIN) {
		u64 cnt;

		/* Consume the count so the next signal wakes us again. */
		eventfd_ctx_do_read(virqfd->eventfd, &cnt);
		vfio_virqfd_fire(virqfd);
	}

	if (events & EPOLLHUP) {
		spin_lock_irqsave(&vfio_virqfd_lock, flags);
		/* Unless vfio_virqfd_disable() got here first. */
		if (*virqfd->pvirqfd == virqfd)
			__vfio_virqfd_deactivate(virqfd);
		spin_unlock_irqrestore(&vfio_virqfd_lock, flags);
	}
	return 0;
}

static void vfio_virqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				   poll_table *pt)
{
	struct virqfd *virqfd = container_of(pt, struct virqfd, pt);

	add_wait_queue(wqh, &virqfd->wait);
}

static void vfio_virqfd_inject(struct work_struct *work)
{
	struct virqfd *virqfd = container_of(work, struct virqfd, inject);

	virqfd->thread(virqfd->opaque, virqfd->data);
}

static void vfio_virqfd_shutdown(struct work_struct *work)
{
	struct virqfd *virqfd = container_of(work, struct virqfd, shutdown);
	u64 cnt;

	/* No wakeup can queue @inject after this, so one flush suffices. */
	eventfd_ctx_remove_wait_queue(virqfd->eventfd, &virqfd->wait, &cnt);
	flush_work(&virqfd->inject);
	/* Pairs with eventfd_ctx_fileget() in vfio_virqfd_enable(). */
	eventfd_ctx_put(virqfd->eventfd);
	kfree(virqfd);
}

/**
 * vfio_virqfd_enable - call back a driver whenever an eventfd is signalled
 * @opaque: first argument of @handler and @thread
 * @handler: called in atomic context (the eventfd's wakeup, interrupts off)
 *	on every signal; return non-zero to have @thread run. NULL means
 *	always run @thread
 * @thread: called in process context after @handler asked for it; may be
 *	NULL
 * @data: second argument of @handler and @thread
 * @pvirqfd: the driver's slot for the virqfd; must be NULL, and is cleared
 *	again on teardown. Serialise enable and disable of one slot
 * @fd: the user's eventfd
 *
 * A signal pending at the time of the call fires at once.
 *
 * Context: may sleep.
 * Return: 0 on success, -EBADF if @fd is not open, -EINVAL if it is not an
 * eventfd, -EBUSY if @pvirqfd is in use, -ENOMEM.
 */
int vfio_virqfd_enable(void *opaque, int (*handler)(void *, void *),
		       void (*thread)(void *, void *), void *data,
		       struct virqfd **pvirqfd, int fd)
{
	struct eventfd_ctx *ctx;
	struct virqfd *virqfd;
	__poll_t events;
	struct fd f;
	int ret;

	virqfd = kzalloc(sizeof(*virqfd), GFP_KERNEL_ACCOUNT);
	if (!virqfd)
		return -ENOMEM;

	virqfd->opaque = opaque;
	virqfd->handler = handler;
	virqfd->thread = thread;
	virqfd->data = data;
	virqfd->pvirqfd = pvirqfd;
	INIT_WORK(&virqfd->inject, vfio_virqfd_inject);
	INIT_WORK(&virqfd->shutdown, vfio_virqfd_shutdown);
	init_waitqueue_func_entry(&virqfd->wait, vfio_virqfd_wakeup);
	/* Lets a teardown racing with vfs_poll() remove an unqueued entry. */
	INIT_LIST_HEAD(&virqfd->wait.entry);
	init_poll_funcptr(&virqfd->pt, vfio_virqfd_queue_proc);

	f = fdget(fd);
	if (!f.file) {
		ret = -EBADF;
		goto err_free_virqfd;
	}

	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto err_put_fd;
	}
	virqfd->eventfd = ctx;

	spin_lock_irq(&vfio_virqfd_lock);
	if (*pvirqfd) {
		spin_unlock_irq(&vfio_virqfd_lock);
		ret = -EBUSY;
		goto err_put_ctx;
	}
	*pvirqfd = virqfd;
	spin_unlock_irq(&vfio_virqfd_lock);

	events = vfs_poll(f.file, &virqfd->pt);
	if (events & EPOLLIN)
		vfio_virqfd_fire(virqfd);

	/* Held until here: a close meanwhile would HUP a half-built virqfd. */
	fdput(f);
	return 0;

err_put_ctx:
	eventfd_ctx_put(ctx);
err_put_fd:
	fdput(f);
err_free_virqfd:
	kfree(virqfd);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_virqfd_enable);

/**
 * vfio_virqfd_disable - tear down a virqfd and wait until it is gone
 * @pvirqfd: the driver's slot, possibly already cleared by EPOLLHUP
 *
 * On return neither callback runs any more and the slot is NULL.
 *
 * Context: may sleep; must not hold a lock that the thread callback takes.
 */
void vfio_virqfd_disable(struct virqfd **pvirqfd)
{
	unsigned long flags;

	spin_lock_irqsave(&vfio_virqfd_lock, flags);
	if (*pvirqfd)
		__vfio_virqfd_deactivate(*pvirqfd);
	spin_unlock_irqrestore(&vfio_virqfd_lock, flags);

	/* Also waits for a teardown an EPOLLHUP queued. */
	flush_workqueue(vfio_virqfd_wq);
}
EXPORT_SYMBOL_GPL(vfio_virqfd_disable);

/**
 * vfio_virqfd_init - create the teardown workqueue
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int vfio_virqfd_init(void)
{
	vfio_virqfd_wq = alloc_ordered_workqueue("vfio-virqfd-cleanup", 0);
	return vfio_virqfd_wq ? 0 : -ENOMEM;
}

/**
 * vfio_virqfd_exit - destroy the teardown workqueue
 *
 * Context: module exit; drivers using virqfds are gone.
 */
void vfio_virqfd_exit(void)
{
	destroy_workqueue(vfio_virqfd_wq);
}
