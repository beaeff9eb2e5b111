/* A client of the DRM shim for Driver.Drm.Tests: run under LD_PRELOAD=libgpusim-drm-shim.so against a server with the
 * tests' FakeDrmDriver. Each scenario prints "ok SCENARIO" and exits 0, or prints "FAIL line: what" and exits 1. The
 * fake ioctl numbers match FakeDrmDriver. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <stddef.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond)                                                                                    \
	do {                                                                                           \
		if (!(cond)) {                                                                         \
			printf("FAIL %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno)); \
			fflush(stdout);                                                                \
			exit(1);                                                                       \
		}                                                                                      \
	} while (0)

struct version { /* struct drm_version's layout */
	int major, minor, patch;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

#define IOCTL_VERSION _IOWR('d', 0x00, struct version)
#define FAKE_WHOAMI _IO('d', 0x70)
#define FAKE_RELEASES _IO('d', 0x71)
#define FAKE_FENCE _IOW('d', 0x72, int)
#define FAKE_SIGNAL _IO('d', 0x73)
#define FAKE_POKE _IOW('d', 0x74, uint32_t)
#define FAKE_PEEK _IO('d', 0x75)
#define FAKE_BLOCK _IO('d', 0x76)
#define FAKE_UNBLOCK _IO('d', 0x77)
#define FAKE_BLOCK_INTR _IO('d', 0x78)
#define FAKE_MAPPINGS _IO('d', 0x79)
#define FAKE_LIVE_FENCE_FDS _IO('d', 0x7a)
#define FAKE_BLOCKED _IO('d', 0x7c)
#define FAKE_SYNC_STATUS _IOWR('>', 0x7f, int)

static int open_card(void)
{
	int fd = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	CHECK(fd >= 0);
	return fd;
}

static void version(int fd)
{
	char name[16] = { 0 };
	struct version v = { .name_len = sizeof(name) - 1, .name = name };
	CHECK(ioctl(fd, IOCTL_VERSION, &v) == 0);
	CHECK(!strcmp(name, "i915") && v.name_len == 4);
}

static void slurp(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	ssize_t r = read(fd, buf, n - 1);
	CHECK(r >= 0);
	buf[r] = 0;
	close(fd);
}

static int basic(void)
{
	int fd = open_card();
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 226 && minor(st.st_rdev) == 0);
	struct stat st2;
	CHECK(stat("/dev/dri/card0", &st2) == 0 && st2.st_rdev == st.st_rdev && st2.st_ino == st.st_ino);
	CHECK(access("/dev/dri/card0", R_OK | W_OK) == 0);
	CHECK(open("/dev/dri/card1", O_RDWR) < 0 && errno == ENOENT);
	version(fd);
	char path[64], link[64] = { 0 };
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	CHECK(readlink(path, link, sizeof(link) - 1) == 14 && !strcmp(link, "/dev/dri/card0"));
	int again = open(path, O_RDWR); /* a new file, as the kernel's re-open through /proc */
	CHECK(again >= 0);
	CHECK(ioctl(again, FAKE_WHOAMI) != ioctl(fd, FAKE_WHOAMI));
	close(again);
	errno = 0;
	CHECK(ioctl(fd, _IO('d', 0x7e)) == -1 && errno == ENOTTY); /* the driver's errno comes back */
	return 0;
}

static int forked(void)
{
	int fd = open_card();
	int me = ioctl(fd, FAKE_WHOAMI);
	CHECK(me > 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child's copy is the same file. */
		CHECK(ioctl(fd, FAKE_WHOAMI) == me);
		version(fd);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(ioctl(fd, FAKE_RELEASES) == 0); /* the child's exit closed a copy, not the file */
	int copy = dup(fd);
	CHECK(copy >= 0);
	close(fd);
	CHECK(ioctl(copy, FAKE_WHOAMI) == me);
	return 0;
}

static int mapped(void)
{
	int fd = open_card();
	volatile uint32_t *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	uint32_t value = 0x12345678;
	CHECK(ioctl(fd, FAKE_POKE, &value) == 0);
	CHECK(map[0] == 0x12345678); /* the server's write, seen through the mapping */
	map[0] = 0x0badcafe;
	CHECK(ioctl(fd, FAKE_PEEK) == 0x0badcafe); /* ours, seen by the server */
	CHECK(munmap((void *)map, 4096) == 0);
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x20000) == MAP_FAILED && errno == EINVAL);
	return 0;
}

