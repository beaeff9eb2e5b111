/*
 * GpuSim DRM shim: an LD_PRELOAD library that turns a process's use of /dev/dri/card0 (and the debugfs/sysfs files
 * around it) into requests to a GpuSim server (gpusim serve / gpusim igt-run). The wire format is documented in
 * docs/drm-shim.md and mirrored in src/Driver.Drm/Server/ShimProtocol.cs; keep the three in step.
 *
 * Who owns what: every uAPI rule lives in the server (C#). The shim only moves requests, fds and mappings: it never
 * decodes an ioctl's argument (the server reads and writes it with process_vm_readv/writev).
 */
#ifndef GPUSIM_DRM_SHIM_H
#define GPUSIM_DRM_SHIM_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/types.h>

#define SHIM_MAGIC 0x4d495347u /* "GSIM" little-endian */
#define SHIM_PATH_MAX 256
#define SHIM_MAX_FDS 8
#define SHIM_MAX_RUNS 1024
#define SHIM_DRM_MAJOR 226
/* The sw_sync timeline device (/sys/kernel/debug/sync/sw_sync) travels as one more "minor": each open is a new
 * timeline (a connection, as a DRM file is), its ioctls IOCTL requests. Far above DRM's minors. */
#define SHIM_SW_SYNC_MINOR 0x5357
#define SHIM_SW_SYNC_PATH "/sys/kernel/debug/sync/sw_sync"
/* The mode of every pipe the server hands out as a file (sync_file, syncobj, dma-buf), where pipe(2) makes 0600
 * (ShimProtocol.FilePipeMode): none of those files has a read method, so a read of one fails EINVAL. */
#define SHIM_FILE_PIPE_MODE 0640

/* Requests; the first message on a new connection says what the connection is (FILE or CHANNEL). */
enum shim_op {
	SHIM_OP_FILE = 1,        /* on a new connection: it is one open of the node (a drm_file); request = minor */
	SHIM_OP_CHANNEL = 2,     /* on a new connection: it is this thread's reply channel */
	SHIM_OP_IOCTL = 3,       /* on a DRM fd: request, arg; the reply comes on the channel named by token */
	SHIM_OP_MMAP = 4,        /* on a DRM fd: arg = fake offset, length; reply has the arena runs */
	SHIM_OP_SYNC_IOCTL = 5,  /* on the channel: fd = a sync_file fd of the caller, request, arg */
	SHIM_OP_VFILE_OPEN = 6,  /* on the channel: path = virtual path, request = open flags */
	SHIM_OP_VFILE_WRITE = 7, /* on the channel: path, arg = buffer address, length */
	SHIM_OP_INTERRUPT = 8,   /* on the channel, no reply: a signal interrupted request seq (signal_pending) */
	SHIM_OP_UEVENT_MONITOR = 16, /* on a new connection: it is a udev monitor (udev.c); acknowledged, then each
	                                uevent arrives as one message in the kernel's netlink format */
};

#define SHIM_ERESTARTSYS 512 /* the kernel's -ERESTARTSYS: the caller sees EINTR (the shim interrupts only for a
				handler without SA_RESTART, whose recvmsg returned EINTR) */

struct shim_request {
	uint32_t magic;
	uint32_t op;
	int32_t pid;
	int32_t tid;
	uint64_t token;   /* the caller thread's channel (from its CHANNEL reply) */
	uint32_t request; /* ioctl request, minor (FILE) or open flags (VFILE_OPEN) */
	int32_t fd;       /* the caller's fd number (SYNC_IOCTL) */
	uint64_t arg;     /* ioctl argument / mmap offset / write buffer, an address in the caller */
	uint64_t length;  /* mmap or write length */
	uint64_t seq;     /* the calling thread's request number (> 0); INTERRUPT names the one a signal interrupted */
	char path[SHIM_PATH_MAX];
};

struct shim_run {
	uint64_t offset; /* in the arena memfd */
	uint64_t length;
};

