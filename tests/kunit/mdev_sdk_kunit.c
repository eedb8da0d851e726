// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk KUnit helpers, see mdev_sdk_kunit.h.
 *
 * KUnit runs before the test kernel mounts anything, so the helpers keep a
 * private kernel mount of sysfs and of devtmpfs, made on first use and kept
 * until the test kernel shuts down.
 */
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "mdev_sdk_kunit.h"
#include "../../vfio/vfio_core.h"
#include "../../vfio/mdev/mdev_private.h"

/* Guards the lazily made mounts and class below. */
static DEFINE_MUTEX(mdev_sdk_kunit_lock);
static struct vfsmount *mdev_sdk_kunit_sysfs_mnt;
static struct vfsmount *mdev_sdk_kunit_dev_mnt;
static struct class *mdev_sdk_kunit_class;
static DEFINE_IDA(mdev_sdk_kunit_ida);

static struct vfsmount *mdev_sdk_kunit_mount(struct vfsmount **mnt,
					     const char *fs_name)
{
	struct file_system_type *type;
	struct vfsmount *m;

	mutex_lock(&mdev_sdk_kunit_lock);
	m = *mnt;
	if (!m) {
		type = get_fs_type(fs_name);
		if (!type) {
			m = ERR_PTR(-ENODEV);
			goto out_unlock;
		}
		m = kern_mount(type);
		put_filesystem(type);
		if (!IS_ERR(m))
			*mnt = m;
	}
out_unlock:
	mutex_unlock(&mdev_sdk_kunit_lock);
	return m;
}

static struct file *mdev_sdk_kunit_open(struct vfsmount **mnt,
					const char *fs_name, const char *path,
					int flags)
{
	struct vfsmount *m = mdev_sdk_kunit_mount(mnt, fs_name);

	if (IS_ERR(m))
		return ERR_CAST(m);
	return file_open_root_mnt(m, path, flags, 0);
}

/**
 * mdev_sdk_kunit_sysfs_open - open a sysfs file
 * @path: path below /sys, without the leading slash
 * @flags: open flags, e.g. O_WRONLY
 *
 * Context: process context, may sleep.
 * Return: the file, or an ERR_PTR() (-ENOENT if it does not exist).
 */
struct file *mdev_sdk_kunit_sysfs_open(const char *path, int flags)
{
	return mdev_sdk_kunit_open(&mdev_sdk_kunit_sysfs_mnt, "sysfs", path,
				   flags);
}

/**
 * mdev_sdk_kunit_dev_open - open a device node
 * @path: path below /dev, without the leading slash, e.g. "vfio/vfio"
 * @flags: open flags, e.g. O_RDWR
 *
 * Context: process context, may sleep.
 * Return: the file, or an ERR_PTR().
 */
struct file *mdev_sdk_kunit_dev_open(const char *path, int flags)
{
	return mdev_sdk_kunit_open(&mdev_sdk_kunit_dev_mnt, "devtmpfs", path,
				   flags);
}

/**
 * mdev_sdk_kunit_write_str - write a string to an open file, as echo -n
 * @file: a file opened for writing
 * @str: the string
 *
 * Context: process context, may sleep.
 * Return: bytes written, or the negative errno of the write.
 */
ssize_t mdev_sdk_kunit_write_str(struct file *file, const char *str)
{
	loff_t pos = 0;

	return kernel_write(file, str, strlen(str), &pos);
}

/**
 * mdev_sdk_kunit_close - close a file at once
 * @file: a file from one of the open helpers
 *
 * A kernel thread's fput() would leave the release to a workqueue; this
 * runs it before returning.
 *
 * Context: a kernel thread (KUnit runs every case in one), may sleep.
 */
void mdev_sdk_kunit_close(struct file *file)
{
	__fput_sync(file);
}

/**
 * mdev_sdk_kunit_sysfs_write - open, write and close a sysfs file
 * @path: path below /sys, without the leading slash
 * @str: what to write
 *
 * Context: a kernel thread, may sleep.
 * Return: 0 if all of @str was written; the errno of the open (-ENOENT for
 * a missing file) or of the write otherwise.
 */
int mdev_sdk_kunit_sysfs_write(const char *path, const char *str)
{
	struct file *file;
	ssize_t ret;

	file = mdev_sdk_kunit_sysfs_open(path, O_WRONLY);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = mdev_sdk_kunit_write_str(file, str);
	mdev_sdk_kunit_close(file);
	if (ret < 0)
		return ret;
	return ret == strlen(str) ? 0 : -EIO;
}

/**
 * mdev_sdk_kunit_sysfs_exists - whether a sysfs path exists
 * @path: path below /sys, without the leading slash
 *
 * Context: a kernel thread, may sleep.
 * Return: true if @path can be opened.
 */
bool mdev_sdk_kunit_sysfs_exists(const char *path)
{
	struct file *file = mdev_sdk_kunit_sysfs_open(path, O_PATH);

	if (IS_ERR(file))
		return false;
	mdev_sdk_kunit_close(file);
	return true;
}

