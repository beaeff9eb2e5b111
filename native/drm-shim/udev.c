/*
 * udev monitors of the simulated device (docs/drm-shim.md, "uevents").
 *
 * IGT learns of GPU hangs from i915's KOBJ_CHANGE uevents (ERROR=1 from intel_gt_reset_global), read through a
 * libudev monitor (udev_monitor_new_from_netlink(udev, "kernel"), filtered on subsystem "drm"). No kernel sends those
 * here, so the monitor itself is ours: with a server configured, udev_monitor_new_from_netlink returns a monitor
 * whose fd is a connection to the server (op UEVENT_MONITOR), on which each uevent the device raises arrives as one
 * message in the kernel's own netlink format ("change@DEVPATH\0ACTION=change\0...\0SEQNUM=n\0"), and
 * udev_monitor_receive_device turns a message into a device object that answers the udev_device_* getters.
 *
 * Why the libudev API and not the netlink socket: libudev's receive path checks the sender's credentials and netlink
 * address (a kernel message comes from port 0, with SCM_CREDENTIALS of uid 0) and attaches a BPF filter; faking those
 * on a unix socket means interposing socket/bind/setsockopt/recvmsg and matching one systemd version's checks. The
 * public libudev API (a stable ABI since 2012) is what IGT calls, through libigt's PLT, so LD_PRELOAD reaches it.
 *
 * Our objects start with a 64-bit magic that no real libudev object can start with (their first field is a pointer,
 * and the magic is not a canonical address); every interposer forwards the others to the real libudev (RTLD_NEXT).
 * The shim knows no uAPI here either: the server decides what a uevent says; this file only parses KEY=VALUE lists.
 */
#include "shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

struct udev;
struct udev_monitor;
struct udev_device;
struct udev_list_entry;

#define MON_MAGIC 0xfff3d0e7a0a1c001ull /* not a canonical user address */
#define DEV_MAGIC 0xfff3d0e7a0a1c002ull
#define UEVENT_BUFFER_SIZE 2048 /* the kernel's limit on one uevent */
#define MAX_FILTERS 8
#define MAX_PROPS 64
#define NAME_MAX_LEN 64

struct fake_filter {
	char subsystem[NAME_MAX_LEN];
	char devtype[NAME_MAX_LEN];
	int any_devtype;
};

struct fake_monitor {
	uint64_t magic;
	int refs;
	struct udev *udev;
	int fd;
	int enabled;
	int nfilters;
	int ntags; /* tag filters: our devices carry no tags, so any tag filter matches nothing */
	struct fake_filter filters[MAX_FILTERS];
};

struct fake_device {
	uint64_t magic;
	int refs;
	struct udev *udev;
	int nprops;
	const char *keys[MAX_PROPS];
	const char *values[MAX_PROPS];
	char syspath[UEVENT_BUFFER_SIZE + 8];
	char devnode[UEVENT_BUFFER_SIZE + 8];
	char sysnum[NAME_MAX_LEN];
	const char *sysname;
	char buf[UEVENT_BUFFER_SIZE + 1];
};

static int is_mon(const void *p)
{
	return p && *(const uint64_t *)p == MON_MAGIC;
}

static int is_dev(const void *p)
{
	return p && *(const uint64_t *)p == DEV_MAGIC;
}

/* The real libudev's definition of name, or NULL when libudev is not loaded (then no real object exists either). */
static void *next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* Forwards a call on a real object; the result type's zero when libudev is missing. */
#define FORWARD(ret, name, proto, args)                         \
	do {                                                    \
		ret(*fn) proto;                                 \
		*(void **)&fn = next(name);                     \
		if (!fn) {                                      \
			errno = ENOSYS;                         \
			return (ret)0;                          \
		}                                               \
		return fn args;                                 \
	} while (0)

/* ---- monitors ---------------------------------------------------------------------------------------------------- */

