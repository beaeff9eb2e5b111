/* ioctl, mmap and write: the calls that carry work to the server. */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

static void remember_mapping(char *base, size_t length, int token, int private_at_fork);

/* Whether the mapping holding at is private ('p' in /proc/self/maps): a userptr over private memory (the malloc heap,
 * a MAP_PRIVATE buffer) must stay copy-on-write across fork, which the shared arena mapping put over it is not. */
static int private_mapping_at(const char *at)
{
	FILE *maps = real_fopen("/proc/self/maps", "r");
	char line[512];
	int private_map = 0;
	if (!maps)
		return 0;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && (unsigned long)(uintptr_t)at >= start &&
		    (unsigned long)(uintptr_t)at < end) {
			private_map = perms[3] == 'p';
			break;
		}
	}
	fclose(maps);
	return private_map;
}

/* A reply that shares user pages (GEM_USERPTR): the runs replace [at, +their length) of our address space, each
 * first filled with the bytes it replaces, so the process's pages are the object's from now on (a CPU store through
 * the pointer is seen by the GPU and the other way round). The range stays a shared mapping of the arena; its token
 * keeps the object's pages until a munmap covers the whole range or the last process mapping it exits. Every page
 * reads (the server checked the maps), PROT_WRITE-only ones included on x86. */
static long share_user_range(char *at, const struct shim_reply *reply, int token)
{
	int arena = shim_arena_fd();
	size_t pos = 0;
	if (arena < 0)
		return -ENODEV;
	int private_at_fork = private_mapping_at(at);
	for (uint32_t i = 0; i < reply->nruns; i++) {
		size_t len = reply->runs[i].length;
		off_t off = (off_t)reply->runs[i].offset;
		char *tmp = real_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, arena, off);
		if (tmp == MAP_FAILED)
			return -errno;
		memcpy(tmp, at + pos, len);
		real_munmap(tmp, len);
		if (real_mmap(at + pos, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, arena, off) == MAP_FAILED)
			return -errno;
		pos += len;
	}
	if (token >= 0)
		remember_mapping(at, pos, token, private_at_fork);
	return 0;
}

/* An ioctl on a DRM fd: the request goes on the fd itself (the server knows the file by its connection), the reply
 * on this thread's channel, so concurrent and blocking ioctls of one file never wait for each other. */