/**
 * struct mdev_sdk_kunit_race - threads started together by a start line
 * @fn: body of every thread
 * @data: first argument of @fn
 * @results: what each @fn returned, by index
 * @abort: set if not every thread could be started; @fn is then skipped
 * @unready: threads not yet at the start line
 * @left: threads not yet finished
 * @ready: completed when @unready reaches zero
 * @go: completed (for all) to start the threads
 * @finished: completed when @left reaches zero
 */
struct mdev_sdk_kunit_race {
	mdev_sdk_kunit_thread_fn fn;
	void *data;
	int *results;
	bool abort;
	atomic_t unready;
	atomic_t left;
	struct completion ready;
	struct completion go;
	struct completion finished;
};

/**
 * struct mdev_sdk_kunit_racer - one thread of a race
 * @race: the race
 * @idx: the thread's index
 */
struct mdev_sdk_kunit_racer {
	struct mdev_sdk_kunit_race *race;
	unsigned int idx;
};

static int mdev_sdk_kunit_racer_thread(void *arg)
{
	struct mdev_sdk_kunit_racer *racer = arg;
	struct mdev_sdk_kunit_race *race = racer->race;
	int ret = -ECANCELED;

	if (atomic_dec_and_test(&race->unready))
		complete(&race->ready);
	wait_for_completion(&race->go);

	if (!READ_ONCE(race->abort))
		ret = race->fn(race->data, racer->idx);
	race->results[racer->idx] = ret;

	/* Last touch of @race: the caller frees it once all are done. */
	if (atomic_dec_and_test(&race->left))
		complete(&race->finished);
	return 0;
}

/**
 * mdev_sdk_kunit_run_parallel - run threads that start at the same moment
 * @test: the test, which fails if a thread hangs
 * @n: number of threads
 * @fn: body of each thread, called with @data and the thread's index
 * @data: first argument of @fn
 * @results: @n entries receiving what @fn returned in each thread
 *
 * Every thread is created and waits at a start line, then all are let go
 * at once. Returns only once every thread has finished; after
 * %MDEV_SDK_KUNIT_WAIT the test is failed and the wait goes on (the KUnit
 * case timeout then ends it).
 *
 * Context: process context, may sleep.
 * Return: 0, or the errno of a failed kthread_run(), in which case no @fn
 * ran and @results holds -ECANCELED.
 */
int mdev_sdk_kunit_run_parallel(struct kunit *test, unsigned int n,
				mdev_sdk_kunit_thread_fn fn, void *data,
				int *results)
{
	struct mdev_sdk_kunit_racer *racers;
	struct mdev_sdk_kunit_race *race;
	struct task_struct *task;
	unsigned int i;
	int ret = 0;

	race = kzalloc(sizeof(*race), GFP_KERNEL);
	racers = kcalloc(n, sizeof(*racers), GFP_KERNEL);
	if (!race || !racers) {
		ret = -ENOMEM;
		goto out_free;
	}
	race->fn = fn;
	race->data = data;
	race->results = results;
	atomic_set(&race->unready, n);
	atomic_set(&race->left, n);
	init_completion(&race->ready);
	init_completion(&race->go);
	init_completion(&race->finished);

	for (i = 0; i < n; i++) {
		racers[i].race = race;
		racers[i].idx = i;
		task = kthread_run(mdev_sdk_kunit_racer_thread, &racers[i],
				   "mdev_sdk_race/%u", i);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
	}
	if (ret) {
		/* Account for the threads that never started. */
		WRITE_ONCE(race->abort, true);
		for (; i < n; i++) {
			results[i] = -ECANCELED;
			if (atomic_dec_and_test(&race->unready))
				complete(&race->ready);
			if (atomic_dec_and_test(&race->left))
				complete(&race->finished);
		}
	}

	wait_for_completion(&race->ready);
	complete_all(&race->go);
	if (!wait_for_completion_timeout(&race->finished, MDEV_SDK_KUNIT_WAIT)) {
		KUNIT_FAIL(test, "racing threads still running after %d s",
			   MDEV_SDK_KUNIT_WAIT / HZ);
		wait_for_completion(&race->finished);
	}

out_free:
	kfree(racers);
	kfree(race);
	return ret;
}

/**
 * mdev_sdk_kunit_device_create - a fresh device to hang things off
 *
 * The device sits in class "mdev_sdk_kunit", whose name is what
 * dev_driver_string() gives for it, as a class device of a real parent
 * driver would (mtty's, say).
 *
 * Context: process context, may sleep.
 * Return: the device, or an ERR_PTR().
 */
struct device *mdev_sdk_kunit_device_create(void)
{
	struct device *dev;
	int id;

	mutex_lock(&mdev_sdk_kunit_lock);
	if (!mdev_sdk_kunit_class) {
		struct class *class = class_create(THIS_MODULE,
						   "mdev_sdk_kunit");

		if (IS_ERR(class)) {
			mutex_unlock(&mdev_sdk_kunit_lock);
			return ERR_CAST(class);
		}
		mdev_sdk_kunit_class = class;
	}
	mutex_unlock(&mdev_sdk_kunit_lock);