/* The driver's hold on a mapping (i915_gem_mmap's object reference) lasts while any process maps the range: past
 * a fork child's exit and the DRM fd's close, until munmap; a mapping left at exit is dropped by the exit. */
static int unmapped(void)
{
	int fd = open_card();
	void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	CHECK(ioctl(fd, FAKE_MAPPINGS) == 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0); /* its copy of the mapping goes, the parent's stays */
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	close(fd);
	fd = open_card();
	CHECK(ioctl(fd, FAKE_MAPPINGS) == 1); /* the file's release does not end the mapping */
	CHECK(munmap(map, 4096) == 0);
	int live = -1;
	for (int i = 0; i < 1000 && (live = ioctl(fd, FAKE_MAPPINGS)) != 0; i++)
		usleep(10000);
	CHECK(live == 0);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x10000) != MAP_FAILED); /* left to the exit */
	CHECK(ioctl(fd, FAKE_MAPPINGS) == 1);
	return 0;
}

static int fenced(void)
{
	int fd = open_card();
	int fence = -1;
	CHECK(ioctl(fd, FAKE_FENCE, &fence) == 0 && fence >= 0);
	struct pollfd p = { .fd = fence, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 0);
	int status = -1;
	CHECK(ioctl(fence, FAKE_SYNC_STATUS, &status) == 0 && status == 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child's copy of the fence fd names the same fence and wakes with it. */
		struct pollfd c = { .fd = fence, .events = POLLIN };
		CHECK(poll(&c, 1, 10000) == 1 && (c.revents & POLLIN));
		int s = -1;
		CHECK(ioctl(fence, FAKE_SYNC_STATUS, &s) == 0 && s == 1);
		_exit(0);
	}
	CHECK(ioctl(fd, FAKE_SIGNAL) == 0);
	CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN));
	CHECK(ioctl(fence, FAKE_SYNC_STATUS, &status) == 0 && status == 1);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

/* The server's live sync_file count once it is want, or what it was when the bound (10 s) ran out. */
static int live_fence_fds(int fd, int want)
{
	int live = -1;
	for (int i = 0; i < 1000 && (live = ioctl(fd, FAKE_LIVE_FENCE_FDS)) != want; i++)
		usleep(10000);
	return live;
}

static int fence_closes(void)
{
	int fd = open_card();
	/* sync_file_release at each close: the server's table does not grow with the fds made and closed. */
	for (int i = 0; i < 500; i++) {
		int fence = -1;
		CHECK(ioctl(fd, FAKE_FENCE, &fence) == 0 && fence >= 0);
		CHECK(close(fence) == 0);
	}
	CHECK(live_fence_fds(fd, 0) == 0);
	/* A dup, then a fork child's copy, keep the file: it goes with the last copy, at the child's exit. */
	int fence = -1;
	CHECK(ioctl(fd, FAKE_FENCE, &fence) == 0 && fence >= 0);
	int copy = dup(fence);
	CHECK(copy >= 0 && close(fence) == 0);
	int go[2];
	CHECK(pipe(go) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		CHECK(read(go[0], &c, 1) == 0); /* EOF: the parent is done looking, exit and close the last copy */
		_exit(0);
	}
	close(go[0]);
	CHECK(close(copy) == 0);
	for (int i = 0; i < 10; i++) { /* the child's copy keeps it: no release within 100 ms */
		CHECK(ioctl(fd, FAKE_LIVE_FENCE_FDS) == 1);
		usleep(10000);
	}
	close(go[1]);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(live_fence_fds(fd, 0) == 0);
	return 0;
}

