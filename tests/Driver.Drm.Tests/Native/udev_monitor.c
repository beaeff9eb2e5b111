/*
 * A udev monitor as IGT's hang detector (lib/igt_aux.c) uses one, run under the DRM shim by UeventMonitorTests: a
 * "kernel" netlink monitor filtered on subsystem drm, polled, each device's devnum compared with the DRM fd's st_rdev.
 * Prints each uevent of the card and exits 0 once it has seen ERROR=1 and then ERROR=0 (a full reset, end to end).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int fail(const char *what)
{
	printf("FAIL %s\n", what);
	return 1;
}

int main(void)
{
	int fd = open("/dev/dri/card0", O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail("open card0");
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "kernel");
	if (!mon)
		return fail("udev_monitor_new_from_netlink");
	if (udev_monitor_filter_add_match_subsystem_devtype(mon, "drm", NULL) < 0)
		return fail("filter");
	if (udev_monitor_enable_receiving(mon) < 0)
		return fail("enable_receiving");
	struct pollfd pfd = { .fd = udev_monitor_get_fd(mon), .events = POLLIN };
	int error1 = 0;
	for (int waited = 0; waited < 30;) {
		int ret = poll(&pfd, 1, 1000);
		if (ret < 0)
			return fail("poll");
		if (ret == 0) {
			waited++;
			continue;
		}
		struct udev_device *dev = udev_monitor_receive_device(mon);
		if (!dev)
			continue;
		dev_t devnum = udev_device_get_devnum(dev);
		const char *error = udev_device_get_property_value(dev, "ERROR");
		const char *reset = udev_device_get_property_value(dev, "RESET");
		printf("%s %s %s %u:%u %s%s %s %s\n", udev_device_get_action(dev), udev_device_get_devpath(dev),
		       udev_device_get_subsystem(dev), major(devnum), minor(devnum), error ? "ERROR=" : "RESET=",
		       error ? error : reset ? reset : "?", udev_device_get_devnode(dev), udev_device_get_sysname(dev));
		if (devnum != st.st_rdev)
			return fail("devnum is not the DRM fd's st_rdev");
		if (error && atoi(error) == 1)
			error1 = 1;
		int done = error1 && error && atoi(error) == 0;
		udev_device_unref(dev);
		if (done) {
			udev_monitor_unref(mon);
			udev_unref(udev);
			close(fd);
			printf("ok udev\n");
			return 0;
		}
	}
	return fail("no ERROR=1 then ERROR=0 within 30 s");
}