	id = ida_alloc(&mdev_sdk_kunit_ida, GFP_KERNEL);
	if (id < 0)
		return ERR_PTR(id);
	dev = device_create(mdev_sdk_kunit_class, NULL, MKDEV(0, 0),
			    (void *)(long)id, "mdev_sdk_kunit%d", id);
	if (IS_ERR(dev))
		ida_free(&mdev_sdk_kunit_ida, id);
	return dev;
}

/**
 * mdev_sdk_kunit_device_destroy - undo mdev_sdk_kunit_device_create()
 * @dev: the device
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_kunit_device_destroy(struct device *dev)
{
	int id = (long)dev_get_drvdata(dev);

	device_unregister(dev);
	ida_free(&mdev_sdk_kunit_ida, id);
}

/**
 * mdev_sdk_kunit_parent_register - register a parent with one type
 * @test: the test; its name becomes the type's pretty name
 * @p: the parent; @p->dev is created here unless already set
 * @drv: a registered mdev driver
 *
 * @p may be registered again after mdev_unregister_parent().
 *
 * Context: process context, may sleep.
 * Return: 0, or the errno of the device creation or of
 * mdev_register_parent().
 */
int mdev_sdk_kunit_parent_register(struct kunit *test,
				   struct mdev_sdk_kunit_parent *p,
				   struct mdev_driver *drv)
{
	char *dev_path;
	int ret;

	if (!p->dev) {
		p->dev = mdev_sdk_kunit_device_create();
		if (IS_ERR(p->dev)) {
			ret = PTR_ERR(p->dev);
			p->dev = NULL;
			return ret;
		}
	}

	p->mtype.sysfs_name = "kunit";
	p->mtype.pretty_name = test->name;
	p->mtypes[0] = &p->mtype;
	ret = mdev_register_parent(&p->mparent, p->dev, drv, p->mtypes, 1);
	if (ret)
		return ret;

	if (!p->create_path[0]) {
		dev_path = kobject_get_path(&p->dev->kobj, GFP_KERNEL);
		if (!dev_path) {
			mdev_unregister_parent(&p->mparent);
			return -ENOMEM;
		}
		snprintf(p->create_path, sizeof(p->create_path),
			 "%s/mdev_supported_types/%s-%s/create", dev_path + 1,
			 dev_driver_string(p->dev), p->mtype.sysfs_name);
		kfree(dev_path);
	}
	p->registered = true;
	return 0;
}

/**
 * mdev_sdk_kunit_parent_unregister - unregister a parent if it is
 * @p: a parent, registered or not
 *
 * Returns once the core has removed every device of @p. @p may be
 * registered again afterwards.
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_kunit_parent_unregister(struct mdev_sdk_kunit_parent *p)
{
	if (p->registered)
		mdev_unregister_parent(&p->mparent);
	p->registered = false;
}

/**
 * mdev_sdk_kunit_parent_destroy - unregister a parent and destroy its device
 * @p: a parent, registered or not, with or without a device
 *
 * What a test's exit does, and what a driver's module exit would: after
 * it, @p may be freed.
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_kunit_parent_destroy(struct mdev_sdk_kunit_parent *p)
{
	mdev_sdk_kunit_parent_unregister(p);
	if (p->dev)
		mdev_sdk_kunit_device_destroy(p->dev);
	p->dev = NULL;
}

/**
 * mdev_sdk_kunit_create_file - open a parent's "create" file
 * @p: a registered parent
 *
 * Racing threads each need a file of their own: kernfs serialises the
 * writers of one open file.
 *
 * Context: a kernel thread, may sleep.
 * Return: the file, or an ERR_PTR().
 */
struct file *mdev_sdk_kunit_create_file(struct mdev_sdk_kunit_parent *p)
{
	return mdev_sdk_kunit_sysfs_open(p->create_path, O_WRONLY);
}

/**
 * mdev_sdk_kunit_remove_file - open a device's "remove" file
 * @uuid: the device's UUID
 *
 * Context: a kernel thread, may sleep.
 * Return: the file, or an ERR_PTR() (-ENOENT if there is no such device).
 */
struct file *mdev_sdk_kunit_remove_file(const guid_t *uuid)
{
	char path[64];

	snprintf(path, sizeof(path), "bus/mdev/devices/%pUl/remove", uuid);
	return mdev_sdk_kunit_sysfs_open(path, O_WRONLY);
}

static int mdev_sdk_kunit_write_result(struct file *file, const char *str)
{
	ssize_t ret = mdev_sdk_kunit_write_str(file, str);

	if (ret < 0)
		return ret;
	return ret == strlen(str) ? 0 : -EIO;
}

/**
 * mdev_sdk_kunit_create_with - create a device through an open "create"
 * @create: from mdev_sdk_kunit_create_file()
 * @uuid: the new device's UUID
 *
 * Writes the UUID with a trailing newline, as "echo UUID > create" does.
 *
 * Context: a kernel thread, may sleep.
 * Return: 0, or the errno the write returned.
 */
int mdev_sdk_kunit_create_with(struct file *create, const guid_t *uuid)
{
	char buf[UUID_STRING_LEN + 2];

	snprintf(buf, sizeof(buf), "%pUl\n", uuid);
	return mdev_sdk_kunit_write_result(create, buf);
}