static int vfiles(void)
{
	char buf[64];
	int card = open_card();
	(void)card;
	struct stat st;
	CHECK(stat("/sys/kernel/debug/.", &st) == 0 && S_ISDIR(st.st_mode));
	slurp("/sys/kernel/debug/dri/0/i915_wedged", buf, sizeof(buf));
	CHECK(!strcmp(buf, "0\n"));
	int w = open("/sys/kernel/debug/dri/0/i915_wedged", O_WRONLY);
	CHECK(w >= 0);
	CHECK(write(w, "1", 1) == 1);
	close(w);
	int dir = open("/sys/kernel/debug/dri/0", O_RDONLY | O_DIRECTORY);
	CHECK(dir >= 0);
	int r = openat(dir, "i915_wedged", O_RDONLY); /* relative to a directory fd, as IGT does */
	CHECK(r >= 0);
	ssize_t n = read(r, buf, sizeof(buf) - 1);
	CHECK(n == 2 && buf[0] == '1');
	close(r);
	int busy = openat(dir, "busy", O_WRONLY);
	CHECK(busy >= 0);
	errno = 0;
	CHECK(write(busy, "x", 1) == -1 && errno == EBUSY); /* the driver's errno is the writer's */
	close(busy);
	slurp("/sys/module/i915/parameters/reset", buf, sizeof(buf));
	CHECK(!strcmp(buf, "1\n"));
	DIR *d = opendir("/sys/class/drm/card0/engine");
	CHECK(d != NULL);
	int seen = 0;
	for (struct dirent *e; (e = readdir(d));)
		seen |= !strcmp(e->d_name, "rcs0");
	closedir(d);
	CHECK(seen);
	slurp("/sys/dev/char/226:0/engine/rcs0/name", buf, sizeof(buf));
	CHECK(!strcmp(buf, "rcs0\n"));
	return 0;
}

/* Every way IGT writes a driver file reaches the driver: a FILE (fopen + fprintf + fclose), a /proc/self/fd re-open
 * turned into a FILE (lib/i915/gem_engine_topology.c's __open_attr), pwrite and writev. */
static void expect_wedged(const char *want)
{
	char buf[64];
	slurp("/sys/kernel/debug/dri/0/i915_wedged", buf, sizeof(buf));
	if (strcmp(buf, want)) {
		printf("FAIL: i915_wedged reads %s, wanted %s", buf, want);
		exit(1);
	}
}

static int vwrites(void)
{
	int card = open_card();
	(void)card;
	FILE *f = fopen("/sys/kernel/debug/dri/0/i915_wedged", "w");
	CHECK(f != NULL);
	CHECK(fprintf(f, "%d", 2) == 1);
	CHECK(fclose(f) == 0);
	expect_wedged("2\n");
	int ro = open("/sys/kernel/debug/dri/0/i915_wedged", O_RDONLY);
	CHECK(ro >= 0);
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", ro);
	int rw = open(link, O_RDWR);
	CHECK(rw >= 0);
	close(ro);
	f = fdopen(rw, "w");
	CHECK(f != NULL);
	CHECK(fprintf(f, "%d", 3) == 1);
	CHECK(fclose(f) == 0);
	expect_wedged("3\n");
	int w = open("/sys/kernel/debug/dri/0/i915_wedged", O_WRONLY);
	CHECK(w >= 0);
	CHECK(pwrite(w, "4", 1, 0) == 1);
	expect_wedged("4\n");
	struct iovec iov[2] = { { .iov_base = "5", .iov_len = 1 }, { .iov_base = "6", .iov_len = 1 } };
	CHECK(writev(w, iov, 2) == 2);
	expect_wedged("56\n");
	close(w);
	return 0;
}

static int blocked_result = -1;

static void *blocker(void *arg)
{
	int fd = *(int *)arg;
	blocked_result = ioctl(fd, FAKE_BLOCK) == 0 ? 0 : errno;
	return NULL;
}