struct shim_reply {
	int32_t status; /* >= 0 result, < 0 negative errno */
	int32_t server_pid;
	uint32_t nfds;  /* SCM_RIGHTS fds that came with it: FILE: the arena (if any); else new sync_files */
	uint32_t nruns;
	uint64_t token; /* CHANNEL: this channel's token */
	uint64_t patch[SHIM_MAX_FDS]; /* where fd i's number goes in the caller's memory (0: nowhere) */
	char root[SHIM_PATH_MAX];     /* CHANNEL: the server's virtual file tree */
	struct shim_run runs[];       /* MMAP */
};

/* proto.c: the connection to the server */
int shim_enabled(void);
const char *shim_root(void);       /* the virtual tree, or NULL when no server answers (connects) */
const char *shim_root_known(void); /* the same, without connecting: NULL until a channel has been made */
int shim_open_file(int minor, int flags);
int shim_is_drm_fd(int fd, int *minor);
/* One round trip: the request goes on fd (a DRM fd) or, with fd < 0, on the thread's channel; the reply always comes
 * on the channel. fds[] gets the SCM_RIGHTS fds (reply->nfds of them). Returns reply->status, or -errno when the
 * server cannot be reached. */
long shim_call(int fd, struct shim_request *req, struct shim_reply *reply, size_t reply_size, int *fds);
/* Writes each received fd's number where the server asked (sync_file out-fences). */
void shim_patch_fds(const struct shim_reply *reply, const int *fds);
int shim_arena_fd(void);
void shim_set_arena_fd(int fd);

/* real.c: the next definitions of what we interpose */
extern int (*real_open)(const char *, int, ...);
extern int (*real_openat)(int, const char *, int, ...);
extern FILE *(*real_fopen)(const char *, const char *);
extern int (*real_fstat)(int, struct stat *);
extern int (*real_fstatat)(int, const char *, struct stat *, int);
extern ssize_t (*real_readlink)(const char *, char *, size_t);
extern int (*real_ioctl)(int, unsigned long, ...);
extern void *(*real_mmap)(void *, size_t, int, int, int, off_t);
extern int (*real_munmap)(void *, size_t);
extern ssize_t (*real_read)(int, void *, size_t);
extern ssize_t (*real_readv)(int, const struct iovec *, int);
extern ssize_t (*real_write)(int, const void *, size_t);
extern ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
extern ssize_t (*real_writev)(int, const struct iovec *, int);
extern FILE *(*real_fdopen)(int, const char *);
extern int (*real_access)(const char *, int);
extern int (*real_faccessat)(int, const char *, int, int);
extern void *(*real_opendir)(const char *);
extern int (*real_shutdown)(int, int);
extern void *(*real_mremap)(void *, size_t, size_t, int, ...);
void shim_resolve(void);

/* paths.c: what a path means */
enum shim_path_kind {
	SHIM_PATH_PLAIN = 0,   /* not ours */
	SHIM_PATH_NODE = 1,    /* a device node we serve; *minor set */
	SHIM_PATH_MISSING = 2, /* a device node we do not serve: ENOENT */
	SHIM_PATH_TREE = 3,    /* rewritten into the server's tree; out is the real path, vpath the virtual one ("" if
	                          not a driver file) */
	SHIM_PATH_REOPEN = 4,  /* /proc/self/fd/N of a DRM fd; *minor set */
};
int shim_classify(int dirfd, const char *path, char *out, size_t outlen, char *vpath, size_t vlen, int *minor);
void shim_fake_node_stat(int minor, struct stat *st);
int shim_vfile_open(const char *vpath, int flags);
void shim_vfile_remember(int fd, const char *vpath);
/* One write() of a driver file as a server call: bytes written or -errno. */
long shim_vfile_write(const char *vpath, const void *buf, size_t count);
/* A FILE on fd whose writes are server calls (glibc's own write() is past our interposers). */
FILE *shim_vfile_fdopen(int fd, const char *vpath, const char *mode);
int shim_vfile_lookup(int fd, char *vpath, size_t vlen);

#endif
