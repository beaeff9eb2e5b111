using Driver.Core.Errors;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>The GEM object ioctls: create(_ext), pread/pwrite, mmap offsets, domains, caching, busy, wait, throttle.</summary>
public class GemIoctlTests
{
    [Fact]
    public void CreateRoundsUpAndRefusesZero()
    {
        // i915_gem_create_ioctl: the size rounds up to a page and is written back; 0 is -EINVAL.
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(GemLayout.CreateSize);
        a.SetU64(0, 1);
        Assert.Equal(0, h.Ioctl(Requests.GemCreate, a));
        Assert.Equal(4096ul, a.U64(0));
        Assert.NotEqual(0u, a.U32(GemLayout.CreateHandle));
        a.SetU64(0, 0);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemCreate, a));
    }

    private static ulong RegionsExt(DrmHarness h, uint pad, params (ushort Class, ushort Instance)[] regions)
    {
        byte[] list = new byte[Math.Max(regions.Length, 1) * 4];
        for (int i = 0; i < regions.Length; i++)
        {
            BitConverter.GetBytes(regions[i].Class).CopyTo(list, i * 4);
            BitConverter.GetBytes(regions[i].Instance).CopyTo(list, i * 4 + 2);
        }

        ArgBuffer ext = DrmHarness.Arg(GemLayout.CreateExtRegionsSize);
        ext.SetU32(ContextLayout.ExtName, GemLayout.CreateExtMemoryRegions);
        ext.SetU32(GemLayout.CreateExtRegionsPad, pad);
        ext.SetU32(GemLayout.CreateExtRegionsNum, (uint)regions.Length);
        ext.SetU64(GemLayout.CreateExtRegionsPtr, h.Caller.Put(list));
        return h.Caller.Put(ext.Data);
    }

    private static int CreateExt(DrmHarness h, uint flags, ulong extensions)
    {
        ArgBuffer a = DrmHarness.Arg(GemLayout.CreateExtSize);
        a.SetU64(0, 4096);
        a.SetU32(GemLayout.CreateExtFlags, flags);
        a.SetU64(GemLayout.CreateExtExtensions, extensions);
        return h.Ioctl(Requests.GemCreateExt, a);
    }

    [Fact]
    public void CreateExtChecksFlagsAndPlacements()
    {
        // i915_gem_create_ext_ioctl: unknown flags -EINVAL; set_placements: pad, no regions, a duplicate, an
        // unknown region -EINVAL; NEEDS_CPU_ACCESS with one placement -EINVAL; a bad extension name -EINVAL.
        using var h = DrmHarness.Fast();
        Assert.Equal(0, CreateExt(h, 0, 0));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 2, 0));
        Assert.Equal(0, CreateExt(h, 0, RegionsExt(h, 0, (0, 0))));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, RegionsExt(h, 1, (0, 0))));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, RegionsExt(h, 0)));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, RegionsExt(h, 0, (0, 0), (0, 0))));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, RegionsExt(h, 0, (1, 0))));
        Assert.Equal(-Errno.EINVAL, CreateExt(h, GemLayout.CreateExtNeedsCpuAccess, 0));
        ArgBuffer bad = DrmHarness.Arg(ContextLayout.ExtSize);
        bad.SetU32(ContextLayout.ExtName, 9);
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, h.Caller.Put(bad.Data)));
        // i915_user_extensions: non-zero flags -EINVAL; an unreadable extension -EFAULT.
        bad.SetU32(ContextLayout.ExtName, 0);
        bad.SetU32(ContextLayout.ExtFlags, 1);
        Assert.Equal(-Errno.EINVAL, CreateExt(h, 0, h.Caller.Put(bad.Data)));
        Assert.Equal(-Errno.EFAULT, CreateExt(h, 0, FakeCaller.BadAddress));
    }

    [Fact]
    public void PwriteAndPreadMoveBytesAtAnyOffset()
    {
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        Assert.Equal(0, h.Pwrite(bo, 5, [1, 2, 3, 4, 5, 6]));
        ArgBuffer a = DrmHarness.Arg(GemLayout.RwSize);
        ulong data = h.Caller.Alloc(8);
        a.SetU32(0, bo);
        a.SetU64(GemLayout.RwOffset, 4);
        a.SetU64(GemLayout.RwLength, 8);
        a.SetU64(GemLayout.RwData, data);
        Assert.Equal(0, h.Ioctl(Requests.GemPread, a));
        Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6, 0 }, h.Caller.Get(data, 8));
    }

    [Fact]
    public void PwriteErrorsInKernelOrder()
    {
        // i915_gem_pwrite_ioctl: size 0 is 0 before the lookup; access_ok -EFAULT before it; -ENOENT; range
        // -EINVAL; an unreadable source -EFAULT.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = DrmHarness.Arg(GemLayout.RwSize);
        a.SetU32(0, 999);
        Assert.Equal(0, h.Ioctl(Requests.GemPwrite, a));
        a.SetU64(GemLayout.RwLength, 4);
        a.SetU64(GemLayout.RwData, 0xffff_ffff_ffff_0000);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemPwrite, a));
        a.SetU64(GemLayout.RwData, h.Caller.Alloc(4));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemPwrite, a));
        a.SetU32(0, bo);
        a.SetU64(GemLayout.RwOffset, 4093);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemPwrite, a));
        a.SetU64(GemLayout.RwOffset, 0);
        a.SetU64(GemLayout.RwData, FakeCaller.BadAddress);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemPwrite, a));
        // i915_gem_pread_ioctl: the same checks; an unwritable destination -EFAULT.
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemPread, a));
        a.SetU32(0, 999);
        a.SetU64(GemLayout.RwData, h.Caller.Alloc(4));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemPread, a));
    }

    private static ArgBuffer MmapOffset(uint handle, ulong type)
    {
        ArgBuffer a = DrmHarness.Arg(GemLayout.MmapOffsetSize);
        a.SetU32(0, handle);
        a.SetU64(GemLayout.MmapOffsetFlags, type);
        return a;
    }

    [Fact]
    public void MmapOffsetErrorsAndStableOffsets()
    {
        // i915_gem_mmap_offset_ioctl: an extension -EINVAL; an unknown type -EINVAL; -ENOENT; FIXED on an object with
        // struct pages -ENODEV (__assign_mmap_offset). One offset per object and type.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWb);
        a.SetU64(GemLayout.MmapOffsetExtensions, h.Caller.Alloc(ContextLayout.ExtSize));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemMmapOffset, a));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemMmapOffset, MmapOffset(bo, 5)));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemMmapOffset, MmapOffset(999, GemLayout.MmapOffsetWb)));
        Assert.Equal(-Errno.ENODEV, h.Ioctl(Requests.GemMmapOffset, MmapOffset(bo, GemLayout.MmapOffsetFixed)));
        ArgBuffer wb1 = MmapOffset(bo, GemLayout.MmapOffsetWb);
        ArgBuffer wb2 = MmapOffset(bo, GemLayout.MmapOffsetWb);
        ArgBuffer wc = MmapOffset(bo, GemLayout.MmapOffsetWc);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, wb1));
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, wb2));
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, wc));
        Assert.Equal(wb1.U64(8), wb2.U64(8));
        Assert.NotEqual(wb1.U64(8), wc.U64(8));
    }

    [Fact]
    public void MmapOffsetExtensionsAreWalkedEfaultThenEinval()
    {
        // i915_gem_mmap_offset_ioctl walks extensions with i915_user_extensions and no table: an unreadable chain is
        // -EFAULT (check_user_mbz's get_user), a readable extension -EINVAL (no name is known); IGT's
        // gem_mmap_offset@bad-extensions asserts both.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWb);
        a.SetU64(GemLayout.MmapOffsetExtensions, FakeCaller.BadAddress);
        Assert.Equal(-Errno.EFAULT, h.Ioctl(Requests.GemMmapOffset, a));
        ArgBuffer ext = DrmHarness.Arg(ContextLayout.ExtSize);
        ext.SetU32(ContextLayout.ExtName, uint.MaxValue);
        a.SetU64(GemLayout.MmapOffsetExtensions, h.Caller.Put(ext.Data));
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemMmapOffset, a));
    }

    [Fact]
    public void MmapChecksOffsetOwnerAndLength()
    {
        // i915_gem_mmap: no node at the offset -EINVAL, another file's -EACCES; the memory map answers the rest
        // (-ENODEV until GEM memory is an arena).
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWb);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, a));
        ulong offset = a.U64(8);
        DrmFile other = h.Driver.Open(7);
        Assert.Equal(-Errno.EINVAL, h.Driver.Mmap(h.File, offset + 4096, 4096, out _, out _));
        Assert.Equal(-Errno.EINVAL, h.Driver.Mmap(h.File, offset, 8192, out _, out _));
        Assert.Equal(-Errno.EACCES, h.Driver.Mmap(other, offset, 4096, out _, out _));
        Assert.Equal(-Errno.ENODEV, h.Driver.Mmap(h.File, offset, 4096, out _, out _));
        h.Driver.Release(other);
    }

    [Fact]
    public void MmapReturnsTheMemoryMapsRuns()
    {
        // i915_gem_mmap: the offset names the object; its pages are what the memory map says they are.
        using var h = DrmHarness.Fast(new I915DriverOptions { MemoryMap = new FakeMemoryMap() });
        uint bo = h.Create(8192);
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWc);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, a));
        Assert.Equal(0, h.Driver.Mmap(h.File, a.U64(8), 8192, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping));
        mapping?.Dispose();
        Assert.Equal(0, h.Dev.LookupObject(h.File.ClientId, (int)bo, out Driver.Core.Memory.BufferObject? obj));
        Assert.Equal([new ArenaRun(FakeMemoryMap.ArenaOffset(obj!), 8192)], runs);
    }

    [Fact]
    public void MmapHoldsTheObjectUntilTheMappingGoes()
    {
        // i915_gem_mmap: the vma holds a reference to the object (vm_close puts it), so closing the last handle and
        // the file leaves the pages allocated while the process can still write through the mapping; they are freed
        // at the last unmap, and not before (another object must never get pages a live mapping reaches).
        using var h = DrmHarness.Fast(new I915DriverOptions { MemoryMap = new FakeMemoryMap() });
        long before = h.Dev.Gt.Memory.UsedPages;
        uint bo = h.Create(8192);
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWb);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, a));
        Assert.Equal(0, h.Driver.Mmap(h.File, a.U64(8), 8192, out _, out IDisposable? first));
        Assert.Equal(0, h.Driver.Mmap(h.File, a.U64(8), 4096, out _, out IDisposable? second));
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(0, h.Dev.CloseBuffer(h.File.ClientId, (int)bo));
        Assert.Equal(before + 2, h.Dev.Gt.Memory.UsedPages);
        Assert.Equal(1, h.Dev.HeldObjects);
        first!.Dispose();
        first.Dispose(); // a second dispose is no second vm_close
        Assert.Equal(before + 2, h.Dev.Gt.Memory.UsedPages);
        second!.Dispose();
        Assert.Equal(before, h.Dev.Gt.Memory.UsedPages);
        Assert.Equal(0, h.Dev.HeldObjects);
    }

    [Fact]
    public void UnmappingALiveObjectFreesNothing()
    {
        // vm_close's put is not the last reference while the handle lives: the object stays, and its handle's
        // close then frees it as usual (i915_gem_close_object → the last put).
        using var h = DrmHarness.Fast(new I915DriverOptions { MemoryMap = new FakeMemoryMap() });
        long before = h.Dev.Gt.Memory.UsedPages;
        uint bo = h.Create(4096);
        ArgBuffer a = MmapOffset(bo, GemLayout.MmapOffsetWb);
        Assert.Equal(0, h.Ioctl(Requests.GemMmapOffset, a));
        Assert.Equal(0, h.Driver.Mmap(h.File, a.U64(8), 4096, out _, out IDisposable? mapping));
        mapping!.Dispose();
        Assert.Equal(before + 1, h.Dev.Gt.Memory.UsedPages);
        Assert.Equal(0, h.Dev.CloseBuffer(h.File.ClientId, (int)bo));
        Assert.Equal(before, h.Dev.Gt.Memory.UsedPages);
    }

    [Fact]
    public void LegacyMmapIsEopnotsupp()
    {
        // i915_gem_mmap_ioctl on parts past gen12.0: -EOPNOTSUPP (what gem_has_legacy_mmap probes).
        using var h = DrmHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(GemLayout.MmapSize);
        a.SetU32(0, ~0u);
        Assert.Equal(-Errno.EOPNOTSUPP, h.Ioctl(Requests.GemMmap, a));
    }

    private static int SetDomain(DrmHarness h, uint handle, uint read, uint write)
    {
        ArgBuffer a = DrmHarness.Arg(GemLayout.SetDomainSize);
        a.SetU32(0, handle);
        a.SetU32(4, read);
        a.SetU32(8, write);
        return h.Ioctl(Requests.GemSetDomain, a);
    }

    [Fact]
    public void SetDomainErrors()
    {
        // i915_gem_set_domain_ioctl: a GPU domain -EINVAL; write without being the only read domain -EINVAL; no
        // read domain 0 before the lookup; -ENOENT.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        Assert.Equal(-Errno.EINVAL, SetDomain(h, bo, 2, 0));
        Assert.Equal(-Errno.EINVAL, SetDomain(h, bo, GemLayout.DomainCpu | GemLayout.DomainGtt, GemLayout.DomainCpu));
        Assert.Equal(0, SetDomain(h, 999, 0, 0));
        Assert.Equal(-Errno.ENOENT, SetDomain(h, 999, GemLayout.DomainCpu, 0));
        Assert.Equal(0, SetDomain(h, bo, GemLayout.DomainCpu, GemLayout.DomainCpu));
        Assert.Equal(0, SetDomain(h, bo, GemLayout.DomainGtt, 0));
    }

    [Fact]
    public void CachingIsCheckedThenRemembered()
    {
        // i915_gem_set_caching_ioctl: an unknown level -EINVAL before the lookup; -ENOENT. get_caching: CACHED by
        // default on an LLC part; -ENOENT.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer a = DrmHarness.Arg(GemLayout.CachingSize);
        a.SetU32(0, 999);
        a.SetU32(4, 3);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemSetCaching, a));
        a.SetU32(4, GemLayout.CachingNone);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemSetCaching, a));
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemGetCaching, a));
        a.SetU32(0, bo);
        Assert.Equal(0, h.Ioctl(Requests.GemGetCaching, a));
        Assert.Equal(GemLayout.CachingCached, a.U32(4));
        a.SetU32(4, GemLayout.CachingNone);
        Assert.Equal(0, h.Ioctl(Requests.GemSetCaching, a));
        a.SetU32(4, 7);
        Assert.Equal(0, h.Ioctl(Requests.GemGetCaching, a));
        Assert.Equal(GemLayout.CachingNone, a.U32(4));
    }

    [Fact]
    public void IdleObjectBusyWaitAndErrors()
    {
        // i915_gem_busy_ioctl: -ENOENT, 0 when idle. i915_gem_wait_ioctl: flags -EINVAL first, -ENOENT, 0 idle.
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        ArgBuffer busy = DrmHarness.Arg(GemLayout.BusySize);
        busy.SetU32(0, 999);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemBusy, busy));
        busy.SetU32(0, bo);
        busy.SetU32(4, 0xff);
        Assert.Equal(0, h.Ioctl(Requests.GemBusy, busy));
        Assert.Equal(0u, busy.U32(4));
        ArgBuffer wait = DrmHarness.Arg(GemLayout.WaitSize);
        wait.SetU32(0, 999);
        wait.SetU32(4, 1);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemWait, wait));
        Assert.Equal(-Errno.ENOENT, h.Wait(999, 0));
        Assert.Equal(0, h.Wait(bo, 1_000_000));
    }

    [Fact]
    public void ThrottleApertureAndMadvise()
    {
        // i915_gem_throttle_ioctl 0 on a live GPU; get_aperture the GTT's size; i915_gem_madvise_ioctl: a value
        // other than WILLNEED/DONTNEED -EINVAL, -ENOENT, retained 1.
        using var h = DrmHarness.Fast();
        Assert.Equal(0, h.Ioctl(Requests.GemThrottle, DrmHarness.Arg(0)));
        ArgBuffer ap = DrmHarness.Arg(GemLayout.ApertureSize);
        Assert.Equal(0, h.Ioctl(Requests.GemGetAperture, ap));
        Assert.Equal((ulong)h.Dev.Gt.Ggtt.UserSize, ap.U64(0));
        uint bo = h.Create();
        ArgBuffer m = DrmHarness.Arg(GemLayout.MadviseSize);
        m.SetU32(0, bo);
        m.SetU32(4, 2);
        Assert.Equal(-Errno.EINVAL, h.Ioctl(Requests.GemMadvise, m));
        m.SetU32(0, 999);
        m.SetU32(4, 1);
        Assert.Equal(-Errno.ENOENT, h.Ioctl(Requests.GemMadvise, m));
        m.SetU32(0, bo);
        Assert.Equal(0, h.Ioctl(Requests.GemMadvise, m));
        Assert.Equal(1u, m.U32(8));
    }

    [Fact]
    public void ObjectBytesMergePartialDwords()
    {
        using var h = DrmHarness.Fast();
        uint bo = h.Create();
        h.Write(bo, 0, 0x11223344, 0x55667788);
        Assert.Equal(0, h.Pwrite(bo, 3, [0xaa, 0xbb]));
        Assert.Equal(new uint[] { 0xaa223344, 0x556677bb }, h.Read(bo, 0, 2));
    }
}
