/* The definitions our interposers forward to (RTLD_NEXT), resolved once. */
#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>

int (*real_open)(const char *, int, ...);
int (*real_openat)(int, const char *, int, ...);
FILE *(*real_fopen)(const char *, const char *);
int (*real_fstat)(int, struct stat *);
int (*real_fstatat)(int, const char *, struct stat *, int);
ssize_t (*real_readlink)(const char *, char *, size_t);
int (*real_ioctl)(int, unsigned long, ...);
void *(*real_mmap)(void *, size_t, int, int, int, off_t);
int (*real_munmap)(void *, size_t);
ssize_t (*real_read)(int, void *, size_t);
ssize_t (*real_readv)(int, const struct iovec *, int);
ssize_t (*real_write)(int, const void *, size_t);
ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
ssize_t (*real_writev)(int, const struct iovec *, int);
FILE *(*real_fdopen)(int, const char *);
int (*real_access)(const char *, int);
int (*real_faccessat)(int, const char *, int, int);
void *(*real_opendir)(const char *);
int (*real_shutdown)(int, int);
void *(*real_mremap)(void *, size_t, size_t, int, ...);

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define RESOLVE(var, name) (*(void **)&(var) = dlsym(RTLD_NEXT, name))

static void resolve_once(void)
{
	RESOLVE(real_open, "open");
	RESOLVE(real_openat, "openat");
	RESOLVE(real_fopen, "fopen");
	RESOLVE(real_fstat, "fstat");
	RESOLVE(real_fstatat, "fstatat");
	RESOLVE(real_readlink, "readlink");
	RESOLVE(real_ioctl, "ioctl");
	RESOLVE(real_mmap, "mmap");
	RESOLVE(real_munmap, "munmap");
	RESOLVE(real_read, "read");
	RESOLVE(real_readv, "readv");
	RESOLVE(real_write, "write");
	RESOLVE(real_pwrite, "pwrite");
	RESOLVE(real_writev, "writev");
	RESOLVE(real_fdopen, "fdopen");
	RESOLVE(real_access, "access");
	RESOLVE(real_faccessat, "faccessat");
	RESOLVE(real_opendir, "opendir");
	RESOLVE(real_shutdown, "shutdown");
	RESOLVE(real_mremap, "mremap");
}

void shim_resolve(void)
{
	pthread_once(&s_once, resolve_once);
}