static long drm_ioctl(int fd, unsigned long request, void *arg)
{
	struct shim_request req = { 0 };
	size_t size = sizeof(struct shim_reply) + SHIM_MAX_RUNS * sizeof(struct shim_run);
	struct shim_reply *reply = malloc(size); /* room for runs: a reply may share user pages */
	int fds[SHIM_MAX_FDS];
	if (!reply)
		return finish(-ENOMEM);
	req.op = SHIM_OP_IOCTL;
	req.request = (uint32_t)request;
	req.arg = (uint64_t)(uintptr_t)arg;
	reply->status = INT32_MIN; /* stays so when no reply came: then an error is the transport's, not the driver's */
	reply->nruns = 0;
	long status = shim_call(fd, &req, reply, size, fds);
	if (status >= 0) {
		uint32_t nfds = reply->nfds;
		int token = -1;
		if (reply->nruns > 0 && reply->token) {
			/* The mapping's token rides last, with no patch address. */
			if (nfds > 0 && !reply->patch[nfds - 1]) {
				token = fds[--nfds];
				fcntl(token, F_SETFD, FD_CLOEXEC);
			}
			reply->nfds = nfds;
			long err = share_user_range((char *)(uintptr_t)reply->token, reply, token);
			if (err < 0) {
				if (token >= 0)
					close(token);
				status = err;
			}
		}
		shim_patch_fds(reply, fds); /* new sync_file and dma-buf fds: their numbers go where the server said */
	} else if (reply->status == INT32_MIN && (status == -EBADF || status == -ENOTCONN || status == -EPIPE)) {
		status = -ENODEV; /* the server went away under us (a driver's -EBADF, PRIME's, is passed on) */
	}
	free(reply);
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

/* A DRM fd is a socket here only: the kernel's shutdown(2) of one finds no socket behind the file (sock_from_file) and
 * fails ENOTSOCK. Ours would end the connection, and with it the file for every copy of the fd. */
EXPORT int shutdown(int fd, int how)
{
	shim_resolve();
	if (shim_is_drm_fd(fd, NULL)) {
		errno = ENOTSOCK;
		return -1;
	}
	return real_shutdown(fd, how);
}

/* Live mappings of the device and their tokens: the server keeps the mapped object alive until every copy of a
 * token is closed (i915's vma holds the object until vm_close). Each entry is a page-rounded range that still maps the
 * object, with a token of its own, and follows what the kernel does to the vma: munmap of the whole range closes its
 * token; munmap of an end trims it; munmap of the middle splits it, the second piece holding a copy of the token
 * (split_vma's vm_open); mremap moves it (a copy for the new range, then the old range goes as by munmap); MAP_FIXED
 * over it unmaps what it covers. fork copies tokens with the mappings and exit closes them. */
struct shim_mapping {
	char *base;
	size_t length; /* page-rounded */
	int token;
	/* A userptr range over memory that was private: a fork child gets its own copy of it (pthread_atfork below). */
	int private_at_fork;
	struct shim_mapping *next;
};
static struct shim_mapping *s_mappings;
static pthread_mutex_t s_mappings_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t page_round(size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	return (n + page - 1) & ~(page - 1);
}

static void add_mapping_locked(char *base, size_t length, int token, int private_at_fork)
{
	struct shim_mapping *m = malloc(sizeof(*m));
	if (!m)
		return; /* the token stays open: the object lives until exit, never reused under the mapping */
	m->base = base;
	m->length = page_round(length);
	m->token = token;
	m->private_at_fork = private_at_fork;
	m->next = s_mappings;
	s_mappings = m;
}

static void remember_mapping(char *base, size_t length, int token, int private_at_fork)
{
	pthread_mutex_lock(&s_mappings_lock);
	add_mapping_locked(base, length, token, private_at_fork);
	pthread_mutex_unlock(&s_mappings_lock);
}

/* fork: the mappings list is held across it (prepare), so the child finds it whole, and released on both sides. In the
 * child, a userptr range that was private memory before the shim shared it becomes a private copy again: on i915 the
 * object keeps the parent's pinned pages and fork gives the child copy-on-write ones, so neither side's later stores
 * (a child's malloc writing its heap metadata into the page) reach the other. The child's copy of the range's token
 * goes with it; the parent's keeps the object. */
static void fork_prepare(void)
{
	pthread_mutex_lock(&s_mappings_lock);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&s_mappings_lock);
}

