// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifecycle stress for the mdev-sdk stack, run inside the test guest by
 * tests/vm/scenarios/stress.sh:
 *
 *   stress_lifecycle churn TYPE_DIR SECONDS
 *	one process creates and four remove devices of TYPE_DIR (a
 *	mdev_supported_types/<type> directory) for SECONDS, with UUIDs from a
 *	small fixed set so that the removers find them;
 *   stress_lifecycle storm TYPE_DIR SECONDS
 *	the same, until SIGTERM or SECONDS, while the parent module may be
 *	unloaded underneath: creates may then also fail with ENOENT/ENODEV;
 *   stress_lifecycle req COUNT
 *	COUNT times: a fixture device removed while a client holds it gets
 *	its REQ eventfd signalled, and the remove completes once it closes;
 *   stress_lifecycle killpin COUNT
 *	COUNT times: a client holding pins on a fixture device is killed with
 *	SIGKILL; its pins are dropped and locked_vm returns to its baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "common.h"

#define NR_UUIDS	8
#define NR_REMOVERS	4
#define PIN_PAGES	16
#define PIN_IOVA	(64ULL << 20)

/* Counters shared by the churn processes, in a MAP_SHARED mapping. */
struct churn_stats {
	int stop;
	long created;
	long removed;
	long create_err[4];	/* EEXIST, EUSERS, ENOENT/ENODEV, other */
	long remove_err[4];	/* ENODEV, ENOENT, EAGAIN, other */
	int create_other;	/* the first unexpected errno */
	int remove_other;
};

static struct churn_stats *stats;

static void churn_uuid(int i, char out[UUID_STR_LEN])
{
	snprintf(out, UUID_STR_LEN, "5ca1ab1e-0000-4000-8000-%012d", i);
}

static void churn_on_term(int sig)
{
	(void)sig;
	__atomic_store_n(&stats->stop, 1, __ATOMIC_RELAXED);
}

static void churn_creator(const char *type_dir, bool storm, __s64 end)
{
	char path[PATH_MAX], uuid[UUID_STR_LEN];
	int i = 0, ret;

	snprintf(path, sizeof(path), "%s/create", type_dir);
	while (!__atomic_load_n(&stats->stop, __ATOMIC_RELAXED) && now_ms() < end) {
		churn_uuid(i++ % NR_UUIDS, uuid);
		ret = sysfs_write(path, uuid);
		if (!ret) {
			__atomic_add_fetch(&stats->created, 1, __ATOMIC_RELAXED);
		} else if (ret == -EEXIST) {
			stats->create_err[0]++;
		} else if (ret == -EUSERS) {
			stats->create_err[1]++;
		} else if (storm && (ret == -ENOENT || ret == -ENODEV)) {
			stats->create_err[2]++;
			/* The parent is gone: do not spin on a missing path. */
			sleep_ms(10);
		} else {
			if (!stats->create_other)
				stats->create_other = -ret;
			stats->create_err[3]++;
		}
	}
}

static void churn_remover(int id, __s64 end)
{
	char path[PATH_MAX], uuid[UUID_STR_LEN];
	int i = id, ret;
	long *err = stats->remove_err;

	while (!__atomic_load_n(&stats->stop, __ATOMIC_RELAXED) && now_ms() < end) {
		churn_uuid(i++ % NR_UUIDS, uuid);
		snprintf(path, sizeof(path), "%s/%s/remove", MDEV_BUS_DEVICES,
			 uuid);
		ret = sysfs_write(path, "1");
		if (!ret) {
			__atomic_add_fetch(&stats->removed, 1, __ATOMIC_RELAXED);
		} else if (ret == -ENODEV) {
			__atomic_add_fetch(&err[0], 1, __ATOMIC_RELAXED);
		} else if (ret == -ENOENT) {
			__atomic_add_fetch(&err[1], 1, __ATOMIC_RELAXED);
			/* Nothing to remove yet: let the creator run. */
			sched_yield();
		} else if (ret == -EAGAIN) {
			__atomic_add_fetch(&err[2], 1, __ATOMIC_RELAXED);
		} else {
			if (!stats->remove_other)
				stats->remove_other = -ret;
			__atomic_add_fetch(&err[3], 1, __ATOMIC_RELAXED);
		}
	}
}

