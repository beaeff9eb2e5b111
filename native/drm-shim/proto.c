/* The connection to the server: DRM files (one socket per open), per-thread reply channels, fd passing. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define SHIM_NAME_PREFIX "gpusim-drm:"

static const char *s_socket_path;
static int s_socket_checked;
static char s_root[SHIM_PATH_MAX];
static volatile int s_root_known;
static int s_arena_fd = -1;
static pid_t s_ptracer_for; /* the process that has already named the server its ptracer */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned s_counter;

/* The calling thread's reply channel; a fork child inherits the forking thread's, so it is valid only for t_pid. */
static __thread int t_fd = -1;
static __thread pid_t t_pid;
static __thread uint64_t t_token;
static __thread uint64_t t_seq; /* the thread's last request number */
static __thread int t_calls;     /* shim_calls this thread is in: more than one when a signal handler's call nests */

static pthread_key_t s_channel_key;
static pthread_once_t s_channel_once = PTHREAD_ONCE_INIT;

/* Every thread's channel in this process. fork copies the fd table but only the calling thread (copy_process), so
 * a child would hold the other threads' channels, which nothing in it names, until it exits: fds leaked into it, and
 * the server's end of each stays open (no EOF) as long as the child lives, past the owning thread's exit. The child
 * handler closes them all; the child's first call opens its own. */
static int *s_channels;
static size_t s_nchannels, s_channels_cap;
static pthread_mutex_t s_channels_lock = PTHREAD_MUTEX_INITIALIZER;

static void channels_add(int fd)
{
	pthread_mutex_lock(&s_channels_lock);
	if (s_nchannels == s_channels_cap) {
		size_t cap = s_channels_cap ? 2 * s_channels_cap : 16;
		int *grown = realloc(s_channels, cap * sizeof(*grown));
		if (grown) {
			s_channels = grown;
			s_channels_cap = cap;
		}
	}
	if (s_nchannels < s_channels_cap) /* else untracked: a child keeps this one, as before */
		s_channels[s_nchannels++] = fd;
	pthread_mutex_unlock(&s_channels_lock);
}

static void channels_remove(int fd)
{
	pthread_mutex_lock(&s_channels_lock);
	for (size_t i = 0; i < s_nchannels; i++) {
		if (s_channels[i] == fd) {
			s_channels[i] = s_channels[--s_nchannels];
			break;
		}
	}
	pthread_mutex_unlock(&s_channels_lock);
}

/* Whether fd is still a channel to the server (the program may have closed it and reused the number). */
static int is_channel(int fd)
{
	struct sockaddr_un peer;
	socklen_t len = sizeof(peer);
	int type;
	socklen_t tlen = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) < 0 || type != SOCK_SEQPACKET ||
	    getpeername(fd, (struct sockaddr *)&peer, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	size_t n = len - offsetof(struct sockaddr_un, sun_path);
	return s_socket_path && strnlen(peer.sun_path, n) == strlen(s_socket_path) &&
	       !memcmp(peer.sun_path, s_socket_path, strlen(s_socket_path)) && !shim_is_drm_fd(fd, NULL);
}

/* fork: the list is held across it so the child finds it whole. In the child (one thread, the forking one) every
 * channel is its parent's: closed, and the forking thread's channel forgotten, so its next call connects afresh. */
static void channels_fork_prepare(void)
{
	pthread_mutex_lock(&s_channels_lock);
}

static void channels_fork_parent(void)
{
	pthread_mutex_unlock(&s_channels_lock);
}

static void channels_fork_child(void)
{
	for (size_t i = 0; i < s_nchannels; i++) {
		if (is_channel(s_channels[i]))
			close(s_channels[i]);
	}
	s_nchannels = 0;
	t_fd = -1;
	pthread_mutex_unlock(&s_channels_lock);
}

__attribute__((constructor)) static void register_channel_fork_handlers(void)
{
	pthread_atfork(channels_fork_prepare, channels_fork_parent, channels_fork_child);
}

