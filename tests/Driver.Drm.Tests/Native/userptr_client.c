/* A client of the DRM shim for Driver.Drm.Tests: run under LD_PRELOAD=libgpusim-drm-shim.so against a server with the
 * real i915 driver on card0 and sw_sync on its own minor. Scenarios: "userptr" (GEM_USERPTR's errnos, then a batch
 * written by the CPU through the user pointer runs on the GPU and its store is read back through the same pointer)
 * and "swsync" (a timeline's fences signal as it advances; its errnos; close signals the rest with -ENOENT). Prints
 * "ok SCENARIO" and exits 0, or "FAIL line: what" and exits 1. Structs written out from the uAPI headers' layouts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

struct userptr {
	uint64_t user_ptr, user_size;
	uint32_t flags, handle;
};
struct exec_object2 {
	uint32_t handle, relocation_count;
	uint64_t relocs_ptr, alignment, offset, flags, rsvd1, rsvd2;
};
struct execbuffer2 {
	uint64_t buffers_ptr;
	uint32_t buffer_count, batch_start_offset, batch_len, dr1, dr4, num_cliprects;
	uint64_t cliprects_ptr, flags, rsvd1, rsvd2;
};
struct gem_wait {
	uint32_t bo_handle, flags;
	int64_t timeout_ns;
};
struct gem_close {
	uint32_t handle, pad;
};
struct sw_sync_create_fence {
	uint32_t value;
	char name[32];
	int32_t fence;
};
struct sync_file_info {
	char name[32];
	int32_t status;
	uint32_t flags, num_fences, pad;
	uint64_t sync_fence_info;
};

#define IOCTL_GEM_CLOSE _IOW('d', 0x09, struct gem_close)
#define IOCTL_EXECBUFFER2 _IOW('d', 0x40 + 0x29, struct execbuffer2)
#define IOCTL_GEM_WAIT _IOWR('d', 0x40 + 0x2c, struct gem_wait)
#define IOCTL_USERPTR _IOWR('d', 0x40 + 0x33, struct userptr)
#define USERPTR_READ_ONLY 0x1u
#define USERPTR_PROBE 0x2u
#define USERPTR_UNSYNCHRONIZED 0x80000000u
#define EXEC_OBJECT_WRITE (1u << 2)
#define EXEC_OBJECT_PINNED (1u << 4)
#define SW_SYNC_PATH "/sys/kernel/debug/sync/sw_sync"
#define SW_SYNC_CREATE_FENCE _IOWR('W', 0, struct sw_sync_create_fence)
#define SW_SYNC_INC _IOW('W', 1, uint32_t)
#define SYNC_FILE_INFO _IOWR('>', 4, struct sync_file_info)

#define PAGE 4096u
#define GPU_ADDRESS 0x200000ull
#define MI_STORE_DWORD_IMM_GEN8 ((0x20u << 23) | 2)
#define MI_BATCH_BUFFER_END (0x0au << 23)

static int userptr(int fd, void *ptr, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct userptr u = { .user_ptr = (uint64_t)(uintptr_t)ptr, .user_size = size, .flags = flags };
	int ret = ioctl(fd, IOCTL_USERPTR, &u);
	if (ret == 0 && handle)
		*handle = u.handle;
	return ret == 0 ? 0 : -errno;
}

static void scenario_userptr(void)
{
	int fd = open("/dev/dri/card0", O_RDWR);
	CHECK(fd >= 0);
	/* As IGT's spinner makes its userptr batch: write-only shared anonymous memory. */
	uint32_t *mem = mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(mem != MAP_FAILED);
	mem[PAGE / 4 + 100] = 0x1234abcd;

	CHECK(userptr(fd, mem, 2 * PAGE, 0x4, NULL) == -EINVAL);
	CHECK(userptr(fd, (char *)mem + 8, PAGE, 0, NULL) == -EINVAL);
	CHECK(userptr(fd, mem, PAGE + 8, 0, NULL) == -EINVAL);
	CHECK(userptr(fd, mem, 0, 0, NULL) == -EINVAL);
	CHECK(userptr(fd, mem, PAGE, USERPTR_UNSYNCHRONIZED, NULL) == -ENODEV);
	CHECK(userptr(fd, mem, PAGE, USERPTR_READ_ONLY, NULL) == -ENODEV);
	void *hole = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(hole != MAP_FAILED && munmap(hole, PAGE) == 0);
	CHECK(userptr(fd, hole, PAGE, USERPTR_PROBE, NULL) == -EFAULT);

	/* Two objects, batch (page 0) and target (page 1): i915 refuses a batch that is also written (-EINVAL). */
	uint32_t handle = 0, target = 0;
	CHECK(userptr(fd, mem, PAGE, USERPTR_PROBE, &handle) == 0 && handle != 0);
	CHECK(userptr(fd, (char *)mem + PAGE, PAGE, 0, &target) == 0 && target != 0 && target != handle);
	CHECK(mem[PAGE / 4 + 100] == 0x1234abcd); /* the range's contents are the object's */

	/* The CPU writes the batch through the pointer after the call; the GPU runs it (reads it) and its store lands in
	 * page 1, which the CPU reads back through the pointer. */
	uint32_t *b = mem;
	*b++ = MI_STORE_DWORD_IMM_GEN8;
	*b++ = (uint32_t)(GPU_ADDRESS + PAGE + 64);
	*b++ = (uint32_t)((GPU_ADDRESS + PAGE + 64) >> 32);
	*b++ = 0xc0ffee;
	*b++ = MI_BATCH_BUFFER_END;
	struct exec_object2 obj[2] = {
		{ .handle = target, .offset = GPU_ADDRESS + PAGE, .flags = EXEC_OBJECT_PINNED | EXEC_OBJECT_WRITE },
		{ .handle = handle, .offset = GPU_ADDRESS, .flags = EXEC_OBJECT_PINNED },
	};
	struct execbuffer2 eb = { .buffers_ptr = (uint64_t)(uintptr_t)obj, .buffer_count = 2 };
	CHECK(ioctl(fd, IOCTL_EXECBUFFER2, &eb) == 0);
	struct gem_wait w = { .bo_handle = target, .timeout_ns = 10ll * 1000 * 1000 * 1000 };
	CHECK(ioctl(fd, IOCTL_GEM_WAIT, &w) == 0);
	CHECK(mem[PAGE / 4 + 16] == 0xc0ffee);
	CHECK(mem[PAGE / 4 + 100] == 0x1234abcd);

	struct gem_close c = { .handle = handle };
	CHECK(ioctl(fd, IOCTL_GEM_CLOSE, &c) == 0);
	c.handle = target;
	CHECK(ioctl(fd, IOCTL_GEM_CLOSE, &c) == 0);
	CHECK(munmap(mem, 2 * PAGE) == 0); /* the range's token closes: the object's pages go */
	close(fd);
	printf("ok userptr\n");
}