/**
 * mdev_sdk_kunit_create - create a device through its type's sysfs file
 * @p: a registered parent
 * @uuid: the new device's UUID
 *
 * Context: a kernel thread, may sleep.
 * Return: 0, or the errno of the open or of the write.
 */
int mdev_sdk_kunit_create(struct mdev_sdk_kunit_parent *p, const guid_t *uuid)
{
	struct file *file = mdev_sdk_kunit_create_file(p);
	int ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = mdev_sdk_kunit_create_with(file, uuid);
	mdev_sdk_kunit_close(file);
	return ret;
}

/**
 * mdev_sdk_kunit_remove_with - write "1" to an open "remove" file
 * @remove: from mdev_sdk_kunit_remove_file()
 *
 * Context: a kernel thread, may sleep.
 * Return: 0, or the errno the write returned.
 */
int mdev_sdk_kunit_remove_with(struct file *remove)
{
	return mdev_sdk_kunit_write_result(remove, "1\n");
}

/**
 * mdev_sdk_kunit_remove - remove a device through its sysfs file
 * @uuid: the device's UUID
 *
 * Context: a kernel thread, may sleep.
 * Return: 0, -ENOENT if there is no such device, or the errno of the write.
 */
int mdev_sdk_kunit_remove(const guid_t *uuid)
{
	struct file *file = mdev_sdk_kunit_remove_file(uuid);
	int ret;

	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = mdev_sdk_kunit_remove_with(file);
	mdev_sdk_kunit_close(file);
	return ret;
}

/**
 * mdev_sdk_kunit_uuid - a UUID that names a test and an index
 * @uuid: receives the UUID
 * @tag: distinguishes tests, so that their devices never collide
 * @n: index within the test
 *
 * Context: any.
 */
void mdev_sdk_kunit_uuid(guid_t *uuid, u32 tag, u32 n)
{
	*uuid = GUID_INIT(0x6d646576, tag >> 16, tag & 0xffff, 0x80, 0,
			  0, 0, n >> 24, n >> 16, n >> 8, n);
}

/**
 * mdev_sdk_kunit_find - look a mediated device up by UUID on the mdev bus
 * @uuid: the UUID
 *
 * Context: process context, may sleep.
 * Return: the device with a reference the caller drops with put_device(),
 * or NULL.
 */
struct mdev_device *mdev_sdk_kunit_find(const guid_t *uuid)
{
	struct device *dev;
	char name[UUID_STRING_LEN + 1];

	snprintf(name, sizeof(name), "%pUl", uuid);
	dev = bus_find_device_by_name(&mdev_bus_type, NULL, name);
	return dev ? to_mdev_device(dev) : NULL;
}

static int mdev_sdk_kunit_count_child(struct device *dev, void *data)
{
	struct device **parent = data;

	if (dev->parent == parent[0])
		parent[1] = (void *)((long)parent[1] + 1);
	return 0;
}

/**
 * mdev_sdk_kunit_children - devices on the mdev bus under a parent
 * @parent: the parent device
 *
 * Context: process context, may sleep.
 * Return: how many devices of the mdev bus have @parent as their parent.
 */
unsigned int mdev_sdk_kunit_children(struct device *parent)
{
	struct device *count[2] = { parent, NULL };

	bus_for_each_dev(&mdev_bus_type, NULL, count,
			 mdev_sdk_kunit_count_child);
	return (long)count[1];
}

/**
 * mdev_sdk_kunit_listed - devices on a parent's list in the mdev core
 * @parent: the parent
 *
 * Context: no creation, removal or unregistration of @parent in flight
 * (the core's list lock is private).
 * Return: the length of @parent's device list.
 */
unsigned int mdev_sdk_kunit_listed(struct mdev_parent *parent)
{
	struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &parent->mdevs)
		n++;
	return n;
}

/*
 * A kernel thread's fput() leaves the release to a workqueue, and so do
 * the nested ones a release makes (a device fd drops its group file). Run
 * what is queued and wait for what the workqueue may have started, once
 * per level of nesting: as a process's close() does before returning.
 */
static void mdev_sdk_kunit_user_flush_fput(void)
{
	unsigned int level;

	for (level = 0; level < 3; level++) {
		flush_delayed_fput();
		__flush_workqueue(system_wq);
	}
}