static void fork_child(void)
{
	for (struct shim_mapping **p = &s_mappings; *p;) {
		struct shim_mapping *m = *p;
		if (!m->private_at_fork) {
			p = &m->next;
			continue;
		}
		size_t length = m->length;
		char *copy = real_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (copy == MAP_FAILED) {
			p = &m->next; /* stays shared, as before this handler existed */
			continue;
		}
		memcpy(copy, m->base, length);
		if (real_mmap(m->base, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    MAP_FAILED) {
			memcpy(m->base, copy, length);
			*p = m->next;
			close(m->token);
			free(m);
		} else {
			p = &m->next;
		}
		real_munmap(copy, length);
	}
	pthread_mutex_unlock(&s_mappings_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* [addr, +length) no longer maps what it mapped (munmap, MAP_FIXED over it, mremap away): each mapping it covers
 * whole closes its token, each one it cuts keeps the pieces outside it. */
static void unmap_range_locked(char *addr, size_t length)
{
	char *end = addr + page_round(length);
	if (end == addr)
		return;
	for (struct shim_mapping **p = &s_mappings; *p;) {
		struct shim_mapping *m = *p;
		char *mend = m->base + m->length;
		if (mend <= addr || m->base >= end) {
			p = &m->next;
			continue;
		}
		if (m->base >= addr && mend <= end) {
			*p = m->next;
			close(m->token);
			free(m);
			continue;
		}
		if (m->base < addr && mend > end) {
			/* A hole in the middle: the tail becomes a mapping of its own with a copy of the token. Without one the
			 * entry stays whole, its token open until exit: never closed while a page still maps the object. */
			struct shim_mapping *tail = malloc(sizeof(*tail));
			int copy = tail ? fcntl(m->token, F_DUPFD_CLOEXEC, 0) : -1;
			if (copy < 0) {
				free(tail);
				p = &m->next;
				continue;
			}
			tail->base = end;
			tail->length = (size_t)(mend - end);
			tail->token = copy;
			tail->private_at_fork = m->private_at_fork;
			tail->next = m->next;
			m->next = tail;
			m->length = (size_t)(addr - m->base);
		} else if (m->base < addr) {
			m->length = (size_t)(addr - m->base); /* the end went */
		} else {
			m->length = (size_t)(mend - end); /* the start went */
			m->base = end;
		}
		p = &m->next;
	}
}

static void unmap_range(char *addr, size_t length)
{
	if (!__atomic_load_n(&s_mappings, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&s_mappings_lock);
	unmap_range_locked(addr, length);
	pthread_mutex_unlock(&s_mappings_lock);
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
	/* The arena fd first when asked for, then the mapping's token when the driver keeps one. */
	uint32_t nfds = status >= 0 ? reply->nfds : 0;
	uint32_t first = 0;
	if (req.request && nfds > 0)
		shim_set_arena_fd(fds[first++]);
	int token = nfds > first ? fds[nfds - 1] : -1;
	if (token >= 0)
		fcntl(token, F_SETFD, FD_CLOEXEC); /* exec drops the mappings, so it drops the token too */
	int arena = shim_arena_fd();
	if (status >= 0 && arena < 0)
		status = -ENODEV;
	if (status < 0) {
		if (token >= 0)
			close(token);
		free(reply);
		errno = (int)-status;
		return MAP_FAILED;
	}
	char *base = real_mmap(addr, length, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)), -1, 0);
	if (base == MAP_FAILED) {
		int err = errno;
		if (token >= 0)
			close(token);
		free(reply);
		errno = err;
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
			real_munmap(base, length);
			if (token >= 0)
				close(token);
			free(reply);
			errno = err;
			return MAP_FAILED;
		}
		pos += len;
	}
	free(reply);
	if (flags & MAP_FIXED)
		unmap_range(base, length); /* what the reservation replaced */
	if (token >= 0)
		remember_mapping(base, length, token, 0);
	return base;
}

EXPORT int munmap(void *addr, size_t length)
{
	shim_resolve();
	/* No mapping of the device yet: nothing to forget, and one made from now on cannot be at a range this call frees
	 * before it returns. */
	if (!__atomic_load_n(&s_mappings, __ATOMIC_ACQUIRE))
		return real_munmap(addr, length);
	/* The lock spans the unmap and the bookkeeping: once real_munmap frees the range, another thread's mmap of the
	 * device may be given the same addresses, and its remember_mapping (which takes this lock) must come after this
	 * call has dropped the old entries, or they would close the new mapping's token. */
	pthread_mutex_lock(&s_mappings_lock);
	int ret = real_munmap(addr, length);
	int err = errno;
	if (ret == 0)
		unmap_range_locked(addr, length);
	pthread_mutex_unlock(&s_mappings_lock);
	errno = err;
	return ret;
}

EXPORT void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	shim_resolve();
	if (fd >= 0 && shim_is_drm_fd(fd, NULL))
		return drm_mmap(addr, length, prot, flags, fd, offset);
	void *r = real_mmap(addr, length, prot, flags, fd, offset);
	if (r != MAP_FAILED && (flags & MAP_FIXED))
		unmap_range(r, length); /* other memory over a mapping of the device unmaps it */
	return r;
}

EXPORT void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	return mmap(addr, length, prot, flags, fd, offset);
}

/* mremap of a mapping of the device: the new range maps the object with a copy of the token (the moved vma's vm_open),
 * then the old range goes as by munmap unless it stays (MREMAP_DONTUNMAP, or old_size 0: a second mapping of the same
 * pages). gem_mmap_offset@partial-remap moves the tail of a mapping elsewhere and unmaps it there. */