static int create_fence(int timeline, uint32_t seqno)
{
	struct sw_sync_create_fence data = { .value = seqno };
	CHECK(ioctl(timeline, SW_SYNC_CREATE_FENCE, &data) == 0);
	CHECK(data.fence >= 0);
	return data.fence;
}

static int ready(int fence, int timeout_ms)
{
	struct pollfd p = { .fd = fence, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void inc(int timeline, uint32_t value)
{
	CHECK(ioctl(timeline, SW_SYNC_INC, &value) == 0);
}

static void scenario_swsync(void)
{
	CHECK(access(SW_SYNC_PATH, R_OK | W_OK) == 0);
	int timeline = open(SW_SYNC_PATH, O_RDWR);
	CHECK(timeline >= 0);
	struct stat st;
	CHECK(fstat(timeline, &st) == 0 && S_ISREG(st.st_mode));
	int two = create_fence(timeline, 2);
	int five = create_fence(timeline, 5);
	CHECK(!ready(two, 0));
	inc(timeline, 1);
	CHECK(!ready(two, 0));
	inc(timeline, 1);
	CHECK(ready(two, 5000));
	CHECK(!ready(five, 0));
	CHECK(ready(create_fence(timeline, 1), 5000)); /* already reached: signalled at creation */
	inc(timeline, 3);
	CHECK(ready(five, 5000));

	uint32_t v = 1;
	CHECK(ioctl(timeline, _IOW('W', 7, uint32_t), &v) == -1 && errno == ENOTTY);
	CHECK(ioctl(timeline, SW_SYNC_CREATE_FENCE, (void *)8) == -1 && errno == EFAULT);
	CHECK(ioctl(timeline, SW_SYNC_INC, (void *)8) == -1 && errno == EFAULT);

	int nine = create_fence(timeline, 9);
	CHECK(!ready(nine, 0));
	close(timeline); /* sw_sync_debugfs_release: the rest signal with -ENOENT */
	CHECK(ready(nine, 5000));
	struct sync_file_info info = { 0 };
	CHECK(ioctl(nine, SYNC_FILE_INFO, &info) == 0);
	CHECK(info.status == -ENOENT);
	memset(&info, 0, sizeof(info));
	CHECK(ioctl(five, SYNC_FILE_INFO, &info) == 0);
	CHECK(info.status == 1);
	printf("ok swsync\n");
}

/* GEM_USERPTR over private memory (a posix_memalign block of the malloc heap, as gem_exec_capture@userptr makes it),
 * then fork: the child's page must be its own copy-on-write one, as the kernel's fork gives it (i915 keeps the
 * parent's pinned pages for the object), so the child's stores never reach the parent's memory; and a MAP_SHARED range
 * stays shared, as fork shares it on i915 too. */
static void scenario_userptrfork(void)
{
	int fd = open("/dev/dri/card0", O_RDWR);
	CHECK(fd >= 0);
	uint32_t *priv = NULL;
	CHECK(posix_memalign((void **)&priv, PAGE, PAGE) == 0);
	priv[0] = 0x11111111;
	uint32_t *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(shared != MAP_FAILED);
	shared[0] = 0x22222222;
	uint32_t hp = 0, hs = 0;
	CHECK(userptr(fd, priv, PAGE, 0, &hp) == 0);
	CHECK(userptr(fd, shared, PAGE, 0, &hs) == 0);
	CHECK(priv[0] == 0x11111111 && shared[0] == 0x22222222);

	pid_t child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		/* The child sees what the parent had, then writes both pages. */
		int ok = priv[0] == 0x11111111 && shared[0] == 0x22222222;
		priv[0] = 0xc41d0001;
		shared[0] = 0xc41d0002;
		_exit(ok ? 0 : 3);
	}
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(priv[0] == 0x11111111);   /* private: the child's store stayed in the child */
	CHECK(shared[0] == 0xc41d0002); /* shared: the child's store is seen */

	struct gem_close c = { .handle = hp };
	CHECK(ioctl(fd, IOCTL_GEM_CLOSE, &c) == 0);
	c.handle = hs;
	CHECK(ioctl(fd, IOCTL_GEM_CLOSE, &c) == 0);
	CHECK(munmap(shared, PAGE) == 0);
	close(fd);
	printf("ok userptrfork\n");
}

int main(int argc, char **argv)
{
	CHECK(argc == 2);
	if (!strcmp(argv[1], "userptr"))
		scenario_userptr();
	else if (!strcmp(argv[1], "userptrfork"))
		scenario_userptrfork();
	else if (!strcmp(argv[1], "swsync"))
		scenario_swsync();
	else
		CHECK(!"unknown scenario");
	fflush(stdout);
	return 0;
}