static int mdev_sdk_kunit_user_thread(void *arg)
{
	struct mdev_sdk_kunit_user *user = arg;
	const struct cred *saved = NULL;
	struct cred *cred = NULL;
	struct mm_struct *mm;
	int ret;

	/* A file table of its own, not the one every kernel thread shares. */
	ret = unshare_files();
	if (ret)
		goto out;

	if (user->memlock_pages) {
		struct rlimit *rlim = &current->signal->rlim[RLIMIT_MEMLOCK];

		cred = prepare_creds();
		if (!cred) {
			ret = -ENOMEM;
			goto out_files;
		}
		cap_lower(cred->cap_effective, CAP_IPC_LOCK);
		saved = override_creds(cred);
		task_lock(current->group_leader);
		rlim->rlim_cur = user->memlock_pages << PAGE_SHIFT;
		rlim->rlim_max = rlim->rlim_cur;
		task_unlock(current->group_leader);
	}

	mm = mm_alloc();
	if (!mm) {
		ret = -ENOMEM;
		goto out_creds;
	}
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	kthread_use_mm(mm);
	user->mm = mm;

	user->scratch = mdev_sdk_kunit_user_mmap(PAGE_SIZE);
	if (IS_ERR_VALUE(user->scratch))
		ret = (long)user->scratch;
	else
		ret = user->fn(user, user->data);

	/* Exit as a process does: the address space goes before the files. */
	user->mm = NULL;
	kthread_unuse_mm(mm);
	mmput(mm);
out_creds:
	if (saved)
		revert_creds(saved);
	if (cred)
		put_cred(cred);
out_files:
	exit_files(current);
	mdev_sdk_kunit_user_flush_fput();
out:
	user->ret = ret;
	/* Last touch of @user. */
	complete(&user->done);
	return 0;
}

/**
 * mdev_sdk_kunit_user_start - start a thread playing a user process
 * @user: with @test, @fn, @data and @memlock_pages set; the rest is
 *	initialised here
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_kunit_user_start(struct mdev_sdk_kunit_user *user)
{
	struct task_struct *task;

	init_completion(&user->done);
	user->mm = NULL;
	task = kthread_run(mdev_sdk_kunit_user_thread, user, "mdev_sdk_user");
	if (IS_ERR(task)) {
		user->ret = PTR_ERR(task);
		complete(&user->done);
	}
}

/**
 * mdev_sdk_kunit_user_wait - wait for a user thread to exit
 * @user: a started user thread
 *
 * Fails the test if the thread takes longer than %MDEV_SDK_KUNIT_WAIT, but
 * goes on waiting: the thread still uses @user.
 *
 * Context: process context, may sleep.
 * Return: what the thread's function returned.
 */
int mdev_sdk_kunit_user_wait(struct mdev_sdk_kunit_user *user)
{
	if (!wait_for_completion_timeout(&user->done, MDEV_SDK_KUNIT_WAIT)) {
		KUNIT_FAIL(user->test, "user thread still running after %d s",
			   MDEV_SDK_KUNIT_WAIT / HZ);
		wait_for_completion(&user->done);
	}
	return user->ret;
}

/**
 * mdev_sdk_kunit_user_run - play a user process from its start to its exit
 * @test: the test, for KUNIT_EXPECT_*() in @fn
 * @fn: what the process does
 * @data: second argument of @fn
 * @memlock_pages: as @memlock_pages of &struct mdev_sdk_kunit_user
 *
 * Context: process context, may sleep.
 * Return: what @fn returned, or the errno of the process setup.
 */
int mdev_sdk_kunit_user_run(struct kunit *test,
			    int (*fn)(struct mdev_sdk_kunit_user *user,
				      void *data),
			    void *data, unsigned long memlock_pages)
{
	struct mdev_sdk_kunit_user user = {
		.test = test,
		.fn = fn,
		.data = data,
		.memlock_pages = memlock_pages,
	};

	mdev_sdk_kunit_user_start(&user);
	return mdev_sdk_kunit_user_wait(&user);
}

/**
 * mdev_sdk_kunit_user_open - open(2) a device node in the user thread
 * @dev_path: path below /dev, e.g. "vfio/vfio"
 *
 * Context: the user thread.
 * Return: the new fd, or a negative errno.
 */
