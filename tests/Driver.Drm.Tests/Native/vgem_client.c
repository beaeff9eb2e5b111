/* A client of the DRM shim for Driver.Drm.Tests: run under LD_PRELOAD=libgpusim-drm-shim.so against a server with the
 * real i915 driver on card0 and vgem on card1. It does what IGT's cork does (lib/igt_dummyload.c plug_vgem_handle)
 * and checks each step; prints "ok cork" and exits 0, or "FAIL line: what" and exits 1. The structs are written out
 * here from the uAPI headers' layouts, so the test needs no libdrm. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CHECK(cond)                                                                                    \
	do {                                                                                           \
		if (!(cond)) {                                                                         \
			printf("FAIL %d: %s (errno %d %s)\n", __LINE__, #cond, errno, strerror(errno)); \
			fflush(stdout);                                                                \
			exit(1);                                                                       \
		}                                                                                      \
	} while (0)

struct version {
	int major, minor, patch;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};
struct create_dumb {
	uint32_t height, width, bpp, flags, handle, pitch;
	uint64_t size;
};
struct map_dumb {
	uint32_t handle, pad;
	uint64_t offset;
};
struct prime_handle {
	uint32_t handle, flags;
	int32_t fd;
};
struct fence_attach {
	uint32_t handle, flags, out_fence, pad;
};
struct fence_signal {
	uint32_t fence, flags;
};

#define IOCTL_VERSION _IOWR('d', 0x00, struct version)
#define IOCTL_PRIME_HANDLE_TO_FD _IOWR('d', 0x2d, struct prime_handle)
#define IOCTL_PRIME_FD_TO_HANDLE _IOWR('d', 0x2e, struct prime_handle)
#define IOCTL_CREATE_DUMB _IOWR('d', 0xb2, struct create_dumb)
#define IOCTL_MAP_DUMB _IOWR('d', 0xb3, struct map_dumb)
#define IOCTL_VGEM_FENCE_ATTACH _IOWR('d', 0x41, struct fence_attach)
#define IOCTL_VGEM_FENCE_SIGNAL _IOW('d', 0x42, struct fence_signal)

static void expect_name(int fd, const char *want)
{
	char name[16] = { 0 };
	struct version v = { .name_len = sizeof(name) - 1, .name = name };
	CHECK(ioctl(fd, IOCTL_VERSION, &v) == 0);
	CHECK(!strcmp(name, want));
}

static uint32_t *map(int fd, uint32_t handle)
{
	struct map_dumb m = { .handle = handle };
	CHECK(ioctl(fd, IOCTL_MAP_DUMB, &m) == 0);
	uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	CHECK(p != MAP_FAILED);
	return p;
}

int main(int argc, char **argv)
{
	CHECK(argc == 2 && !strcmp(argv[1], "cork"));
	/* IGT's drm_open_driver(DRIVER_VGEM): the card whose DRM_IOCTL_VERSION says "vgem". */
	int vgem = open("/dev/dri/card1", O_RDWR | O_CLOEXEC);
	CHECK(vgem >= 0);
	struct stat st;
	CHECK(fstat(vgem, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 226 && minor(st.st_rdev) == 1);
	expect_name(vgem, "vgem");
	/* vgem_has_fences: signalling fence 0 is ENOENT. */
	struct fence_signal sig = { 0 };
	CHECK(ioctl(vgem, IOCTL_VGEM_FENCE_SIGNAL, &sig) == -1 && errno == ENOENT);

	struct create_dumb c = { .width = 1, .height = 1, .bpp = 32 };
	CHECK(ioctl(vgem, IOCTL_CREATE_DUMB, &c) == 0 && c.handle == 1 && c.size == 4096 && c.pitch == 4);
	uint32_t *p = map(vgem, c.handle);
	p[0] = 0xc0ffee;

	struct fence_attach a = { .handle = c.handle, .flags = 1 /* VGEM_FENCE_WRITE */ };
	CHECK(ioctl(vgem, IOCTL_VGEM_FENCE_ATTACH, &a) == 0 && a.out_fence == 1);
	struct fence_attach busy = { .handle = c.handle };
	CHECK(ioctl(vgem, IOCTL_VGEM_FENCE_ATTACH, &busy) == -1 && errno == EBUSY);

	struct prime_handle ex = { .handle = c.handle, .flags = O_CLOEXEC, .fd = -1 };
	CHECK(ioctl(vgem, IOCTL_PRIME_HANDLE_TO_FD, &ex) == 0 && ex.fd >= 0);

	/* The i915 card imports it; the same buffer again gives the same handle. */
	int i915 = open("/dev/dri/card0", O_RDWR | O_CLOEXEC);
	CHECK(i915 >= 0);
	expect_name(i915, "i915");
	struct prime_handle im = { .fd = ex.fd };
	CHECK(ioctl(i915, IOCTL_PRIME_FD_TO_HANDLE, &im) == 0 && im.handle != 0);
	struct prime_handle again = { .fd = ex.fd };
	CHECK(ioctl(i915, IOCTL_PRIME_FD_TO_HANDLE, &again) == 0 && again.handle == im.handle);
	struct prime_handle notbuf = { .fd = vgem };
	CHECK(ioctl(i915, IOCTL_PRIME_FD_TO_HANDLE, &notbuf) == -1 && errno == EINVAL);
	struct prime_handle closed = { .fd = 999 };
	CHECK(ioctl(i915, IOCTL_PRIME_FD_TO_HANDLE, &closed) == -1 && errno == EBADF);

	/* Another vgem file imports the dma-buf and maps the same pages. */
	int vgem2 = open("/dev/dri/card1", O_RDWR | O_CLOEXEC);
	CHECK(vgem2 >= 0);
	struct prime_handle im2 = { .fd = ex.fd };
	CHECK(ioctl(vgem2, IOCTL_PRIME_FD_TO_HANDLE, &im2) == 0);
	uint32_t *q = map(vgem2, im2.handle);
	CHECK(q[0] == 0xc0ffee);

	sig.fence = a.out_fence;
	CHECK(ioctl(vgem, IOCTL_VGEM_FENCE_SIGNAL, &sig) == 0);
	CHECK(ioctl(vgem, IOCTL_VGEM_FENCE_SIGNAL, &sig) == -1 && errno == ENOENT);
	close(ex.fd);
	close(vgem2);
	close(i915);
	close(vgem);
	printf("ok cork\n");
	return 0;
}