/* Remove whatever the churn left behind; the number that remained. */
static int churn_cleanup(void)
{
	char uuid[UUID_STR_LEN];
	int i, left = 0;

	for (i = 0; i < NR_UUIDS; i++) {
		churn_uuid(i, uuid);
		if (!mdev_exists(uuid))
			continue;
		left++;
		mdev_remove(uuid);
	}
	return left;
}

static int cmd_churn(const char *type_dir, int seconds, bool storm)
{
	const char *name = storm ? "stress.storm" : "stress.churn";
	pid_t pids[1 + NR_REMOVERS];
	struct sigaction sa = { .sa_handler = churn_on_term };
	__s64 start = now_ms(), end = start + seconds * 1000LL;
	int i, left, bad = 0;
	char msg[64];

	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED) {
		t_fail(name, "mmap: %s", strerrorname_np(errno));
		return 1;
	}
	memset(stats, 0, sizeof(*stats));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	fflush(stdout);
	for (i = 0; i < 1 + NR_REMOVERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			if (i == 0)
				churn_creator(type_dir, storm, end);
			else
				churn_remover(i, end);
			_exit(0);
		}
		if (pids[i] < 0) {
			churn_on_term(0);
			bad = 1;
			break;
		}
	}
	while (i-- > 0) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
	}
	left = storm ? 0 : churn_cleanup();

	printf("INFO %s: %.1f s, creates ok %ld (EEXIST %ld, EUSERS %ld, ",
	       name, (now_ms() - start) / 1000.0, stats->created,
	       stats->create_err[0], stats->create_err[1]);
	printf("ENOENT/ENODEV %ld, other %ld); ", stats->create_err[2],
	       stats->create_err[3]);
	printf("removes ok %ld (ENODEV %ld, ENOENT %ld, EAGAIN %ld, other %ld)\n",
	       stats->removed, stats->remove_err[0], stats->remove_err[1],
	       stats->remove_err[2], stats->remove_err[3]);
	if (bad)
		t_fail(name, "a churn process failed or crashed");
	if (stats->create_err[3] || stats->remove_err[3]) {
		snprintf(msg, sizeof(msg), "create %s, remove %s",
			 stats->create_other ?
			 strerrorname_np(stats->create_other) : "-",
			 stats->remove_other ?
			 strerrorname_np(stats->remove_other) : "-");
		t_fail(name, "unexpected errno: %s", msg);
	} else if (!stats->created || !stats->removed) {
		t_fail(name, "no cycle done: %ld creates, %ld removes",
		       stats->created, stats->removed);
	} else if (!bad) {
		printf("PASS %s: %ld creates, %ld removes in %.1f s\n", name,
		       stats->created, stats->removed,
		       (now_ms() - start) / 1000.0);
		fflush(stdout);
	}
	if (!storm)
		t_check(!churn_cleanup(), "stress.churn_cleanup",
			"devices left after removal (%d before)", left);
	return t_exit_status();
}

/* ------------------------------------------------------------------ */
/* Removal of a held device, repeated.                                 */