int mdev_sdk_kunit_user_open(const char *dev_path)
{
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = mdev_sdk_kunit_dev_open(dev_path, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}

/**
 * mdev_sdk_kunit_user_ioctl - ioctl(2) with a plain argument
 * @fd: an fd of the user thread
 * @cmd: the command
 * @arg: the argument, a value or a user address
 *
 * Context: the user thread.
 * Return: what the ioctl returned, or -EBADF.
 */
long mdev_sdk_kunit_user_ioctl(int fd, unsigned int cmd, unsigned long arg)
{
	struct fd f = fdget(fd);
	long ret;

	if (!f.file)
		return -EBADF;
	ret = vfs_ioctl(f.file, cmd, arg);
	fdput(f);
	return ret;
}

/**
 * mdev_sdk_kunit_user_ioctl_buf - ioctl(2) with an argument in user memory
 * @user: the user thread's state
 * @fd: an fd of the user thread
 * @cmd: the command
 * @buf: the argument, copied to the scratch page and back afterwards
 * @size: bytes of @buf, at most PAGE_SIZE
 *
 * Context: the user thread.
 * Return: what the ioctl returned, -EFAULT or -EBADF.
 */
long mdev_sdk_kunit_user_ioctl_buf(struct mdev_sdk_kunit_user *user, int fd,
				   unsigned int cmd, void *buf, size_t size)
{
	void __user *ubuf = (void __user *)user->scratch;
	long ret;

	if (size > PAGE_SIZE || copy_to_user(ubuf, buf, size))
		return -EFAULT;
	ret = mdev_sdk_kunit_user_ioctl(fd, cmd, user->scratch);
	if (copy_from_user(buf, ubuf, size))
		return -EFAULT;
	return ret;
}

/**
 * mdev_sdk_kunit_user_close - close(2) an fd and run the releases at once
 * @fd: an fd of the user thread
 *
 * Context: the user thread.
 */
void mdev_sdk_kunit_user_close(int fd)
{
	struct file *file = close_fd_get_file(fd);

	if (!file)
		return;
	__fput_sync(file);
	mdev_sdk_kunit_user_flush_fput();
}

/**
 * mdev_sdk_kunit_user_mmap - map anonymous read-write memory
 * @size: bytes, a multiple of PAGE_SIZE
 *
 * Context: the user thread.
 * Return: the user address, or a negative errno cast to unsigned long
 * (test with IS_ERR_VALUE()).
 */
unsigned long mdev_sdk_kunit_user_mmap(size_t size)
{
	return vm_mmap(NULL, 0, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
}

/**
 * mdev_sdk_kunit_user_get_device - VFIO_GROUP_GET_DEVICE_FD for a device
 * @user: the user thread's state
 * @vdev: a registered device
 * @group_fd: fd of @vdev's group, in a container with a backend
 *
 * Context: the user thread.
 * Return: the device fd, or the ioctl's negative errno.
 */
int mdev_sdk_kunit_user_get_device(struct mdev_sdk_kunit_user *user,
				   struct vfio_device *vdev, int group_fd)
{
	char name[64];

	strscpy(name, dev_name(vdev->dev), sizeof(name));
	return mdev_sdk_kunit_user_ioctl_buf(user, group_fd,
					     VFIO_GROUP_GET_DEVICE_FD, name,
					     strlen(name) + 1);
}

/**
 * mdev_sdk_kunit_user_vfio_open_group - what QEMU does before the device fd
 * @user: the user thread's state
 * @vdev: a registered emulated-IOMMU device
 * @iommu: VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU
 * @fds: receives the fds; those not opened are -1, @fds->device always
 *
 * Opens /dev/vfio/vfio and the device's group, checks the group is viable,
 * puts it in the container and sets the IOMMU type.
 *
 * Context: the user thread.
 * Return: 0, or the negative errno of the step that failed (-EINVAL for a
 * group that is not viable).
 */
int mdev_sdk_kunit_user_vfio_open_group(struct mdev_sdk_kunit_user *user,
					struct vfio_device *vdev,
					unsigned long iommu,
					struct mdev_sdk_kunit_vfio_fds *fds)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[32];
	long ret;

	fds->container = -1;
	fds->group = -1;
	fds->device = -1;

	ret = mdev_sdk_kunit_user_open("vfio/vfio");
	if (ret < 0)
		return ret;
	fds->container = ret;

	snprintf(path, sizeof(path), "vfio/%s", dev_name(&vdev->group->dev));
	ret = mdev_sdk_kunit_user_open(path);
	if (ret < 0)
		return ret;
	fds->group = ret;

	ret = mdev_sdk_kunit_user_ioctl_buf(user, fds->group,
					    VFIO_GROUP_GET_STATUS, &status,
					    sizeof(status));
	if (ret)
		return ret;
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EINVAL;

	ret = mdev_sdk_kunit_user_ioctl_buf(user, fds->group,
					    VFIO_GROUP_SET_CONTAINER,
					    &fds->container,
					    sizeof(fds->container));
	if (ret)
		return ret;

	return mdev_sdk_kunit_user_ioctl(fds->container, VFIO_SET_IOMMU, iommu);
}

/**
 * mdev_sdk_kunit_user_vfio_open - what QEMU does to open a VFIO device
 * @user: the user thread's state
 * @vdev: a registered emulated-IOMMU device
 * @iommu: VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU
 * @fds: receives the fds; those not opened are -1
 *
 * mdev_sdk_kunit_user_vfio_open_group(), then VFIO_GROUP_GET_DEVICE_FD.
 *
 * Context: the user thread.
 * Return: 0, or the negative errno of the step that failed.
 */
int mdev_sdk_kunit_user_vfio_open(struct mdev_sdk_kunit_user *user,
				  struct vfio_device *vdev, unsigned long iommu,
				  struct mdev_sdk_kunit_vfio_fds *fds)
{
	int ret;

	ret = mdev_sdk_kunit_user_vfio_open_group(user, vdev, iommu, fds);
	if (ret)
		return ret;
	ret = mdev_sdk_kunit_user_get_device(user, vdev, fds->group);
	if (ret < 0)
		return ret;
	fds->device = ret;
	return 0;
}

/**
 * mdev_sdk_kunit_user_vfio_expect_open - a user_vfio_open() that must work
 * @user: the user thread's state, whose test fails if the open does
 * @vdev: a registered emulated-IOMMU device
 * @iommu: VFIO_TYPE1v2_IOMMU or VFIO_TYPE1_IOMMU
 * @fds: receives the fds; those not opened are -1
 *
 * For the tests whose subject comes after the open: they give up on a
 * failed one, which the failed expectation reports.
 *
 * Context: the user thread.
 * Return: as mdev_sdk_kunit_user_vfio_open().
 */
int mdev_sdk_kunit_user_vfio_expect_open(struct mdev_sdk_kunit_user *user,
					 struct vfio_device *vdev,
					 unsigned long iommu,
					 struct mdev_sdk_kunit_vfio_fds *fds)
{
	int ret = mdev_sdk_kunit_user_vfio_open(user, vdev, iommu, fds);

	KUNIT_EXPECT_EQ(user->test, ret, 0);
	return ret;
}

/**
 * mdev_sdk_kunit_user_vfio_close - close what user_vfio_open() opened
 * @fds: the fds; each is closed if open and set to -1
 *
 * Closes in QEMU's order: device, group, container.
 *
 * Context: the user thread.
 */
void mdev_sdk_kunit_user_vfio_close(struct mdev_sdk_kunit_vfio_fds *fds)
{
	int *fd[] = { &fds->device, &fds->group, &fds->container };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fd); i++) {
		if (*fd[i] >= 0)
			mdev_sdk_kunit_user_close(*fd[i]);
		*fd[i] = -1;
	}
}