struct udev_monitor *udev_monitor_new_from_netlink(struct udev *udev, const char *name)
{
	const char *path = getenv("GPUSIM_DRM_SOCKET");
	if (!path || !*path || !name || (strcmp(name, "kernel") && strcmp(name, "udev")))
		FORWARD(struct udev_monitor *, "udev_monitor_new_from_netlink", (struct udev *, const char *),
			(udev, name));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(addr.sun_path, path);
	struct fake_monitor *mon = calloc(1, sizeof(*mon));
	if (!mon)
		return NULL;
	mon->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (mon->fd < 0) {
		free(mon);
		return NULL;
	}
	int r;
	while ((r = connect(mon->fd, (struct sockaddr *)&addr, sizeof(addr))) < 0 && errno == EINTR)
		;
	if (r < 0) {
		int err = errno;
		close(mon->fd);
		free(mon);
		errno = err;
		return NULL;
	}
	mon->magic = MON_MAGIC;
	mon->refs = 1;
	mon->udev = udev;
	return (struct udev_monitor *)mon;
}

struct udev_monitor *udev_monitor_ref(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(struct udev_monitor *, "udev_monitor_ref", (struct udev_monitor *), (m));
	__atomic_add_fetch(&((struct fake_monitor *)m)->refs, 1, __ATOMIC_RELAXED);
	return m;
}

struct udev_monitor *udev_monitor_unref(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(struct udev_monitor *, "udev_monitor_unref", (struct udev_monitor *), (m));
	struct fake_monitor *mon = (struct fake_monitor *)m;
	if (__atomic_sub_fetch(&mon->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		close(mon->fd); /* the server sees EOF and forgets the monitor */
		mon->magic = 0;
		free(mon);
	}
	return NULL;
}

struct udev *udev_monitor_get_udev(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(struct udev *, "udev_monitor_get_udev", (struct udev_monitor *), (m));
	return ((struct fake_monitor *)m)->udev;
}

/* Registers with the server and waits for its acknowledgement: a uevent raised once this returns is delivered. */
int udev_monitor_enable_receiving(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_enable_receiving", (struct udev_monitor *), (m));
	struct fake_monitor *mon = (struct fake_monitor *)m;
	if (mon->enabled)
		return 0;
	struct shim_request req = { .magic = SHIM_MAGIC, .op = SHIM_OP_UEVENT_MONITOR };
	req.pid = getpid();
	req.tid = gettid();
	ssize_t n;
	while ((n = send(mon->fd, &req, sizeof(req), MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(req))
		return n < 0 ? -errno : -EIO;
	struct shim_reply reply;
	while ((n = recv(mon->fd, &reply, sizeof(reply), 0)) < 0 && errno == EINTR)
		;
	if (n < (ssize_t)sizeof(reply))
		return n < 0 ? -errno : -EIO;
	if (reply.status < 0)
		return reply.status;
	mon->enabled = 1;
	return 0;
}

int udev_monitor_set_receive_buffer_size(struct udev_monitor *m, int size)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_set_receive_buffer_size", (struct udev_monitor *, int), (m, size));
	return 0; /* the server never blocks on a monitor: a full one misses uevents, as a netlink socket does */
}

int udev_monitor_get_fd(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_get_fd", (struct udev_monitor *), (m));
	return ((struct fake_monitor *)m)->fd;
}

int udev_monitor_filter_add_match_subsystem_devtype(struct udev_monitor *m, const char *subsystem,
						    const char *devtype)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_filter_add_match_subsystem_devtype",
			(struct udev_monitor *, const char *, const char *), (m, subsystem, devtype));
	struct fake_monitor *mon = (struct fake_monitor *)m;
	if (!subsystem)
		return -EINVAL;
	if (mon->nfilters == MAX_FILTERS || strlen(subsystem) >= NAME_MAX_LEN ||
	    (devtype && strlen(devtype) >= NAME_MAX_LEN))
		return -ENOMEM;
	struct fake_filter *f = &mon->filters[mon->nfilters++];
	strcpy(f->subsystem, subsystem);
	f->any_devtype = devtype == NULL;
	if (devtype)
		strcpy(f->devtype, devtype);
	return 0;
}

int udev_monitor_filter_add_match_tag(struct udev_monitor *m, const char *tag)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_filter_add_match_tag", (struct udev_monitor *, const char *), (m, tag));
	if (!tag)
		return -EINVAL;
	((struct fake_monitor *)m)->ntags++;
	return 0;
}

int udev_monitor_filter_update(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_filter_update", (struct udev_monitor *), (m));
	return 0; /* the filters apply in udev_monitor_receive_device */
}

