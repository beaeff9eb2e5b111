/* ioctl, mmap and write: the calls that carry work to the server. */
#include "shim.h"

#include <errno.h>
#include <linux/ioctl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define SYNC_IOC_MAGIC_BYTE '>' /* linux/sync_file.h */

static long finish(long status)
{
	if (status < 0) {
		errno = (int)-status;
		return -1;
	}
	return status;
}

/* An ioctl on a DRM fd: the request goes on the fd itself (the server knows the file by its connection), the reply
 * on this thread's channel, so concurrent and blocking ioctls of one file never wait for each other. */
static long drm_ioctl(int fd, unsigned long request, void *arg)
{
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	req.op = SHIM_OP_IOCTL;
	req.request = (uint32_t)request;
	req.arg = (uint64_t)(uintptr_t)arg;
	reply.status = INT32_MIN; /* stays so when no reply came: then an error is the transport's, not the driver's */
	long status = shim_call(fd, &req, &reply, sizeof(reply), fds);
	if (status >= 0)
		shim_patch_fds(&reply, fds); /* new sync_file and dma-buf fds: their numbers go where the server said */
	else if (reply.status == INT32_MIN && (status == -EBADF || status == -ENOTCONN || status == -EPIPE))
		status = -ENODEV; /* the server went away under us (a driver's -EBADF, PRIME's, is passed on) */
	return finish(status);
}

static long sync_file_ioctl(int fd, unsigned long request, void *arg)
{
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	req.op = SHIM_OP_SYNC_IOCTL;
	req.request = (uint32_t)request;
	req.fd = fd;
	req.arg = (uint64_t)(uintptr_t)arg;
	long status = shim_call(-1, &req, &reply, sizeof(reply), fds);
	if (status >= 0)
		shim_patch_fds(&reply, fds);
	return finish(status);
}

EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	shim_resolve();
	if (shim_enabled()) {
		if (shim_is_drm_fd(fd, NULL))
			return (int)drm_ioctl(fd, request, arg);
		struct stat st;
		/* A sync_file is a pipe the server handed out; its inode names the fence. */
		if (_IOC_TYPE(request) == SYNC_IOC_MAGIC_BYTE && real_fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
			return (int)sync_file_ioctl(fd, request, arg);
	}
	return real_ioctl(fd, request, arg);
}

/* mmap of a DRM fd at a fake offset: reserve the range, then map the arena runs that back it over it. */
static void *drm_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	size_t size = sizeof(struct shim_reply) + SHIM_MAX_RUNS * sizeof(struct shim_run);
	struct shim_reply *reply = malloc(size);
	struct shim_request req = { 0 };
	int fds[SHIM_MAX_FDS];
	if (!reply) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	req.op = SHIM_OP_MMAP;
	req.arg = (uint64_t)offset;
	req.length = length;
	req.request = shim_arena_fd() < 0; /* ask for the arena fd too (a process that inherited the DRM fd by exec) */
	long status = shim_call(fd, &req, reply, size, fds);
	for (uint32_t i = 0; status >= 0 && i < reply->nfds; i++)
		shim_set_arena_fd(fds[i]);
	int arena = shim_arena_fd();
	if (status >= 0 && arena < 0)
		status = -ENODEV;
	if (status < 0) {
		free(reply);
		errno = (int)-status;
		return MAP_FAILED;
	}
	char *base = real_mmap(addr, length, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)), -1, 0);
	if (base == MAP_FAILED) {
		free(reply);
		return MAP_FAILED;
	}
	size_t pos = 0;
	for (uint32_t i = 0; i < reply->nruns && pos < length; i++) {
		size_t len = reply->runs[i].length;
		if (len > length - pos)
			len = length - pos;
		if (real_mmap(base + pos, len, prot, MAP_SHARED | MAP_FIXED, arena, (off_t)reply->runs[i].offset) ==
		    MAP_FAILED) {
			int err = errno;
			munmap(base, length);
			free(reply);
			errno = err;
			return MAP_FAILED;
		}
		pos += len;
	}
	free(reply);
	return base;
}

EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	shim_resolve();
	if (fd >= 0 && shim_is_drm_fd(fd, NULL))
		return drm_mmap(addr, length, prot, flags, fd, offset);
	return real_mmap(addr, length, prot, flags, fd, offset);
}

EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

/* A write to a driver file (i915_wedged, i915_gem_drop_caches, a param) is a synchronous server call: it may block
 * and its errno is the writer's. Every way of writing one goes there: write, pwrite (sysfs attributes ignore the
 * offset), writev (kernfs gathers the vector into one store) and FILE writes (shim_vfile_fdopen). */
static int vfile_of(int fd, char *vpath, size_t vlen)
{
	shim_resolve();
	return fd > 2 && shim_enabled() && shim_vfile_lookup(fd, vpath, vlen);
}

EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	char vpath[SHIM_PATH_MAX];
	if (vfile_of(fd, vpath, sizeof(vpath)))
		return finish(shim_vfile_write(vpath, buf, count));
	return real_write(fd, buf, count);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	char vpath[SHIM_PATH_MAX];
	if (vfile_of(fd, vpath, sizeof(vpath)))
		return finish(shim_vfile_write(vpath, buf, count));
	return real_pwrite(fd, buf, count, offset);
}

EXPORT ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
	return pwrite(fd, buf, count, offset);
}

EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	char vpath[SHIM_PATH_MAX];
	if (!vfile_of(fd, vpath, sizeof(vpath)))
		return real_writev(fd, iov, iovcnt);
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	char *buf = malloc(total ? total : 1);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	size_t pos = 0;
	for (int i = 0; i < iovcnt; i++) {
		memcpy(buf + pos, iov[i].iov_base, iov[i].iov_len);
		pos += iov[i].iov_len;
	}
	long status = shim_vfile_write(vpath, buf, total);
	free(buf);
	return finish(status);
}
