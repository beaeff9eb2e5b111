/* The libc entry points IGT uses, interposed: open/stat/readlink/access of device nodes and tree paths. */
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX];
	int minor = 0;
	shim_resolve();
	switch (shim_classify(dirfd, path, out, sizeof(out), vpath, sizeof(vpath), &minor)) {
	case SHIM_PATH_NODE:
	case SHIM_PATH_REOPEN: /* a re-open through /proc is a new drm_file, as in the kernel */
		return shim_open_file(minor, flags);
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return -1;
	case SHIM_PATH_TREE: {
		if (vpath[0]) {
			int r = shim_vfile_open(vpath, flags); /* a reader gets a fresh snapshot */
			if (r < 0) {
				errno = -r;
				return -1;
			}
		}
		int fd = real_openat(AT_FDCWD, out, flags, mode);
		if (fd >= 0 && vpath[0] && (flags & O_ACCMODE) != O_RDONLY)
			shim_vfile_remember(fd, vpath);
		return fd;
	}
	default:
		return real_openat(dirfd, path, flags, mode);
	}
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return do_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return do_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return do_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return do_openat(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE forms (no mode: O_CREAT is refused at compile time there). */
EXPORT int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

/* A FILE on /dev/kmsg (igt_kmsg fprintf's its subtest markers there): each flush is one record for the server. */
static ssize_t kmsg_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	req.op = SHIM_OP_VFILE_WRITE;
	req.arg = (uint64_t)(uintptr_t)buf;
	req.length = size;
	snprintf(req.path, sizeof(req.path), "kmsg");
	long status = shim_call(-1, &req, &reply, sizeof(reply), fds);
	return status < 0 ? (ssize_t)size : (ssize_t)status; /* a lost marker is no error of the writer's */
}

/* A FILE on a driver file opened for writing: reads, seeks and close go to the fd, each flushed write is one write()
 * of the driver file, as the kernel sees glibc's flushes. */
struct vfile_cookie {
	int fd;
	char vpath[SHIM_PATH_MAX];
};

static ssize_t vfile_cookie_read(void *cookie, char *buf, size_t size)
{
	return read(((struct vfile_cookie *)cookie)->fd, buf, size);
}

static ssize_t vfile_cookie_write(void *cookie, const char *buf, size_t size)
{
	long status = shim_vfile_write(((struct vfile_cookie *)cookie)->vpath, buf, size);
	if (status < 0) {
		errno = (int)-status;
		return -1;
	}
	return (ssize_t)status;
}

static int vfile_cookie_seek(void *cookie, off64_t *offset, int whence)
{
	off64_t r = lseek64(((struct vfile_cookie *)cookie)->fd, *offset, whence);
	if (r < 0)
		return -1;
	*offset = r;
	return 0;
}

static int vfile_cookie_close(void *cookie)
{
	int r = close(((struct vfile_cookie *)cookie)->fd);
	free(cookie);
	return r;
}

FILE *shim_vfile_fdopen(int fd, const char *vpath, const char *mode)
{
	struct vfile_cookie *c = malloc(sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->fd = fd;
	snprintf(c->vpath, sizeof(c->vpath), "%s", vpath);
	cookie_io_functions_t io = { .read = vfile_cookie_read, .write = vfile_cookie_write, .seek = vfile_cookie_seek,
				     .close = vfile_cookie_close };
	FILE *f = fopencookie(c, mode, io);
	if (!f)
		free(c);
	return f;
}

static int writes(const char *mode)
{
	return strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+');
}

EXPORT FILE *fdopen(int fd, const char *mode)
{
	char vpath[SHIM_PATH_MAX];
	shim_resolve();
	if (fd > 2 && shim_enabled() && writes(mode) && shim_vfile_lookup(fd, vpath, sizeof(vpath)))
		return shim_vfile_fdopen(fd, vpath, mode);
	return real_fdopen(fd, mode);
}

static FILE *do_fopen(const char *path, const char *mode)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX];
	int minor = 0;
	shim_resolve();
	switch (shim_classify(AT_FDCWD, path, out, sizeof(out), vpath, sizeof(vpath), &minor)) {
	case SHIM_PATH_NODE:
	case SHIM_PATH_REOPEN: {
		int fd = shim_open_file(minor, O_RDWR | (strchr(mode, 'e') ? O_CLOEXEC : 0));
		return fd < 0 ? NULL : fdopen(fd, mode);
	}
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return NULL;
	case SHIM_PATH_TREE:
		if (!strcmp(vpath, "kmsg") && (strchr(mode, 'w') || strchr(mode, 'a'))) {
			cookie_io_functions_t io = { .write = kmsg_write };
			return fopencookie(NULL, mode, io);
		}
		if (vpath[0] && writes(mode)) {
			/* The open as fopen makes it, then a FILE whose writes reach the driver. */
			int flags = (strchr(mode, '+') ? O_RDWR : strchr(mode, 'r') ? O_RDONLY : O_WRONLY) |
				    (strchr(mode, 'w') ? O_CREAT | O_TRUNC : 0) | (strchr(mode, 'a') ? O_CREAT | O_APPEND : 0) |
				    (strchr(mode, 'e') ? O_CLOEXEC : 0);
			int fd = do_openat(AT_FDCWD, path, flags, 0666);
			if (fd < 0)
				return NULL;
			FILE *f = shim_vfile_fdopen(fd, vpath, mode);
			if (!f)
				close(fd);
			return f;
		}
		/* A reader gets a snapshot. */
		if (vpath[0]) {
			int r = shim_vfile_open(vpath, O_RDONLY);
			if (r < 0) {
				errno = -r;
				return NULL;
			}
		}
		return real_fopen(out, mode);
	default:
		return real_fopen(path, mode);
	}
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	return do_fopen(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return do_fopen(path, mode);
}