static bool req_once(int n, __s64 *ms)
{
	char uuid[UUID_STR_LEN];
	struct vfio_handle h;
	int efd, ret;
	bool blocked;
	__s64 t0;
	pid_t pid;

	uuid_random(uuid);
	ret = mdev_create(MFIX_BASIC, uuid);
	if (ret) {
		t_fail("stress.req", "round %d: create: %s", n,
		       strerrorname_np(-ret));
		return false;
	}
	ret = vfio_open_device(uuid, &h);
	if (ret) {
		t_fail("stress.req", "round %d: open: %s", n,
		       strerrorname_np(-ret));
		mdev_remove(uuid);
		return false;
	}
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0 || vt_set_eventfd(h.device, VFIO_PCI_REQ_IRQ_INDEX, efd)) {
		t_fail("stress.req", "round %d: arming REQ: %s", n,
		       strerrorname_np(errno));
		vfio_close(&h);
		mdev_remove(uuid);
		if (efd >= 0)
			close(efd);
		return false;
	}
	t0 = now_ms();
	pid = vt_remove_in_child(uuid);
	ret = wait_readable(efd, 30000);
	blocked = waitpid(pid, NULL, WNOHANG) == 0;
	vfio_close(&h);
	close(efd);
	if (ret != 1) {
		t_fail("stress.req", "round %d: no REQ within 30 s", n);
		vt_wait_child(pid, 30000);
		return false;
	}
	if (!blocked) {
		t_fail("stress.req", "round %d: remove returned while held", n);
		return false;
	}
	ret = vt_wait_child(pid, 30000);
	*ms = now_ms() - t0;
	if (ret) {
		t_fail("stress.req", "round %d: remove %s", n,
		       ret == -ETIMEDOUT ? "still blocked 30 s after close" :
		       ret < 0 ? "child crashed" : strerrorname_np(ret));
		return false;
	}
	if (mdev_exists(uuid)) {
		t_fail("stress.req", "round %d: %s still on the bus", n, uuid);
		return false;
	}
	return true;
}

static int cmd_req(int count)
{
	__s64 ms, worst = 0;
	int i, ok = 0;

	for (i = 0; i < count; i++) {
		if (!req_once(i, &ms))
			break;
		ok++;
		if (ms > worst)
			worst = ms;
	}
	if (ok == count) {
		printf("PASS stress.req: %d held removals done (slowest %lld ms)\n",
		       ok, (long long)worst);
		fflush(stdout);
	}
	return t_exit_status();
}

/* ------------------------------------------------------------------ */
/* SIGKILL of a client that holds pins.                                */

struct pin_child {
	const char *uuid;
	void *buf;
	int ready;	/* write end of the readiness pipe */
};

/* Open, map and pin, report on the pipe, then wait to be killed. */
static int pin_child_fn(void *arg)
{
	struct pin_child *pc = arg;
	struct vfio_handle h;
	char r = 'E';

	if (!vfio_open_device(pc->uuid, &h) &&
	    !vt_dma_map(h.container, PIN_IOVA, pc->buf,
			PIN_PAGES * (__u64)getpagesize(),
			VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE) &&
	    !fix_cmd(h.device, MFIX_OP_PIN_WRITE, PIN_IOVA, PIN_PAGES))
		r = 'R';
	if (write(pc->ready, &r, 1) != 1)
		_exit(1);
	for (;;)
		pause();
	return 0;
}

/*
 * Start a pinning child: sharing our mm (@share_vm) so that its locked_vm
 * is ours to watch after it is dead, or as a plain forked process.
 */