static int threads(void)
{
	int fd = open_card();
	pthread_t t;
	CHECK(pthread_create(&t, NULL, blocker, &fd) == 0);
	/* While the other thread blocks in the driver, this one's ioctls still answer (each thread has its channel). */
	version(fd);
	CHECK(ioctl(fd, FAKE_UNBLOCK) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(blocked_result == 0);
	return 0;
}

/* Threads come and go; the fd table is the process's and an ioctl adds nothing to it. Each thread's channel (a socket
 * in this process, two threads in the server) must go with the thread, or a process that runs many short-lived
 * threads (gem_exec_parallel: 1024 per pass) runs out of fds. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void *one_version(void *arg)
{
	version(*(int *)arg);
	return NULL;
}

static int thread_exit(void)
{
	int fd = open_card();
	version(fd);
	int before = count_fds();
	for (int i = 0; i < 64; i++) {
		pthread_t t;
		CHECK(pthread_create(&t, NULL, one_version, &fd) == 0);
		CHECK(pthread_join(t, NULL) == 0);
	}
	int after = count_fds();
	if (after != before)
		printf("FAIL %d: %d fds before 64 threads made an ioctl each and exited, %d after\n", __LINE__, before, after);
	CHECK(after == before);
	return 0;
}

/* A signal interrupts an ioctl blocked in the server: without SA_RESTART it fails EINTR after the handler ran (the
 * kernel's -ERESTARTSYS), with SA_RESTART it waits on and completes. */
static volatile sig_atomic_t handled;
static pthread_t main_thread;
static int intr_fd;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void *kick(void *arg)
{
	usleep(20000); /* let the ioctl reach the server (an earlier interrupt is kept for it anyway) */
	pthread_kill(main_thread, SIGUSR1);
	if (arg) { /* SA_RESTART: the ioctl goes on waiting, so end the wait the ordinary way */
		while (!handled)
			usleep(1000);
		ioctl(intr_fd, FAKE_UNBLOCK);
	}
	return NULL;
}

static int interrupted(void)
{
	intr_fd = open_card();
	main_thread = pthread_self();
	struct sigaction sa = { .sa_handler = on_signal };
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, kick, NULL) == 0);
	errno = 0;
	CHECK(ioctl(intr_fd, FAKE_BLOCK_INTR) == -1 && errno == EINTR);
	CHECK(handled == 1);
	CHECK(pthread_join(t, NULL) == 0);
	version(intr_fd); /* the interrupt was for that request only */
	handled = 0;
	sa.sa_flags = SA_RESTART;
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK(pthread_create(&t, NULL, kick, (void *)1) == 0);
	CHECK(ioctl(intr_fd, FAKE_BLOCK) == 0);
	CHECK(handled == 1);
	CHECK(pthread_join(t, NULL) == 0);
	return 0;
}

/* A signal handler's ioctl runs on its own, as in the kernel: IGT's exit handlers run inside fatal_sig_handler
 * (drmtest.c's cancel_work_at_exit writes i915_gem_drop_caches with DROP_RESET_ACTIVE to end the very work the
 * interrupted thread may be blocked on), so the handler's call must neither queue behind the ioctl it interrupted nor
 * take that one's answer. */
static int nested_result = -2, nested_errno;

static void on_nested_signal(int sig)
{
	(void)sig;
	int saved = errno;
	nested_result = ioctl(intr_fd, FAKE_UNBLOCK); /* what ends the interrupted thread's wait */
	nested_errno = errno;
	errno = saved;
	handled++;
}

static void *kick_when_blocked(void *arg)
{
	(void)arg;
	/* Signal once the main thread's FAKE_BLOCK is waiting in the server (bounded: 10 s). */
	for (int i = 0; i < 1000 && ioctl(intr_fd, FAKE_BLOCKED) < 1; i++)
		usleep(10000);
	pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

static int nested(void)
{
	intr_fd = open_card();
	main_thread = pthread_self();
	struct sigaction sa = { .sa_handler = on_nested_signal, .sa_flags = SA_RESTART };
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, kick_when_blocked, NULL) == 0);
	int r = ioctl(intr_fd, FAKE_BLOCK); /* ended by the handler's FAKE_UNBLOCK; else -ETIMEDOUT after 10 s */
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(handled == 1);
	if (nested_result != 0)
		printf("FAIL %d: the handler's ioctl returned %d (errno %d %s), the interrupted one %d\n", __LINE__,
		       nested_result, nested_errno, strerror(nested_errno), r);
	CHECK(nested_result == 0);
	CHECK(r == 0);
	CHECK(ioctl(intr_fd, FAKE_WHOAMI) > 0); /* the thread's channel is still in step: its own answer comes back */
	version(intr_fd);
	return 0;
}