/* A thread's exit (pthread key destructor): its channel goes with it, as the thread holds nothing of the kernel's once
 * gone, so the server sees EOF and its worker ends. A fork child's inherited copy goes the same way. */
static void channel_exit(void *unused)
{
	(void)unused;
	if (t_fd >= 0 && t_pid == getpid()) {
		channels_remove(t_fd);
		if (is_channel(t_fd))
			close(t_fd);
	}
	t_fd = -1;
}

static void channel_key_create(void)
{
	pthread_key_create(&s_channel_key, channel_exit);
}

int shim_enabled(void)
{
	if (!s_socket_checked) {
		const char *p = getenv("GPUSIM_DRM_SOCKET");
		s_socket_path = p && *p ? p : NULL;
		s_socket_checked = 1;
	}
	return s_socket_path != NULL;
}

int shim_arena_fd(void)
{
	return s_arena_fd;
}

void shim_set_arena_fd(int fd)
{
	pthread_mutex_lock(&s_lock);
	if (s_arena_fd < 0) {
		s_arena_fd = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&s_lock);
	if (fd >= 0)
		close(fd);
}

static int connect_server(int sock)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(s_socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, s_socket_path);
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static int send_request(int fd, const struct shim_request *req)
{
	for (;;) {
		ssize_t n = send(fd, req, sizeof(*req), MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof(*req))
			return 0;
		if (n < 0 && errno == EINTR)
			continue; /* the server has not seen it: send again */
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A DRM fd with O_NONBLOCK (its status flag, as the kernel's file has it) and the server's queue full:
			 * the request still goes, as an ioctl does not fail for the file's O_NONBLOCK. */
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, -1) < 0 && errno != EINTR)
				return -errno;
			continue;
		}
		return n < 0 ? -errno : -EIO;
	}
}

/* Receives one reply; fds (at most SHIM_MAX_FDS) come with it by SCM_RIGHTS. A signal whose handler ran while we
 * waited (recvmsg fails EINTR only for a handler without SA_RESTART; with it the kernel restarts recvmsg, as it would
 * restart the ioctl) is passed on once as INTERRUPT of request seq (0: none to interrupt): the server's interruptible
 * waits in that request end, as signal_pending ends them in the kernel, and the reply still comes. */
static int recv_reply_seq(int fd, struct shim_reply *reply, size_t size, int *fds, uint64_t seq)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SHIM_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = reply, .iov_len = size };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	unsigned got = 0;

	int interrupted = 0;
	for (;;) {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n >= 0 || errno != EINTR)
			break;
		if (seq && !interrupted) {
			struct shim_request irq = { 0 };
			irq.magic = SHIM_MAGIC;
			irq.op = SHIM_OP_INTERRUPT;
			irq.pid = getpid();
			irq.tid = gettid();
			irq.token = t_token;
			irq.seq = seq;
			int saved = errno;
			interrupted = send_request(fd, &irq) == 0;
			errno = saved;
		}
		/* the request is in flight: its reply comes whatever happens */
	}
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODEV; /* EOF: the server went away */
	if (n < (ssize_t)sizeof(struct shim_reply))
		return -EIO;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (unsigned i = 0; i < count && got < SHIM_MAX_FDS; i++)
			memcpy(&fds[got++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	for (unsigned i = got; i < SHIM_MAX_FDS; i++)
		fds[i] = -1;
	if (reply->nfds > got)
		reply->nfds = got;
	return 0;
}

static int recv_reply(int fd, struct shim_reply *reply, size_t size, int *fds)
{
	return recv_reply_seq(fd, reply, size, fds, 0);
}

static void fill(struct shim_request *req, uint32_t op)
{
	req->magic = SHIM_MAGIC;
	req->op = op;
	req->pid = getpid();
	req->tid = gettid();
}

/* A new channel: connected and greeted; its token in *token, the server's answer in *reply. Returns the fd or -errno. */
static int open_channel(uint64_t *token, struct shim_reply *reply)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect_server(fd) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct shim_request req = { 0 };
	int fds[SHIM_MAX_FDS];
	fill(&req, SHIM_OP_CHANNEL);
	int err = send_request(fd, &req);
	if (!err)
		err = recv_reply(fd, reply, sizeof(*reply), fds);
	if (!err && reply->status < 0)
		err = reply->status;
	if (err) {
		close(fd);
		return err;
	}
	*token = reply->token;
	return fd;
}

