/* What a path means under the shim: a device node, a /proc/self/fd re-open, or a file of the server's tree. */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <string.h>
#include <unistd.h>

/* Real paths IGT uses, and where they live in the server's tree (docs/drm-shim.md has the layout). */
static const struct {
	const char *from;
	const char *to;
} s_rewrites[] = {
	{ "/sys/kernel/debug", "/debug" },
	{ "/sys/kernel/tracing", "/tracing" },
	{ "/sys/class/drm/card0", "/sysfs" },
	{ "/sys/class/drm/renderD128", "/sysfs" },
	{ "/sys/dev/char/226:0", "/sysfs" },
	{ "/sys/dev/char/226:128", "/sysfs" },
	{ "/sys/module/i915/parameters", "/module" },
	{ "/dev/kmsg", "/kmsg" },
};

/* Tree directories whose files are the driver's virtual files, and the driver's name for each root. */
static const struct {
	const char *dir;
	const char *vroot;
} s_vroots[] = {
	{ "/debug/dri/0/", "debugfs/" },
	{ "/sysfs/", "sysfs/" },
	{ "/module/", "module/" },
};

/* path == prefix, or prefix followed by '/': the rest after it. */
static const char *after_prefix(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(path, prefix, n) || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

/* /proc/self/fd/N or /proc/<our pid>/fd/N: N, else -1. */
static int proc_fd(const char *path)
{
	const char *rest = NULL;
	char self[32];
	snprintf(self, sizeof(self), "/proc/%d/fd/", (int)getpid());
	if (!strncmp(path, "/proc/self/fd/", 14))
		rest = path + 14;
	else if (!strncmp(path, self, strlen(self)))
		rest = path + strlen(self);
	if (!rest || !*rest)
		return -1;
	char *end;
	long n = strtol(rest, &end, 10);
	return *end || n < 0 || n > INT_MAX ? -1 : (int)n;
}

static int node_minor(const char *path)
{
	char *end;
	long n;
	if (!strncmp(path, "/dev/dri/card", 13)) {
		n = strtol(path + 13, &end, 10);
		return end != path + 13 && !*end ? (int)n : -2;
	}
	if (!strncmp(path, "/dev/dri/renderD", 16)) {
		n = strtol(path + 16, &end, 10);
		return end != path + 16 && !*end ? (int)n : -2;
	}
	return -1;
}

static void vpath_of(const char *root, const char *real, char *vpath, size_t vlen)
{
	vpath[0] = 0;
	const char *rel = after_prefix(real, root);
	if (!rel)
		return;
	if (!strcmp(rel, "/kmsg")) {
		/* IGT's "[IGT] starting subtest" markers go to the server's log, between the device's own lines. */
		snprintf(vpath, vlen, "kmsg");
		return;
	}
	for (size_t i = 0; i < sizeof(s_vroots) / sizeof(s_vroots[0]); i++) {
		size_t n = strlen(s_vroots[i].dir);
		if (!strncmp(rel, s_vroots[i].dir, n) && rel[n]) {
			snprintf(vpath, vlen, "%s%s", s_vroots[i].vroot, rel + n);
			return;
		}
	}
}

int shim_classify(int dirfd, const char *path, char *out, size_t outlen, char *vpath, size_t vlen, int *minor)
{
	vpath[0] = 0;
	if (!shim_enabled() || !path || !*path)
		return SHIM_PATH_PLAIN;
	if (path[0] == '/') {
		int m = node_minor(path);
		if (m >= 0) {
			*minor = m;
			/* card0 and renderD128 (i915), card1 (vgem): the server answers ENOENT at open for one it lacks. */
			return m == 0 || m == 1 || m == 128 ? SHIM_PATH_NODE : SHIM_PATH_MISSING;
		}
		if (m == -2)
			return SHIM_PATH_PLAIN;
		int fd = proc_fd(path);
		if (fd >= 0) {
			if (shim_is_drm_fd(fd, minor))
				return SHIM_PATH_REOPEN;
			/* A re-open of a tree file by its fd (IGT's __open_attr reopens an attribute O_RDWR this way): the
			 * same file, so the same driver file. */
			const char *root = shim_root_known();
			char link[64];
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			ssize_t n = root ? real_readlink(link, out, outlen - 1) : -1;
			if (n <= 0)
				return SHIM_PATH_PLAIN;
			out[n] = 0;
			if (!after_prefix(out, root))
				return SHIM_PATH_PLAIN;
			vpath_of(root, out, vpath, vlen);
			return SHIM_PATH_TREE;
		}
		if (!strcmp(path, SHIM_SW_SYNC_PATH)) {
			*minor = SHIM_SW_SYNC_MINOR;
			return SHIM_PATH_NODE;
		}
		/* igt_is_mountpoint compares "debug/." with "debug/..": the parent stays the real /sys/kernel. */
		if (!strcmp(path, "/sys/kernel/debug/.."))
			return SHIM_PATH_PLAIN;
		for (size_t i = 0; i < sizeof(s_rewrites) / sizeof(s_rewrites[0]); i++) {
			const char *rest = after_prefix(path, s_rewrites[i].from);
			if (!rest)
				continue;
			const char *root = shim_root();
			if (!root)
				return SHIM_PATH_PLAIN;
			snprintf(out, outlen, "%s%s%s", root, s_rewrites[i].to, rest);
			vpath_of(root, out, vpath, vlen);
			return SHIM_PATH_TREE;
		}
		return SHIM_PATH_PLAIN;
	}
	/* Relative: ours only when the directory is in the tree (IGT opens sysfs/debugfs files relative to dir fds). */
	const char *root = shim_root_known();
	if (!root)
		return SHIM_PATH_PLAIN;
	char link[64], dir[PATH_MAX];
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/self/cwd");
	else
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	ssize_t n = real_readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0)
		return SHIM_PATH_PLAIN;
	dir[n] = 0;
	if (!after_prefix(dir, root))
		return SHIM_PATH_PLAIN;
	snprintf(out, outlen, "%s/%s", dir, path);
	vpath_of(root, out, vpath, vlen);
	return SHIM_PATH_TREE;
}