static pid_t pin_child_start(struct pin_child *pc, bool share_vm,
			     void *stack, size_t stack_size)
{
	int p[2];
	pid_t pid;
	char r = 0;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pc->ready = p[1];
	fflush(stdout);
	if (share_vm) {
		pid = clone(pin_child_fn, (char *)stack + stack_size,
			    CLONE_VM | SIGCHLD, pc);
	} else {
		pid = fork();
		if (pid == 0)
			_exit(pin_child_fn(pc));
	}
	close(p[1]);
	if (pid > 0 && (wait_readable(p[0], 30000) != 1 ||
			read(p[0], &r, 1) != 1 || r != 'R')) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static bool killpin_once(int n, const char *uuid, void *buf, void *stack,
			 size_t stack_size, long pg_kb)
{
	long lck0 = proc_status_kb("VmLck"), lck, child_lck;
	struct pin_child pc = { .uuid = uuid, .buf = buf };
	bool share_vm = n % 2 == 0;
	struct fix_status s;
	struct vfio_handle h;
	char path[64];
	__s64 deadline;
	pid_t pid;
	int ret;

	pid = pin_child_start(&pc, share_vm, stack, stack_size);
	if (pid < 0) {
		t_fail("stress.killpin", "round %d: child could not pin", n);
		return false;
	}
	child_lck = pid_status_kb(pid, "VmLck");
	if (child_lck != lck0 * share_vm + PIN_PAGES * pg_kb) {
		t_fail("stress.killpin", "round %d: child VmLck %ld kB, expected %ld",
		       n, child_lck, lck0 * share_vm + PIN_PAGES * pg_kb);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return false;
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, NULL, 0) != pid) {
		t_fail("stress.killpin", "round %d: waitpid: %s", n,
		       strerrorname_np(errno));
		return false;
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	if (path_exists(path)) {
		t_fail("stress.killpin", "round %d: %s still exists", n, path);
		return false;
	}

	/* The release may finish asynchronously: give it a little time. */
	deadline = now_ms() + 10000;
	while ((lck = proc_status_kb("VmLck")) != lck0 && now_ms() < deadline)
		sleep_ms(50);
	if (lck != lck0) {
		t_fail("stress.killpin", "round %d: VmLck %ld kB, baseline %ld",
		       n, lck, lck0);
		return false;
	}

	ret = vfio_open_device(uuid, &h);
	if (ret) {
		t_fail("stress.killpin", "round %d: fresh open: %s", n,
		       strerrorname_np(-ret));
		return false;
	}
	ret = fix_status(h.device, &s);
	vfio_close(&h);
	if (ret || s.pinned || s.open_count != s.close_count + 1) {
		t_fail("stress.killpin", "round %d: after the kill pinned %u, opens %u, closes %u",
		       n, s.pinned, s.open_count, s.close_count);
		return false;
	}
	return true;
}

static int cmd_killpin(int count)
{
	size_t pg = getpagesize(), stack_size = 256 * 1024;
	char uuid[UUID_STR_LEN];
	long lck0 = proc_status_kb("VmLck");
	void *buf, *stack;
	int i, ok = 0, ret;

	buf = vt_anon_buffer(PIN_PAGES * pg, 0x5a);
	stack = vt_anon_buffer(stack_size, 0);
	if (!buf || !stack) {
		t_fail("stress.killpin", "out of memory");
		return 1;
	}
	uuid_random(uuid);
	ret = mdev_create(MFIX_BASIC, uuid);
	if (ret) {
		t_fail("stress.killpin", "create: %s", strerrorname_np(-ret));
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (!killpin_once(i, uuid, buf, stack, stack_size, pg / 1024))
			break;
		ok++;
	}
	ret = mdev_remove(uuid);
	t_check(!ret && !mdev_exists(uuid), "stress.killpin_remove",
		"remove: %s", strerrorname_np(-ret));
	if (ok == count) {
		printf("PASS stress.killpin: %d killed with %d pins; VmLck %ld -> %ld kB\n",
		       ok, PIN_PAGES, lck0, proc_status_kb("VmLck"));
		fflush(stdout);
	}
	return t_exit_status();
}

static void bad_args(void)
{
	fprintf(stderr,
		"stress_lifecycle churn|storm TYPE_DIR SECONDS\n"
		"       stress_lifecycle req|killpin COUNT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "churn"))
		return cmd_churn(argv[2], atoi(argv[3]), false);
	if (argc == 4 && !strcmp(argv[1], "storm"))
		return cmd_churn(argv[2], atoi(argv[3]), true);
	if (argc == 3 && !strcmp(argv[1], "req"))
		return cmd_req(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "killpin"))
		return cmd_killpin(atoi(argv[2]));
	bad_args();
	return 2;
}