EXPORT void *mremap(void *old, size_t old_size, size_t new_size, int flags, ...)
{
	void *want = NULL;
	if (flags & MREMAP_FIXED) {
		va_list ap;
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	shim_resolve();
	if (!__atomic_load_n(&s_mappings, __ATOMIC_ACQUIRE))
		return real_mremap(old, old_size, new_size, flags, want);
	/* Under the lock for the reason munmap takes it: the old range, once freed, may be handed to another thread's
	 * mmap of the device before the old entry is dropped. */
	pthread_mutex_lock(&s_mappings_lock);
	void *r = real_mremap(old, old_size, new_size, flags, want);
	if (r == MAP_FAILED) {
		int err = errno;
		pthread_mutex_unlock(&s_mappings_lock);
		errno = err;
		return r;
	}
	int copy = -1, private_at_fork = 0;
	for (struct shim_mapping *m = s_mappings; m; m = m->next) {
		if ((char *)old >= m->base && (char *)old < m->base + m->length) {
			copy = fcntl(m->token, F_DUPFD_CLOEXEC, 0);
			private_at_fork = m->private_at_fork;
			break;
		}
	}
	if (copy >= 0 || r != old) {
		unmap_range_locked(r, new_size); /* what MREMAP_FIXED replaced */
		if (!(flags & MREMAP_DONTUNMAP))
			unmap_range_locked(old, old_size);
		if (copy >= 0)
			add_mapping_locked(r, new_size, copy, private_at_fork);
	}
	pthread_mutex_unlock(&s_mappings_lock);
	return r;
}

/* A sync_file, syncobj or dma-buf fd is a pipe of the server's, marked by its mode; the kernel's files have no read
 * method (sync_file_fops, drm_syncobj_file_fops, dma_buf_fops), so vfs_read and vfs_readv fail -EINVAL. The pipe's
 * read would take the byte that makes poll() report the fence signalled (or wait for it). pread of either is ESPIPE
 * already (no FMODE_PREAD on an anon file; a pipe). */
static int file_pipe(int fd)
{
	struct stat st;
	shim_resolve();
	return shim_enabled() && real_fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	       (st.st_mode & 07777) == SHIM_FILE_PIPE_MODE;
}

EXPORT ssize_t read(int fd, void *buf, size_t count)
{
	if (file_pipe(fd))
		return finish(-EINVAL);
	return real_read(fd, buf, count);
}

EXPORT ssize_t __read_chk(int fd, void *buf, size_t count, size_t buflen)
{
	if (count > buflen)
		abort(); /* what glibc's check does: a buffer overflow */
	return read(fd, buf, count);
}

EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	if (file_pipe(fd))
		return finish(-EINVAL);
	return real_readv(fd, iov, iovcnt);
}

/* A write to a driver file (i915_wedged, i915_gem_drop_caches, a param) is a synchronous server call: it may block
 * and its errno is the writer's. Every way of writing one goes there: write, pwrite (sysfs attributes ignore the
 * offset), writev (kernfs gathers the vector into one store) and FILE writes (shim_vfile_fdopen). */
static int vfile_of(int fd, char *vpath, size_t vlen)
{
	shim_resolve();
	return fd > 2 && shim_enabled() && shim_vfile_lookup(fd, vpath, vlen);
}

/* A DRM file has no write method (i915's and vgem's drm fops, sw_sync's debugfs fops): vfs_write and vfs_writev fail
 * -EINVAL, as the file lacks FMODE_CAN_WRITE; pwrite reaches vfs_write too (drm_open keeps FMODE_PWRITE). Ours is a
 * socket, whose write would send the bytes to the server as a request. */
static int drm_fd_write(int fd)
{
	shim_resolve();
	return shim_is_drm_fd(fd, NULL);
}

EXPORT ssize_t write(int fd, const void *buf, size_t count)
{
	char vpath[SHIM_PATH_MAX];
	if (vfile_of(fd, vpath, sizeof(vpath)))
		return finish(shim_vfile_write(vpath, buf, count));
	if (drm_fd_write(fd))
		return finish(-EINVAL);
	return real_write(fd, buf, count);
}

EXPORT ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	char vpath[SHIM_PATH_MAX];
	if (vfile_of(fd, vpath, sizeof(vpath)))
		return finish(shim_vfile_write(vpath, buf, count));
	if (drm_fd_write(fd))
		return finish(-EINVAL);
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
		return drm_fd_write(fd) ? finish(-EINVAL) : real_writev(fd, iov, iovcnt);
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