/* The server's live mapping count once it is want, or what it was when the bound (10 s) ran out. */
static int live_mappings(int fd, int want)
{
	int live = -1;
	for (int i = 0; i < 1000 && (live = ioctl(fd, FAKE_MAPPINGS)) != want; i++)
		usleep(10000);
	return live;
}

/* The driver's hold on a mapping lasts while any page of it stays mapped and ends when the last page goes, however
 * it goes: munmap splits the vma and each piece's vm_close drops its reference (i915_gem_vm_close), mremap moves the
 * vma (vm_open of the copy, vm_close of the old), and MAP_FIXED over it unmaps it. gem_mmap_offset's partial-unmap and
 * partial-remap do the first two. */
static int partial_unmap(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = open_card();
	/* The head, then the tail. */
	char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	CHECK(ioctl(fd, FAKE_MAPPINGS) == 1);
	CHECK(munmap(map, page) == 0);
	CHECK(live_mappings(fd, 1) == 1);
	CHECK(munmap(map + page, page) == 0);
	CHECK(live_mappings(fd, 0) == 0);
	/* A hole in the middle, then each end. */
	map = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	CHECK(munmap(map + page, page) == 0);
	CHECK(munmap(map, page) == 0);
	CHECK(live_mappings(fd, 1) == 1);
	map[2 * page] = 1; /* still the object's page */
	CHECK(munmap(map + 2 * page, page) == 0);
	CHECK(live_mappings(fd, 0) == 0);
	/* gem_mmap_offset@partial-remap: unmap the head, move the tail elsewhere, unmap it there. */
	char *dest = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(dest != MAP_FAILED);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	CHECK(munmap(map, page) == 0);
	char *moved = mremap(map + page, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, dest);
	CHECK(moved == dest);
	CHECK(live_mappings(fd, 1) == 1);
	moved[0] = 1;
	CHECK(munmap(moved, page) == 0);
	CHECK(live_mappings(fd, 0) == 0);
	/* MAP_FIXED of other memory over the whole mapping. */
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0x10000);
	CHECK(map != MAP_FAILED);
	CHECK(mmap(map, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == map);
	CHECK(live_mappings(fd, 0) == 0);
	CHECK(munmap(map, page) == 0);
	return 0;
}

/* shutdown(2) of a DRM fd: the kernel finds no socket behind the file (sock_from_file) and fails ENOTSOCK; the file
 * and every copy of the fd stay as they were. */
static int shutdown_fd(void)
{
	int fd = open_card();
	int copy = dup(fd);
	CHECK(copy >= 0);
	errno = 0;
	CHECK(shutdown(fd, SHUT_RDWR) == -1 && errno == ENOTSOCK);
	version(fd);
	version(copy);
	return 0;
}

/* The server goes away (the C# test disposes it) while a thread waits in an ioctl: that ioctl and every later one fail
 * ENODEV, what drm_ioctl answers for an unplugged device (drm_dev_is_unplugged), never EIO (IGT reads EIO from i915 as
 * a wedged GPU) nor the socket's errnos; a thread or process that connects afresh gets the same; mmap too. */
static int gone_fd;
static int gone_errno;

static void *block_until_gone(void *arg)
{
	(void)arg;
	errno = 0;
	gone_errno = ioctl(gone_fd, FAKE_BLOCK) == 0 ? 0 : errno;
	return NULL;
}

static void *version_errno(void *arg)
{
	(void)arg;
	char name[16] = { 0 };
	struct version v = { .name_len = sizeof(name) - 1, .name = name };
	errno = 0;
	gone_errno = ioctl(gone_fd, IOCTL_VERSION, &v) == 0 ? 0 : errno;
	return NULL;
}