/* The calling thread's channel, connected on first use (and again in a fork child). */
static int channel(uint64_t *token)
{
	pid_t pid = getpid();
	if (t_fd >= 0 && t_pid == pid) {
		*token = t_token;
		return t_fd;
	}
	if (t_fd >= 0 && is_channel(t_fd))
		close(t_fd); /* the parent's thread's channel, inherited by a fork the handler did not see: ours is our own */
	t_fd = -1;
	if (!shim_enabled())
		return -ENODEV;
	struct shim_reply reply;
	int fd = open_channel(token, &reply);
	if (fd < 0)
		return fd;
	if (!s_root_known) {
		pthread_mutex_lock(&s_lock);
		memcpy(s_root, reply.root, sizeof(s_root));
		s_root[sizeof(s_root) - 1] = 0;
		s_root_known = 1;
		pthread_mutex_unlock(&s_lock);
	}
	if (s_ptracer_for != pid) {
		/* Yama ptrace_scope=1: let the server's process_vm_readv/writev reach us (EINVAL without Yama). */
		prctl(PR_SET_PTRACER, (unsigned long)reply.server_pid, 0, 0, 0);
		s_ptracer_for = pid;
	}
	t_fd = fd;
	t_pid = pid;
	t_token = reply.token;
	channels_add(fd);
	pthread_once(&s_channel_once, channel_key_create);
	pthread_setspecific(s_channel_key, (void *)1); /* non-NULL: channel_exit runs at the thread's exit */
	*token = t_token;
	return fd;
}

const char *shim_root(void)
{
	uint64_t token;
	if (!s_root_known && channel(&token) < 0)
		return NULL;
	return s_root_known && s_root[0] ? s_root : NULL;
}

/* Whether a transport error means the server is gone (its socket removed, refusing, or the connection ended): then the
 * caller gets ENODEV, what drm_ioctl and drm_gem_mmap answer for an unplugged device (drm_dev_is_unplugged), never
 * EIO, which IGT reads from i915 as a wedged GPU. */
static int server_gone(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED || err == -ECONNRESET || err == -ENOTCONN || err == -EPIPE ||
	       err == -ENODEV;
}

long shim_call(int fd, struct shim_request *req, struct shim_reply *reply, size_t reply_size, int *fds)
{
	uint64_t token;
	/* A call made while this thread already waits in one is a signal handler's (IGT's exit handlers run inside
	 * fatal_sig_handler, on whatever thread the signal caught). The server answers a channel's requests in order, so
	 * on the thread's channel it would wait behind the call it interrupted and take that one's reply: it goes on a
	 * channel of its own for the one call, as the kernel runs a handler's syscall whatever the task was doing. */
	int nested = t_calls > 0 && t_fd >= 0 && t_pid == getpid();
	struct shim_reply hello;
	int ch = nested ? open_channel(&token, &hello) : channel(&token);
	if (ch < 0)
		return server_gone(ch) ? -ENODEV : ch;
	uint32_t op = req->op;
	fill(req, op);
	req->token = token;
	req->seq = ++t_seq;
	t_calls++;
	int err = send_request(fd >= 0 ? fd : ch, req);
	if (!err)
		err = recv_reply_seq(ch, reply, reply_size, fds, req->seq);
	t_calls--;
	if (nested) {
		close(ch);
	} else if (err && (fd < 0 || err != -EBADF)) {
		channels_remove(ch);
		close(ch); /* a broken channel: the next call connects afresh */
		t_fd = -1;
	}
	if (err)
		return server_gone(err) ? -ENODEV : err;
	return reply->status == -SHIM_ERESTARTSYS ? -EINTR : reply->status;
}