/**
 * struct mdev_sdk_kunit_vdev - the VFIO side of a test mdev
 * @vdev: registered with vfio_register_emulated_iommu_dev()
 * @alive: the test's count of devices not yet released
 * @requested: completed on each call of the request callback
 */
struct mdev_sdk_kunit_vdev {
	struct vfio_device vdev;
	atomic_t *alive;
	struct completion requested;
};

static void mdev_sdk_kunit_vdev_release(struct vfio_device *vdev)
{
	struct mdev_sdk_kunit_vdev *kvdev =
		container_of(vdev, struct mdev_sdk_kunit_vdev, vdev);

	atomic_dec(kvdev->alive);
}

static void mdev_sdk_kunit_vdev_request(struct vfio_device *vdev,
					unsigned int count)
{
	struct mdev_sdk_kunit_vdev *kvdev =
		container_of(vdev, struct mdev_sdk_kunit_vdev, vdev);

	complete(&kvdev->requested);
}

static const struct vfio_device_ops mdev_sdk_kunit_vdev_ops = {
	.name		= "mdev_sdk_kunit",
	.release	= mdev_sdk_kunit_vdev_release,
	.request	= mdev_sdk_kunit_vdev_request,
};

/**
 * mdev_sdk_kunit_vdev_add - expose a test mdev through VFIO, as mtty does
 * @mdev: the device being probed
 * @alive: incremented now, decremented when the vfio_device is released
 *
 * Context: the probe of @mdev's driver.
 * Return: 0, or the errno of the allocation or registration.
 */
int mdev_sdk_kunit_vdev_add(struct mdev_device *mdev, atomic_t *alive)
{
	struct mdev_sdk_kunit_vdev *kvdev;
	int ret;

	kvdev = vfio_alloc_device(mdev_sdk_kunit_vdev, vdev, &mdev->dev,
				  &mdev_sdk_kunit_vdev_ops);
	if (IS_ERR(kvdev))
		return PTR_ERR(kvdev);
	kvdev->alive = alive;
	atomic_inc(alive);
	init_completion(&kvdev->requested);

	ret = vfio_register_emulated_iommu_dev(&kvdev->vdev);
	if (ret) {
		vfio_put_device(&kvdev->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, kvdev);
	return 0;
}

/**
 * mdev_sdk_kunit_vdev_del - undo mdev_sdk_kunit_vdev_add()
 * @mdev: the device being removed
 *
 * Context: the remove of @mdev's driver; waits for the device's fds.
 */
void mdev_sdk_kunit_vdev_del(struct mdev_device *mdev)
{
	struct mdev_sdk_kunit_vdev *kvdev = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&kvdev->vdev);
	vfio_put_device(&kvdev->vdev);
}

/**
 * mdev_sdk_kunit_vdev_of - the vfio_device mdev_sdk_kunit_vdev_add() made
 * @mdev: a probed device
 *
 * Context: any; valid until @mdev's driver removes it.
 * Return: the registered vfio_device.
 */
struct vfio_device *mdev_sdk_kunit_vdev_of(struct mdev_device *mdev)
{
	struct mdev_sdk_kunit_vdev *kvdev = dev_get_drvdata(&mdev->dev);

	return &kvdev->vdev;
}

/**
 * mdev_sdk_kunit_vdev_requested - what the request callback completes
 * @mdev: a probed device
 *
 * Context: any; valid until @mdev's driver removes it.
 * Return: a completion, completed once per request to release the device.
 */
struct completion *mdev_sdk_kunit_vdev_requested(struct mdev_device *mdev)
{
	struct mdev_sdk_kunit_vdev *kvdev = dev_get_drvdata(&mdev->dev);

	return &kvdev->requested;
}

/**
 * mdev_sdk_kunit_count_probe - the probe common to the suites' drivers
 * @cnt: the suite's counts
 * @mdev: the device being probed
 *
 * Exposes @mdev through VFIO if @cnt->vfio says so, and counts the probe
 * if it succeeded.
 *
 * Context: the probe of @mdev's driver.
 * Return: 0, or the errno of mdev_sdk_kunit_vdev_add().
 */