static int server_gone(void)
{
	gone_fd = open_card();
	version(gone_fd);
	pthread_t t;
	CHECK(pthread_create(&t, NULL, block_until_gone, NULL) == 0);
	CHECK(pthread_join(t, NULL) == 0);
	if (gone_errno != ENODEV)
		printf("FAIL %d: the ioctl in flight failed errno %d %s\n", __LINE__, gone_errno, strerror(gone_errno));
	CHECK(gone_errno == ENODEV);
	version_errno(NULL); /* this thread's channel, made while the server was there */
	CHECK(gone_errno == ENODEV);
	CHECK(pthread_create(&t, NULL, version_errno, NULL) == 0); /* a new thread's channel finds no server */
	CHECK(pthread_join(t, NULL) == 0);
	if (gone_errno != ENODEV)
		printf("FAIL %d: a new thread's ioctl failed errno %d %s\n", __LINE__, gone_errno, strerror(gone_errno));
	CHECK(gone_errno == ENODEV);
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, gone_fd, 0x10000) == MAP_FAILED && errno == ENODEV);
	return 0;
}

/* A DRM file has no write method (i915's drm fops: read, poll, ioctl, mmap; no write): vfs_write fails -EINVAL
 * (FMODE_CAN_WRITE unset); pwrite too (drm_open is not nonseekable_open, so FMODE_PWRITE holds and vfs_write runs), and
 * writev (vfs_writev, the same check). Nothing reaches the driver and the file stays usable. */
static int drm_write(void)
{
	int fd = open_card();
	errno = 0;
	CHECK(write(fd, "x", 1) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(pwrite(fd, "x", 1, 0) == -1 && errno == EINVAL);
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	errno = 0;
	CHECK(writev(fd, &iov, 1) == -1 && errno == EINVAL);
	version(fd);
	return 0;
}

/* Bounds a read that might block: a SIGALRM handler without SA_RESTART ends it with EINTR after ms. */
static void on_alarm(int sig)
{
	(void)sig;
}

static void arm_alarm(int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

static void disarm_alarm(void)
{
	struct itimerval it = { 0 };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
}

/* drm_read: with no event queued, a non-blocking file fails -EAGAIN at once; a blocking one waits
 * (wait_event_interruptible) until a signal ends it: -ERESTARTSYS, EINTR for a handler without SA_RESTART. The file's
 * O_NONBLOCK is its status flag, as F_GETFL reports it, and its ioctls still work. */
static int drm_read_nonblock(void)
{
	int fd = open("/dev/dri/card0", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	char buf[64];
	arm_alarm(2000); /* the bound: an EINTR here is a read that blocked */
	errno = 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	disarm_alarm();
	CHECK(n == -1 && errno == EAGAIN);
	for (int i = 0; i < 64; i++)
		version(fd); /* requests on a non-blocking file still wait for their answers */
	int blocking = open_card();
	arm_alarm(100);
	errno = 0;
	CHECK(read(blocking, buf, sizeof(buf)) == -1 && errno == EINTR);
	disarm_alarm();
	version(blocking);
	return 0;
}

/* sync_file_fops has no read (release, poll, ioctl only): vfs_read fails -EINVAL (FMODE_CAN_READ unset), readv too,
 * and poll() stays ready once the fence has signalled; nothing is consumed. */
static int sync_file_read(void)
{
	int fd = open_card();
	int fence = -1;
	CHECK(ioctl(fd, FAKE_FENCE, &fence) == 0 && fence >= 0);
	CHECK(ioctl(fd, FAKE_SIGNAL) == 0);
	struct pollfd p = { .fd = fence, .events = POLLIN };
	CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN));
	char c[8];
	arm_alarm(2000);
	errno = 0;
	ssize_t n = read(fence, c, sizeof(c));
	disarm_alarm();
	CHECK(n == -1 && errno == EINVAL);
	struct iovec iov = { .iov_base = c, .iov_len = sizeof(c) };
	errno = 0;
	CHECK(readv(fence, &iov, 1) == -1 && errno == EINVAL);
	p.revents = 0;
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLIN)); /* still signalled */
	int status = -1;
	CHECK(ioctl(fence, FAKE_SYNC_STATUS, &status) == 0 && status == 1);
	/* An unsignalled one fails at once too, rather than waiting for the fence. */
	int pending = -1;
	CHECK(ioctl(fd, FAKE_FENCE, &pending) == 0 && pending >= 0);
	arm_alarm(2000);
	errno = 0;
	n = read(pending, c, sizeof(c));
	disarm_alarm();
	CHECK(n == -1 && errno == EINVAL);
	/* A pipe of the program's own still reads. */
	int own[2];
	CHECK(pipe(own) == 0);
	CHECK(write(own[1], "y", 1) == 1);
	CHECK(read(own[0], c, sizeof(c)) == 1 && c[0] == 'y');
	return 0;
}