static int do_fstat(int fd, struct stat *st)
{
	int minor;
	shim_resolve();
	if (shim_is_drm_fd(fd, &minor)) {
		shim_fake_node_stat(minor, st);
		return 0;
	}
	return real_fstat(fd, st);
}

static int do_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX];
	int minor = 0;
	shim_resolve();
	if (path && !*path && (flags & AT_EMPTY_PATH))
		return do_fstat(dirfd, st);
	switch (shim_classify(dirfd, path, out, sizeof(out), vpath, sizeof(vpath), &minor)) {
	case SHIM_PATH_NODE:
	case SHIM_PATH_REOPEN:
		shim_fake_node_stat(minor, st);
		return 0;
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return -1;
	case SHIM_PATH_TREE:
		return real_fstatat(AT_FDCWD, out, st, flags);
	default:
		return real_fstatat(dirfd, path, st, flags);
	}
}

/* On x86-64 and aarch64 struct stat and struct stat64 are the same layout. */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64 differs from stat");

EXPORT int stat(const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, 0);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	return do_fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return do_fstatat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fstat(int fd, struct stat *st)
{
	return do_fstat(fd, st);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	return do_fstat(fd, (struct stat *)st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return do_fstatat(dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return do_fstatat(dirfd, path, (struct stat *)st, flags);
}

/* Binaries built against glibc < 2.33 call the versioned forms. */
EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return do_fstatat(AT_FDCWD, path, st, 0);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	(void)ver;
	return do_fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	(void)ver;
	return do_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	(void)ver;
	return do_fstatat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int __fxstat(int ver, int fd, struct stat *st)
{
	(void)ver;
	return do_fstat(fd, st);
}

EXPORT int __fxstat64(int ver, int fd, struct stat64 *st)
{
	(void)ver;
	return do_fstat(fd, (struct stat *)st);
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	(void)ver;
	return do_fstatat(dirfd, path, st, flags);
}

EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	(void)ver;
	return do_fstatat(dirfd, path, (struct stat *)st, flags);
}

static ssize_t do_readlink(const char *path, char *buf, size_t size)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX], name[64];
	int minor = 0;
	shim_resolve();
	int kind = shim_classify(AT_FDCWD, path, out, sizeof(out), vpath, sizeof(vpath), &minor);
	if (kind == SHIM_PATH_REOPEN) {
		int n = minor == SHIM_SW_SYNC_MINOR ? snprintf(name, sizeof(name), "%s", SHIM_SW_SYNC_PATH)
			: snprintf(name, sizeof(name), minor >= 128 ? "/dev/dri/renderD%d" : "/dev/dri/card%d", minor);
		size_t len = (size_t)n < size ? (size_t)n : size; /* readlink truncates and does not terminate */
		memcpy(buf, name, len);
		return (ssize_t)len;
	}
	if (kind == SHIM_PATH_NODE) {
		errno = EINVAL; /* a device node is not a link */
		return -1;
	}
	/* /proc/self/fd/N of a tree file stays the kernel's link (to the tree file); other tree paths are rewritten. */
	return real_readlink(kind == SHIM_PATH_TREE && strncmp(path, "/proc/", 6) ? out : path, buf, size);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	return do_readlink(path, buf, size);
}

EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		abort(); /* what glibc's check does: a buffer overflow */
	return do_readlink(path, buf, size);
}

static int do_faccessat(int dirfd, const char *path, int mode, int flags)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX];
	int minor = 0;
	shim_resolve();
	switch (shim_classify(dirfd, path, out, sizeof(out), vpath, sizeof(vpath), &minor)) {
	case SHIM_PATH_NODE:
	case SHIM_PATH_REOPEN:
		return 0;
	case SHIM_PATH_MISSING:
		errno = ENOENT;
		return -1;
	case SHIM_PATH_TREE:
		return real_faccessat(AT_FDCWD, out, mode, flags);
	default:
		return real_faccessat(dirfd, path, mode, flags);
	}
}

EXPORT int access(const char *path, int mode)
{
	return do_faccessat(AT_FDCWD, path, mode, 0);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return do_faccessat(dirfd, path, mode, flags);
}

/* glibc's opendir opens the directory internally, past our open(): rewrite here. */
EXPORT DIR *opendir(const char *path)
{
	char out[PATH_MAX], vpath[SHIM_PATH_MAX];
	int minor = 0;
	shim_resolve();
	int kind = shim_classify(AT_FDCWD, path, out, sizeof(out), vpath, sizeof(vpath), &minor);
	if (kind == SHIM_PATH_NODE || kind == SHIM_PATH_REOPEN) {
		errno = ENOTDIR;
		return NULL;
	}
	if (kind == SHIM_PATH_MISSING) {
		errno = ENOENT;
		return NULL;
	}
	return (DIR *)real_opendir(kind == SHIM_PATH_TREE ? out : path);
}