int mdev_sdk_kunit_count_probe(struct mdev_sdk_kunit_count *cnt,
			       struct mdev_device *mdev)
{
	int ret;

	if (cnt->vfio) {
		ret = mdev_sdk_kunit_vdev_add(mdev, &cnt->vdevs);
		if (ret)
			return ret;
	}
	atomic_inc(&cnt->probed);
	return 0;
}

/**
 * mdev_sdk_kunit_count_remove - undo mdev_sdk_kunit_count_probe()
 * @cnt: the suite's counts
 * @mdev: the device being removed
 *
 * Context: the remove of @mdev's driver; waits for the device's fds.
 */
void mdev_sdk_kunit_count_remove(struct mdev_sdk_kunit_count *cnt,
				 struct mdev_device *mdev)
{
	if (cnt->vfio)
		mdev_sdk_kunit_vdev_del(mdev);
	atomic_inc(&cnt->removed);
}

/**
 * struct mdev_sdk_kunit_priv_vdev - a vfio_device and the test it reports to
 * @vdev: the VFIO device
 * @priv: what mdev_sdk_kunit_vfio_priv() gives the test's callbacks
 */
struct mdev_sdk_kunit_priv_vdev {
	struct vfio_device vdev;
	void *priv;
};

/**
 * mdev_sdk_kunit_vfio_alloc - a vfio_device with the test's callbacks
 * @dev: the device it stands on
 * @ops: the test's callbacks
 * @priv: for @ops, through mdev_sdk_kunit_vfio_priv()
 *
 * Context: process context, may sleep.
 * Return: the device, to register and to drop with vfio_put_device(), or
 * an ERR_PTR().
 */
struct vfio_device *mdev_sdk_kunit_vfio_alloc(struct device *dev,
					      const struct vfio_device_ops *ops,
					      void *priv)
{
	struct mdev_sdk_kunit_priv_vdev *vp;

	vp = vfio_alloc_device(mdev_sdk_kunit_priv_vdev, vdev, dev, ops);
	if (IS_ERR(vp))
		return ERR_CAST(vp);
	vp->priv = priv;
	return &vp->vdev;
}

/**
 * mdev_sdk_kunit_vfio_priv - the @priv a vfio_device was allocated with
 * @vdev: from mdev_sdk_kunit_vfio_alloc()
 *
 * Context: any.
 * Return: @priv of mdev_sdk_kunit_vfio_alloc().
 */
void *mdev_sdk_kunit_vfio_priv(struct vfio_device *vdev)
{
	return container_of(vdev, struct mdev_sdk_kunit_priv_vdev, vdev)->priv;
}

/**
 * mdev_sdk_kunit_vfio_dev_init - a registered vfio_device on a new device
 * @vd: zeroed; filled in as far as it got, for mdev_sdk_kunit_vfio_dev_exit()
 * @ops: the test's callbacks
 * @priv: for @ops, through mdev_sdk_kunit_vfio_priv()
 *
 * Context: process context, may sleep.
 * Return: 0, or the errno of the step that failed.
 */
int mdev_sdk_kunit_vfio_dev_init(struct mdev_sdk_kunit_vfio_dev *vd,
				 const struct vfio_device_ops *ops, void *priv)
{
	struct device *dev;
	struct vfio_device *vdev;
	int ret;

	dev = mdev_sdk_kunit_device_create();
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	vd->dev = dev;
	vdev = mdev_sdk_kunit_vfio_alloc(dev, ops, priv);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vd->vdev = vdev;
	ret = vfio_register_emulated_iommu_dev(vdev);
	vd->registered = !ret;
	return ret;
}

/**
 * mdev_sdk_kunit_vfio_dev_exit - undo mdev_sdk_kunit_vfio_dev_init()
 * @vd: from mdev_sdk_kunit_vfio_dev_init(), whether it succeeded or not
 *
 * Unregisters the vfio_device, drops it (its release callback runs here
 * unless someone else still holds it) and destroys the device under it.
 *
 * Context: process context, may sleep.
 */
void mdev_sdk_kunit_vfio_dev_exit(struct mdev_sdk_kunit_vfio_dev *vd)
{
	mdev_sdk_kunit_vfio_dev_unregister(vd);
	if (vd->vdev)
		vfio_put_device(vd->vdev);
	vd->vdev = NULL;
	if (vd->dev)
		mdev_sdk_kunit_device_destroy(vd->dev);
	vd->dev = NULL;
}

/**
 * mdev_sdk_kunit_vfio_dev_unregister - unregister the vfio_device if it is
 * @vd: from mdev_sdk_kunit_vfio_dev_init()
 *
 * Context: process context; waits for the device's fds, asking for them
 * through the request callback.
 */
void mdev_sdk_kunit_vfio_dev_unregister(struct mdev_sdk_kunit_vfio_dev *vd)
{
	if (vd->registered)
		vfio_unregister_group_dev(vd->vdev);
	vd->registered = false;
}