/* The server's reply channels in this process: sockets connected to the server's path that are not DRM files
 * (those carry an abstract name of their own). */
static int count_channels(void)
{
	const char *server = getenv("GPUSIM_DRM_SOCKET");
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL && server != NULL);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		int fd = atoi(e->d_name);
		struct sockaddr_un peer, self;
		socklen_t plen = sizeof(peer), slen = sizeof(self);
		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0 ||
		    plen <= offsetof(struct sockaddr_un, sun_path) || strcmp(peer.sun_path, server))
			continue;
		if (getsockname(fd, (struct sockaddr *)&self, &slen) == 0 && slen > offsetof(struct sockaddr_un, sun_path))
			continue; /* bound: a DRM file */
		n++;
	}
	closedir(d);
	return n;
}

static pthread_barrier_t s_fork_barrier;

static void *version_and_wait(void *arg)
{
	version(*(int *)arg);
	pthread_barrier_wait(&s_fork_barrier); /* this thread's channel is open */
	pthread_barrier_wait(&s_fork_barrier); /* the child has looked */
	return NULL;
}

/* fork copies only the calling thread (the kernel's copy_process for the caller's task): a child has no other thread,
 * so it holds nothing of theirs. Their reply channels must not live on in it (a leak of fds that also keeps the
 * server's end of each channel open while the child lives); its first ioctl opens a channel of its own. */
static int fork_channels(void)
{
	int fd = open_card();
	version(fd);
	pthread_t t[3];
	CHECK(pthread_barrier_init(&s_fork_barrier, NULL, 4) == 0);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_create(&t[i], NULL, version_and_wait, &fd) == 0);
	pthread_barrier_wait(&s_fork_barrier);
	CHECK(count_channels() == 4);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int inherited = count_channels();
		if (inherited != 0)
			printf("FAIL %d: the child holds %d reply channels of its parent's threads\n", __LINE__, inherited);
		CHECK(inherited == 0);
		version(fd);
		CHECK(count_channels() == 1);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pthread_barrier_wait(&s_fork_barrier);
	for (int i = 0; i < 3; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
	version(fd); /* the parent's own channel is untouched */
	return 0;
}

/* A card open, then a render node open: each a file of its node (fstat's minor), both answering VERSION. */
/* drm_open_helper: O_EXCL is -EBUSY and opens no file; a plain open afterwards works. */
static int exclusive_open(void)
{
	errno = 0;
	CHECK(open("/dev/dri/card0", O_RDWR | O_EXCL) == -1 && errno == EBUSY);
	int fd = open_card();
	version(fd);
	return 0;
}

static int render_node(void)
{
	int card = open_card();
	int render = open("/dev/dri/renderD128", O_RDWR | O_CLOEXEC);
	CHECK(render >= 0);
	struct stat st;
	CHECK(fstat(render, &st) == 0 && S_ISCHR(st.st_mode) && minor(st.st_rdev) == 128);
	version(render);
	version(card);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(void);
	} scenarios[] = { { "basic", basic }, { "fork", forked }, { "mmap", mapped }, { "unmap", unmapped },
			  { "fence", fenced }, { "vfiles", vfiles }, { "threads", threads },
			  { "vwrites", vwrites }, { "intr", interrupted }, { "fenceclose", fence_closes },
			  { "threadexit", thread_exit }, { "nested", nested },
			  { "partialunmap", partial_unmap }, { "shutdown", shutdown_fd },
			  { "servergone", server_gone }, { "drmwrite", drm_write },
			  { "drmreadnonblock", drm_read_nonblock }, { "syncfileread", sync_file_read },
			  { "forkchannels", fork_channels }, { "render", render_node },
			  { "excl", exclusive_open } };
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (!strcmp(argv[1], scenarios[i].name)) {
			int rc = scenarios[i].run();
			printf("ok %s\n", argv[1]);
			return rc;
		}
	}
	printf("usage: shim_client basic|fork|mmap|fence|vfiles|threads\n");
	return 2;
}