void shim_fake_node_stat(int minor, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0666;
	st->st_rdev = makedev(SHIM_DRM_MAJOR, minor);
	if (minor == SHIM_SW_SYNC_MINOR) {
		st->st_mode = S_IFREG | 0600; /* a debugfs file, not a device node */
		st->st_rdev = 0;
	}
	st->st_dev = makedev(0, 5); /* devtmpfs-like, the same for every node */
	st->st_ino = 0x47530000u + (unsigned)minor; /* stable: the same file for every open and stat */
	st->st_nlink = 1;
	st->st_blksize = 4096;
}

int shim_vfile_open(const char *vpath, int flags)
{
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	req.op = SHIM_OP_VFILE_OPEN;
	req.request = (uint32_t)flags;
	snprintf(req.path, sizeof(req.path), "%s", vpath);
	return (int)shim_call(-1, &req, &reply, sizeof(reply), fds);
}

long shim_vfile_write(const char *vpath, const void *buf, size_t count)
{
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	req.op = SHIM_OP_VFILE_WRITE;
	req.arg = (uint64_t)(uintptr_t)buf;
	req.length = count;
	snprintf(req.path, sizeof(req.path), "%s", vpath);
	return shim_call(-1, &req, &reply, sizeof(reply), fds);
}

/* Files opened for writing, by inode (dup and fork keep the inode), so each write() becomes a server call. */
#define SHIM_MAX_VFILES 256
static struct {
	dev_t dev;
	ino_t ino;
	char vpath[SHIM_PATH_MAX];
} s_vfiles[SHIM_MAX_VFILES];
static volatile int s_nvfiles;
static unsigned s_vnext; /* when full, the oldest entry goes */
static pthread_mutex_t s_vlock = PTHREAD_MUTEX_INITIALIZER;

void shim_vfile_remember(int fd, const char *vpath)
{
	struct stat st;
	if (real_fstat(fd, &st) < 0)
		return;
	pthread_mutex_lock(&s_vlock);
	int i;
	for (i = 0; i < s_nvfiles; i++) {
		if (s_vfiles[i].dev == st.st_dev && s_vfiles[i].ino == st.st_ino)
			break;
	}
	if (i == SHIM_MAX_VFILES)
		i = (int)(s_vnext++ % SHIM_MAX_VFILES);
	{
		s_vfiles[i].dev = st.st_dev;
		s_vfiles[i].ino = st.st_ino;
		snprintf(s_vfiles[i].vpath, sizeof(s_vfiles[i].vpath), "%s", vpath);
		if (i == s_nvfiles)
			s_nvfiles = i + 1;
	}
	pthread_mutex_unlock(&s_vlock);
}

int shim_vfile_lookup(int fd, char *vpath, size_t vlen)
{
	struct stat st;
	if (!s_nvfiles || real_fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	int found = 0;
	pthread_mutex_lock(&s_vlock);
	for (int i = 0; i < s_nvfiles && !found; i++) {
		if (s_vfiles[i].dev == st.st_dev && s_vfiles[i].ino == st.st_ino) {
			snprintf(vpath, vlen, "%s", s_vfiles[i].vpath);
			found = 1;
		}
	}
	pthread_mutex_unlock(&s_vlock);
	return found;
}
