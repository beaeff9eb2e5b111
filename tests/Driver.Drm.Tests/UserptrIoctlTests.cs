using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>
/// GEM_USERPTR (i915_gem_userptr_ioctl) through the binary struct: the errnos in the kernel's order, and the sharing of
/// the caller's range with the new object's arena runs (the shim maps them over the range; here FakeCaller records it).
/// </summary>
public class UserptrIoctlTests
{
    private const ulong Page = 4096;

    private static DrmHarness Harness() => DrmHarness.Fast(new I915DriverOptions { MemoryMap = new FakeMemoryMap() });

    private static ArgBuffer Userptr(ulong address, ulong size, uint flags = 0)
    {
        ArgBuffer a = DrmHarness.Arg(UserptrLayout.Size);
        a.SetU64(UserptrLayout.UserPtr, address);
        a.SetU64(UserptrLayout.UserSize, size);
        a.SetU32(UserptrLayout.Flags, flags);
        return a;
    }

    /// <summary>A page-aligned range of the fake caller's memory.</summary>
    private static ulong AlignedRange(DrmHarness h, ulong size)
    {
        ulong at = h.Caller.Alloc((int)(size + Page));
        return (at + Page - 1) & ~(Page - 1);
    }

    [Fact]
    public void UnknownFlagIsEinval()
    {
        // i915_gem_userptr_ioctl: flags outside READ_ONLY | PROBE | UNSYNCHRONIZED are -EINVAL before anything else.
        using DrmHarness h = Harness();
        ulong at = AlignedRange(h, Page);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemUserptr, Userptr(at, Page, 0x4)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemUserptr, Userptr(1, 0, 0x4))); // before the size checks
    }

    [Fact]
    public void MorePagesThanAnIntCountsIsE2big()
    {
        // i915_gem_object_size_2big: size >> PAGE_SHIFT > INT_MAX, checked before size 0 and alignment.
        using DrmHarness h = Harness();
        Assert.Equal(-Errno.E2BIG, h.Ioctl(Requests.GemUserptr, Userptr(1, ((ulong)int.MaxValue + 1) * Page)));
    }

    [Fact]
    public void ZeroSizeOrUnalignedPointerOrSizeIsEinval()
    {
        // i915_gem_userptr_ioctl: !user_size, then offset_in_page(user_ptr | user_size).
        using DrmHarness h = Harness();
        ulong at = AlignedRange(h, 2 * Page);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemUserptr, Userptr(at, 0)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemUserptr, Userptr(at + 8, Page)));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemUserptr, Userptr(at, Page + 8)));
        Assert.Empty(h.Caller.Shared);
    }

    [Fact]
    public void RangePastUserSpaceIsEfault()
    {
        // access_ok: the range must end below TASK_SIZE (0x7ffffffff000 on x86-64 4-level paging).
        using DrmHarness h = Harness();
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemUserptr, Userptr(0x7ffffffff000, Page)));
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemUserptr, Userptr(0x7fffffffe000, 2 * Page)));
    }

    [Fact]
    public void UnsynchronizedAndReadOnlyAreEnodev()
    {
        // i915_gem_userptr_ioctl: UNSYNCHRONIZED is -ENODEV for everyone (no mmu-notifier-less userptr any more);
        // READ_ONLY is -ENODEV without vm->has_read_only, which gen8_ppgtt_create leaves off on graphics 11 and 12.
        using DrmHarness h = Harness();
        ulong at = AlignedRange(h, Page);
        Assert.Equal(-Errno.ENODEV, h.Ioctl(Requests.GemUserptr, Userptr(at, Page, UserptrLayout.Unsynchronized)));
        Assert.Equal(-Errno.ENODEV, h.Ioctl(Requests.GemUserptr, Userptr(at, Page, UserptrLayout.ReadOnly)));
        Assert.Empty(h.Caller.Shared);
    }

    [Fact]
    public void ProbeOfAnUnmappedRangeIsEfaultWithoutProbeTheObjectIsMadeUnshared()
    {
        // probe_range: -EFAULT when a page of the range lies in no vma. Without PROBE i915 makes the object and only
        // its first get_pages fails; GpuSim makes it and shares nothing.
        using DrmHarness h = Harness();
        const ulong Unmapped = 0x1000; // below FakeCaller.Base: no memory there
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemUserptr, Userptr(Unmapped, Page, UserptrLayout.Probe)));
        ArgBuffer a = Userptr(Unmapped, Page);
        Assert.Equal(0, h.Ioctl(Requests.GemUserptr, a));
        Assert.NotEqual(0u, a.U32(UserptrLayout.Handle));
        Assert.Empty(h.Caller.Shared);
    }

    [Fact]
    public void MappedRangeIsSharedWithTheObjectsRunsAndHeldUntilUnmapped()
    {
        // i915_gem_userptr_ioctl + the shim: the object's pages replace the range (its arena runs, in order), and the
        // range's mapping holds the object as a GEM mmap does (i915_gem_mmap's vma reference) until it is unmapped.
        using DrmHarness h = Harness();
        ulong at = AlignedRange(h, 2 * Page);
        ArgBuffer a = Userptr(at, 2 * Page, UserptrLayout.Probe);
        Assert.Equal(0, h.Ioctl(Requests.GemUserptr, a));
        uint handle = a.U32(UserptrLayout.Handle);
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)handle, out BufferObject? bo));
        Assert.Equal(2 * (long)Page, bo!.Size);
        (ulong address, IReadOnlyList<ArenaRun> runs, IDisposable hold) = Assert.Single(h.Caller.Shared);
        Assert.Equal(at, address);
        Assert.Equal([new ArenaRun(FakeMemoryMap.ArenaOffset(bo), 2 * (long)Page)], runs);
        Assert.Equal(1, h.Dev.HeldObjects);
        hold.Dispose(); // munmap of the range (the shim closes the mapping's token)
        Assert.Equal(0, h.Dev.HeldObjects);
    }

    [Fact]
    public void PreadPwriteAreEinvalAndMmapOffsetIsEnodevOnAUserptrObject()
    {
        // i915_gem_userptr_pread / _pwrite: "no longer allowed" (-EINVAL); I915_GEM_OBJECT_NO_MMAP makes
        // __assign_mmap_offset -ENODEV. A GEM_CREATE object of the same size is fine for all three.
        using DrmHarness h = Harness();
        ulong at = AlignedRange(h, Page);
        ArgBuffer a = Userptr(at, Page);
        Assert.Equal(0, h.Ioctl(Requests.GemUserptr, a));
        uint userptr = a.U32(UserptrLayout.Handle);
        uint plain = h.Create();
        ulong data = h.Caller.Alloc(16);
        foreach ((uint handle, int pread, int mmap) in new[] { (userptr, -Errno.EINVAL, -Errno.ENODEV), (plain, 0, 0) })
        {
            ArgBuffer rw = DrmHarness.Arg(GemLayout.RwSize);
            rw.SetU32(GemLayout.RwHandle, handle);
            rw.SetU64(GemLayout.RwLength, 16);
            rw.SetU64(GemLayout.RwData, data);
            Assert.Equal(pread, h.Ioctl(Requests.GemPread, rw));
            Assert.Equal(pread, h.Ioctl(Requests.GemPwrite, rw));
            ArgBuffer mo = DrmHarness.Arg(GemLayout.MmapOffsetSize);
            mo.SetU32(GemLayout.MmapOffsetHandle, handle);
            mo.SetU64(GemLayout.MmapOffsetFlags, GemLayout.MmapOffsetWb);
            Assert.Equal(mmap, h.Ioctl(Requests.GemMmapOffset, mo));
        }
    }

    [Fact]
    public void WithoutAnArenaTheObjectCannotBeSharedEnodev()
    {
        // An unbacked device (no memory arena) has no pages to hand a process: -ENODEV, and no handle is left.
        using var h = DrmHarness.Fast();
        ulong at = AlignedRange(h, Page);
        Assert.Equal(-Errno.ENODEV, h.Ioctl(Requests.GemUserptr, Userptr(at, Page)));
        Assert.Empty(h.Caller.Shared);
    }
}