void shim_patch_fds(const struct shim_reply *reply, const int *fds)
{
	for (uint32_t i = 0; i < reply->nfds; i++) {
		if (reply->patch[i]) {
			int32_t v = fds[i];
			memcpy((void *)(uintptr_t)reply->patch[i], &v, sizeof(v));
		}
	}
}

int shim_open_file(int minor, int flags)
{
	if (!shim_enabled()) {
		errno = ENOENT;
		return -1;
	}
	/* drm_open_helper refuses exclusive opens of a DRM node: -EBUSY, before any file exists. */
	if (flags & O_EXCL) {
		errno = EBUSY;
		return -1;
	}
	int sock = socket(AF_UNIX, SOCK_SEQPACKET | ((flags & O_CLOEXEC) ? SOCK_CLOEXEC : 0), 0);
	if (sock < 0)
		return -1;
	/* The socket's own abstract name marks it as a DRM fd of the given minor, for fstat and every later call, in
	 * whatever process holds a copy (dup, fork, SCM_RIGHTS). */
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pthread_mutex_lock(&s_lock);
	unsigned n = ++s_counter;
	pthread_mutex_unlock(&s_lock);
	int len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, SHIM_NAME_PREFIX "%d:%d:%u:%lx", minor,
			   (int)getpid(), n, (unsigned long)ts.tv_nsec);
	struct shim_request req = { 0 };
	struct shim_reply reply;
	int fds[SHIM_MAX_FDS];
	int err = 0;
	if (bind(sock, (struct sockaddr *)&addr, offsetof(struct sockaddr_un, sun_path) + 1 + len) < 0 ||
	    connect_server(sock) < 0)
		err = -errno;
	fill(&req, SHIM_OP_FILE);
	req.request = (uint32_t)minor;
	if (!err)
		err = send_request(sock, &req);
	if (!err)
		err = recv_reply(sock, &reply, sizeof(reply), fds); /* only the opener holds it yet: no race */
	if (!err && reply.status < 0)
		err = reply.status;
	if (err) {
		close(sock);
		errno = -err;
		return -1;
	}
	for (uint32_t i = 0; i < reply.nfds; i++)
		shim_set_arena_fd(fds[i]);
	/* O_NONBLOCK is the file's status flag (F_GETFL shows it, F_SETFL changes it for every copy): drm_read of a
	 * non-blocking file with no event fails -EAGAIN at once, which the socket's read does with nothing to receive
	 * (the server sends nothing on it after the open's answer, as no vblank or flip event ever comes). Set after that
	 * answer, which is read here. */
	if ((flags & O_NONBLOCK) && fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) < 0) {
		int err = errno;
		close(sock);
		errno = err;
		return -1;
	}
	/* A channel now, so that the server's pid is our ptracer before the first ioctl. */
	uint64_t token;
	channel(&token);
	return sock;
}

int shim_is_drm_fd(int fd, int *minor)
{
	struct stat st;
	if (fd < 0 || !shim_enabled() || real_fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return 0;
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path) + 1 ||
	    addr.sun_path[0] != 0)
		return 0;
	size_t plen = strlen(SHIM_NAME_PREFIX);
	if (len < offsetof(struct sockaddr_un, sun_path) + 1 + plen || memcmp(addr.sun_path + 1, SHIM_NAME_PREFIX, plen))
		return 0;
	if (minor)
		*minor = atoi(addr.sun_path + 1 + plen);
	return 1;
}

const char *shim_root_known(void)
{
	return s_root_known && s_root[0] ? s_root : NULL;
}