int udev_monitor_filter_remove(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(int, "udev_monitor_filter_remove", (struct udev_monitor *), (m));
	struct fake_monitor *mon = (struct fake_monitor *)m;
	mon->nfilters = 0;
	mon->ntags = 0;
	return 0;
}

static const char *prop(const struct fake_device *dev, const char *key)
{
	for (int i = 0; i < dev->nprops; i++)
		if (!strcmp(dev->keys[i], key))
			return dev->values[i];
	return NULL;
}

/* Parses one netlink message ("ACTION@DEVPATH\0KEY=VALUE\0..."); NULL when it is not one. */
static struct fake_device *parse(struct udev *udev, const char *msg, size_t len)
{
	struct fake_device *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	memcpy(dev->buf, msg, len);
	dev->buf[len] = 0;
	size_t first = strlen(dev->buf);
	if (!strchr(dev->buf, '@')) {
		free(dev);
		return NULL;
	}
	for (size_t i = first + 1; i < len;) {
		char *s = dev->buf + i;
		size_t slen = strlen(s); /* before the '=' is cut: the next entry starts after this one's NUL */
		char *eq = strchr(s, '=');
		if (eq && dev->nprops < MAX_PROPS) {
			*eq = 0;
			dev->keys[dev->nprops] = s;
			dev->values[dev->nprops++] = eq + 1;
		}
		i += slen + 1;
	}
	const char *devpath = prop(dev, "DEVPATH");
	if (!devpath || !prop(dev, "ACTION")) {
		free(dev);
		return NULL;
	}
	snprintf(dev->syspath, sizeof(dev->syspath), "/sys%s", devpath);
	const char *slash = strrchr(devpath, '/');
	dev->sysname = slash ? slash + 1 : devpath;
	size_t nl = strlen(dev->sysname), d = nl;
	while (d > 0 && dev->sysname[d - 1] >= '0' && dev->sysname[d - 1] <= '9')
		d--;
	if (d < nl && nl - d < sizeof(dev->sysnum))
		memcpy(dev->sysnum, dev->sysname + d, nl - d);
	const char *devname = prop(dev, "DEVNAME");
	if (devname)
		snprintf(dev->devnode, sizeof(dev->devnode), devname[0] == '/' ? "%s" : "/dev/%s", devname);
	dev->magic = DEV_MAGIC;
	dev->refs = 1;
	dev->udev = udev;
	return dev;
}

/* libudev's filter rule: any subsystem/devtype filter must match one entry; any tag filter must match a tag. */
static int passes(const struct fake_monitor *mon, const struct fake_device *dev)
{
	if (mon->ntags)
		return 0;
	if (!mon->nfilters)
		return 1;
	const char *subsystem = prop(dev, "SUBSYSTEM"), *devtype = prop(dev, "DEVTYPE");
	for (int i = 0; i < mon->nfilters; i++) {
		const struct fake_filter *f = &mon->filters[i];
		if (subsystem && !strcmp(f->subsystem, subsystem) &&
		    (f->any_devtype || (devtype && !strcmp(f->devtype, devtype))))
			return 1;
	}
	return 0;
}

/* As libudev's: never blocks; the next uevent that passes the filters, or NULL (errno EAGAIN) when none is queued. */
struct udev_device *udev_monitor_receive_device(struct udev_monitor *m)
{
	if (!is_mon(m))
		FORWARD(struct udev_device *, "udev_monitor_receive_device", (struct udev_monitor *), (m));
	struct fake_monitor *mon = (struct fake_monitor *)m;
	char msg[UEVENT_BUFFER_SIZE];
	for (;;) {
		ssize_t n = recv(mon->fd, msg, sizeof(msg), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		if (n == 0) {
			errno = ECONNRESET; /* the server went away */
			return NULL;
		}
		struct fake_device *dev = parse(mon->udev, msg, (size_t)n);
		if (!dev)
			continue;
		if (passes(mon, dev))
			return (struct udev_device *)dev;
		free(dev);
	}
}

/* ---- devices ----------------------------------------------------------------------------------------------------- */

struct udev_device *udev_device_ref(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(struct udev_device *, "udev_device_ref", (struct udev_device *), (d));
	__atomic_add_fetch(&((struct fake_device *)d)->refs, 1, __ATOMIC_RELAXED);
	return d;
}

struct udev_device *udev_device_unref(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(struct udev_device *, "udev_device_unref", (struct udev_device *), (d));
	struct fake_device *dev = (struct fake_device *)d;
	if (__atomic_sub_fetch(&dev->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		dev->magic = 0;
		free(dev);
	}
	return NULL;
}

struct udev *udev_device_get_udev(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(struct udev *, "udev_device_get_udev", (struct udev_device *), (d));
	return ((struct fake_device *)d)->udev;
}

const char *udev_device_get_property_value(struct udev_device *d, const char *key)
{
	if (!is_dev(d))
		FORWARD(const char *, "udev_device_get_property_value", (struct udev_device *, const char *), (d, key));
	return key ? prop((struct fake_device *)d, key) : NULL;
}

/* The getters that are one property (or derived from one) of a uevent. */
#define PROP_GETTER(fn, expr)                                                            \
	const char *fn(struct udev_device *d)                                            \
	{                                                                                \
		if (!is_dev(d))                                                          \
			FORWARD(const char *, #fn, (struct udev_device *), (d));         \
		const struct fake_device *dev = (const struct fake_device *)d;           \
		return expr;                                                             \
	}

PROP_GETTER(udev_device_get_action, prop(dev, "ACTION"))
PROP_GETTER(udev_device_get_devpath, prop(dev, "DEVPATH"))
PROP_GETTER(udev_device_get_subsystem, prop(dev, "SUBSYSTEM"))
PROP_GETTER(udev_device_get_devtype, prop(dev, "DEVTYPE"))
PROP_GETTER(udev_device_get_driver, prop(dev, "DRIVER"))
PROP_GETTER(udev_device_get_syspath, dev->syspath)
PROP_GETTER(udev_device_get_sysname, dev->sysname)
PROP_GETTER(udev_device_get_sysnum, dev->sysnum[0] ? dev->sysnum : NULL)
PROP_GETTER(udev_device_get_devnode, dev->devnode[0] ? dev->devnode : NULL)

dev_t udev_device_get_devnum(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(dev_t, "udev_device_get_devnum", (struct udev_device *), (d));
	const struct fake_device *dev = (const struct fake_device *)d;
	const char *major = prop(dev, "MAJOR"), *minor = prop(dev, "MINOR");
	return major && minor ? makedev(strtoul(major, NULL, 10), strtoul(minor, NULL, 10)) : makedev(0, 0);
}

unsigned long long udev_device_get_seqnum(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(unsigned long long, "udev_device_get_seqnum", (struct udev_device *), (d));
	const char *s = prop((const struct fake_device *)d, "SEQNUM");
	return s ? strtoull(s, NULL, 10) : 0;
}

int udev_device_get_is_initialized(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(int, "udev_device_get_is_initialized", (struct udev_device *), (d));
	return 1;
}

/* What a uevent does not carry: no parent, sysfs attributes or lists (a real device from the syspath would). */
struct udev_device *udev_device_get_parent(struct udev_device *d)
{
	if (!is_dev(d))
		FORWARD(struct udev_device *, "udev_device_get_parent", (struct udev_device *), (d));
	errno = ENOENT;
	return NULL;
}

struct udev_device *udev_device_get_parent_with_subsystem_devtype(struct udev_device *d, const char *subsystem,
								  const char *devtype)
{
	if (!is_dev(d))
		FORWARD(struct udev_device *, "udev_device_get_parent_with_subsystem_devtype",
			(struct udev_device *, const char *, const char *), (d, subsystem, devtype));
	errno = ENOENT;
	return NULL;
}

const char *udev_device_get_sysattr_value(struct udev_device *d, const char *sysattr)
{
	if (!is_dev(d))
		FORWARD(const char *, "udev_device_get_sysattr_value", (struct udev_device *, const char *), (d, sysattr));
	errno = ENOENT;
	return NULL;
}

#define LIST_GETTER(fn)                                                                          \
	struct udev_list_entry *fn(struct udev_device *d)                                        \
	{                                                                                        \
		if (!is_dev(d))                                                                  \
			FORWARD(struct udev_list_entry *, #fn, (struct udev_device *), (d));     \
		return NULL;                                                                     \
	}

LIST_GETTER(udev_device_get_properties_list_entry)
LIST_GETTER(udev_device_get_devlinks_list_entry)
LIST_GETTER(udev_device_get_tags_list_entry)
LIST_GETTER(udev_device_get_sysattr_list_entry)
