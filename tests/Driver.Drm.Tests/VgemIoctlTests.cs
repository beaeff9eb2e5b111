using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Tests.Support;
using Driver.Drm.Vgem;
using Driver.Drm.Vgem.Layout;

namespace Driver.Drm.Tests;

/// <summary>The vgem card's ioctls through their binary structs, each errno as drivers/gpu/drm/vgem and drm core have it.</summary>
public class VgemIoctlTests
{
    [Fact]
    public void VersionNamesVgem()
    {
        // IGT's __drm_open_device picks the card whose DRM_IOCTL_VERSION name is "vgem" for DRIVER_VGEM.
        using var v = VgemHarness.Fast();
        ulong name = v.Caller.Alloc(16);
        ArgBuffer a = DrmHarness.Arg(DrmCoreLayout.VersionSize);
        a.SetU64(DrmCoreLayout.VersionNameLen, 16);
        a.SetU64(DrmCoreLayout.VersionName, name);
        Assert.Equal(0, v.Ioctl(Requests.Version, a));
        Assert.Equal(4ul, a.U64(DrmCoreLayout.VersionNameLen));
        Assert.Equal("vgem"u8.ToArray(), v.Caller.Get(name, 4));
    }

    [Fact]
    public void AnIoctlOfAnotherTypeIsEnotty()
    {
        // drm_ioctl, for vgem as for i915: a type other than DRM_IOCTL_BASE ('d') is -ENOTTY, whatever its number.
        using var h = VgemHarness.Fast();
        Assert.Equal(-Errno.ENOTTY, h.Ioctl(DrmIoctl.Encode(DrmIoctl.DirRead | DrmIoctl.DirWrite, 'b', 0, 64), DrmHarness.Arg(64)));
    }

    [Fact]
    public void SignalOfFenceZeroIsEnoent_AsVgemHasFencesProbes()
    {
        // vgem_fence_signal_ioctl: idr_replace of an id never allocated is -ENOENT; IGT's vgem_has_fences asks exactly that.
        using var v = VgemHarness.Fast();
        Assert.Equal(-Errno.ENOENT, v.Signal(0));
        Assert.Equal(-Errno.EINVAL, v.Signal(0, flags: 1));
    }

    [Fact]
    public void CreateDumbGivesPitchAndPageSize_AndRejectsZeroDimensions()
    {
        // drm_mode_create_dumb: zero width/height/bpp is -EINVAL; pitch = width * DIV_ROUND_UP(bpp, 8), size page aligned.
        using var v = VgemHarness.Fast();
        (int ret, ArgBuffer a) = v.CreateDumb(3, 5, 4);
        Assert.Equal(0, ret);
        Assert.Equal(1u, a.U32(VgemLayout.CreateDumbHandle));
        Assert.Equal(3u, a.U32(VgemLayout.CreateDumbPitch));
        Assert.Equal(4096ul, a.U64(VgemLayout.CreateDumbSizeField));
        (ret, a) = v.CreateDumb(1024, 3, 32);
        Assert.Equal(0, ret);
        Assert.Equal(2u, a.U32(VgemLayout.CreateDumbHandle));
        Assert.Equal(4096u, a.U32(VgemLayout.CreateDumbPitch));
        Assert.Equal(3 * 4096ul, a.U64(VgemLayout.CreateDumbSizeField));
        Assert.Equal(-Errno.EINVAL, v.CreateDumb(0, 1, 32).Ret);
        Assert.Equal(-Errno.EINVAL, v.CreateDumb(1, 0, 32).Ret);
        Assert.Equal(-Errno.EINVAL, v.CreateDumb(1, 1, 0).Ret);
        // drm_mode_create_dumb's overflow check: a size past 32 bits.
        Assert.Equal(-Errno.EINVAL, v.CreateDumb(65536, 65536, 32).Ret);
    }

    [Fact]
    public void GemCloseAndDestroyDumbOfUnknownHandleAreEinval()
    {
        // drm_gem_handle_delete: -EINVAL for a handle the file does not have; the handle is gone after the first close.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        ArgBuffer close = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
        close.SetU32(DrmCoreLayout.GemCloseHandle, h);
        Assert.Equal(0, v.Ioctl(Requests.GemClose, close));
        Assert.Equal(-Errno.EINVAL, v.Ioctl(Requests.GemClose, close));
        ArgBuffer destroy = DrmHarness.Arg(VgemLayout.DestroyDumbSize);
        destroy.SetU32(0, 77);
        Assert.Equal(-Errno.EINVAL, v.Ioctl(Requests.DestroyDumb, destroy));
        Assert.Equal(0, v.Vgem.LiveObjects);
    }

    [Fact]
    public void MapDumbGivesAnOffsetThatMapsTheObject_UnknownHandleIsEnoent()
    {
        // drm_gem_dumb_map_offset: -ENOENT for no object; the fake offset mmaps the object's pages for this file only.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        ArgBuffer a = DrmHarness.Arg(VgemLayout.MapDumbSize);
        a.SetU32(VgemLayout.MapDumbHandle, h);
        Assert.Equal(0, v.Ioctl(Requests.MapDumb, a));
        ulong offset = a.U64(VgemLayout.MapDumbOffset);
        Assert.Equal(MmapOffsetTable.FirstOffset, offset);
        Assert.Equal(0, v.Vgem.LookupObject(v.File, (int)h, out BufferObject? bo));
        Assert.Equal(0, v.Vgem.Mmap(v.File, offset, 4096, out IReadOnlyList<ArenaRun> runs, out _));
        Assert.Equal(FakeMemoryMap.ArenaOffset(bo!), Assert.Single(runs).ArenaOffset);
        DrmFile other = v.Vgem.Open(v.Caller.Pid);
        Assert.Equal(-Errno.EACCES, v.Vgem.Mmap(other, offset, 4096, out _, out _));
        v.Vgem.Release(other);

        a.SetU32(VgemLayout.MapDumbHandle, 99);
        Assert.Equal(-Errno.ENOENT, v.Ioctl(Requests.MapDumb, a));
    }

    private static ulong MapDumb(VgemHarness v, uint handle)
    {
        ArgBuffer a = DrmHarness.Arg(VgemLayout.MapDumbSize);
        a.SetU32(VgemLayout.MapDumbHandle, handle);
        Assert.Equal(0, v.Ioctl(Requests.MapDumb, a));
        return a.U64(VgemLayout.MapDumbOffset);
    }

    private static void GemClose(VgemHarness v, uint handle)
    {
        ArgBuffer close = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
        close.SetU32(DrmCoreLayout.GemCloseHandle, handle);
        Assert.Equal(0, v.Ioctl(Requests.GemClose, close));
    }

    [Fact]
    public void AMappedObjectLivesUntilItsLastMappingGoes_ThenItsOffsetIsGone()
    {
        // drm_gem_mmap: each vma holds the object (drm_gem_vm_open/close); with no handle and no vma left it is freed
        // and its fake offset with it (drm_gem_free_mmap_offset): a later mmap of that offset is -EINVAL.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        ulong offset = MapDumb(v, h);
        Assert.Equal(0, v.Vgem.Mmap(v.File, offset, 4096, out _, out IDisposable? first));
        Assert.Equal(0, v.Vgem.Mmap(v.File, offset, 4096, out _, out IDisposable? second));
        Assert.Equal(2, v.Vgem.LiveMappings);
        GemClose(v, h);
        Assert.Equal(1, v.Vgem.LiveObjects); // the mappings hold it
        first!.Dispose();
        first.Dispose(); // the server drops a hold once; a second Dispose changes nothing
        Assert.Equal(1, v.Vgem.LiveObjects);
        second!.Dispose();
        Assert.Equal(0, v.Vgem.LiveObjects);
        Assert.Equal(0, v.Vgem.LiveMappings);
        Assert.Equal(-Errno.EINVAL, v.Vgem.Mmap(v.File, offset, 4096, out _, out IDisposable? none));
        Assert.Null(none);
    }

    [Fact]
    public void AnOffsetNeverMappedDoesNotKeepTheObject_ItGoesWithItsLastHandle()
    {
        // MAP_DUMB only makes the fake offset; it takes no reference: GEM_CLOSE of the last handle frees the object.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        ulong offset = MapDumb(v, h);
        GemClose(v, h);
        Assert.Equal(0, v.Vgem.LiveObjects);
        Assert.Equal(-Errno.EINVAL, v.Vgem.Mmap(v.File, offset, 4096, out _, out _));
    }

    [Fact]
    public void AMappingOutlivesTheFileRelease()
    {
        // drm_release puts the file's handles, not the vmas: the object stays for the mapping, then goes.
        using var v = VgemHarness.Fast();
        DrmFile file = v.Vgem.Open(v.Caller.Pid);
        uint h = v.Create(file);
        ArgBuffer a = DrmHarness.Arg(VgemLayout.MapDumbSize);
        a.SetU32(VgemLayout.MapDumbHandle, h);
        Assert.Equal(0, v.Ioctl(Requests.MapDumb, a, file));
        Assert.Equal(0, v.Vgem.Mmap(file, a.U64(VgemLayout.MapDumbOffset), 4096, out _, out IDisposable? mapping));
        v.Vgem.Release(file);
        Assert.Equal(1, v.Vgem.LiveObjects);
        mapping!.Dispose();
        Assert.Equal(0, v.Vgem.LiveObjects);
    }

    [Fact]
    public void AttachChecksFlagsPadAndHandle()
    {
        // vgem_fence_attach_ioctl: flags beyond VGEM_FENCE_WRITE and a non-zero pad are -EINVAL, checked before the
        // lookup; an unknown handle is -ENOENT.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        Assert.Equal(-Errno.EINVAL, v.Attach(h, 2).Ret);
        Assert.Equal(-Errno.EINVAL, v.Attach(h, 0, pad: 1).Ret);
        Assert.Equal(-Errno.EINVAL, v.Attach(99, 2).Ret);
        Assert.Equal(-Errno.ENOENT, v.Attach(99, 0).Ret);
    }

    [Fact]
    public void AttachConflictsAreEbusy_ByDmaResvUsageRw()
    {
        // vgem_fence_attach_ioctl: dma_resv_test_signaled(resv, dma_resv_usage_rw(write)) — a writer conflicts with any
        // unsignalled fence, a reader only with a writer. Ids count from 1.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        (int ret, uint read1) = v.Attach(h, 0);
        Assert.Equal(0, ret);
        Assert.Equal(1u, read1);
        (ret, uint read2) = v.Attach(h, 0);
        Assert.Equal(0, ret);
        Assert.Equal(2u, read2);
        Assert.Equal(-Errno.EBUSY, v.Attach(h, VgemDriver.FenceWrite).Ret);
        Assert.Equal(0, v.Signal(read1));
        Assert.Equal(0, v.Signal(read2));
        (ret, uint write) = v.Attach(h, VgemDriver.FenceWrite);
        Assert.Equal(0, ret);
        Assert.Equal(3u, write);
        Assert.Equal(-Errno.EBUSY, v.Attach(h, 0).Ret);
        Assert.Equal(-Errno.EBUSY, v.Attach(h, VgemDriver.FenceWrite).Ret);
        Assert.Equal(0, v.Signal(write));
        Assert.Equal(0, v.Attach(h, VgemDriver.FenceWrite).Ret);
    }

    [Fact]
    public void SignalTwiceIsEnoent()
    {
        // vgem_fence_signal_ioctl: idr_replace empties the slot, so a second signal of the same id finds nothing.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        uint fence = v.Attach(h, VgemDriver.FenceWrite).Fence;
        Assert.Equal(0, v.Vgem.LookupObject(v.File, (int)h, out BufferObject? bo));
        DmaFence f = Assert.Single(bo!.Resv.GetFences(Core.Resv.DmaResvUsage.Write));
        Assert.False(f.IsSignaled);
        Assert.Equal(0, v.Signal(fence));
        Assert.True(f.IsSignaled);
        Assert.Equal(1, f.Status);
        Assert.Equal(-Errno.ENOENT, v.Signal(fence));
    }

    [Fact]
    public void FenceSignalsItselfAfterTheTimeout_ThenSignalIsEtimedout_ThenEnoent()
    {
        // vgem_fence_timeout signals the fence (no error); vgem_fence_signal_ioctl then finds it signalled: -ETIMEDOUT,
        // and the slot is emptied, so the next signal is -ENOENT.
        using var v = VgemHarness.Fast(TimeSpan.FromMilliseconds(50));
        uint h = v.Create();
        uint fence = v.Attach(h, VgemDriver.FenceWrite).Fence;
        Assert.Equal(0, v.Vgem.LookupObject(v.File, (int)h, out BufferObject? bo));
        DmaFence f = Assert.Single(bo!.Resv.GetFences(Core.Resv.DmaResvUsage.Write));
        Assert.True(f.Wait(Bound.Long), "the vgem fence never timed out");
        Assert.Equal(1, f.Status);
        Assert.Equal(-Errno.ETIMEDOUT, v.Signal(fence));
        Assert.Equal(-Errno.ENOENT, v.Signal(fence));
    }

    [Fact]
    public void ClosingTheFileSignalsItsFences()
    {
        // vgem_fence_close: the file's fences all signal when it closes, so no importer waits on a producer gone.
        using var v = VgemHarness.Fast();
        DrmFile other = v.Vgem.Open(v.Caller.Pid);
        uint h = v.Create(other);
        ArgBuffer a = DrmHarness.Arg(VgemLayout.FenceAttachSize);
        a.SetU32(VgemLayout.AttachHandle, h);
        a.SetU32(VgemLayout.AttachFlags, VgemDriver.FenceWrite);
        Assert.Equal(0, v.Ioctl(Requests.VgemFenceAttach, a, other));
        Assert.Equal(0, v.Vgem.LookupObject(other, (int)h, out BufferObject? bo));
        DmaFence f = Assert.Single(bo!.Resv.GetFences(Core.Resv.DmaResvUsage.Write));
        v.Vgem.Release(other);
        Assert.True(f.IsSignaled);
        Assert.Equal(0, v.Vgem.LiveObjects);
    }

    [Fact]
    public void GemCloseOfTheLastHandleDuringPrimeExport_TheDmaBufStillHoldsTheObject()
    {
        // drm_gem_prime_handle_to_fd: drm_gem_object_lookup's reference keeps the object from the lookup to the
        // export, so a GEM_CLOSE of its last handle meanwhile only drops the handle and the dma-buf gets a live object.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        Assert.Equal(0, v.Vgem.LookupObject(v.File, (int)h, out BufferObject? bo));
        bo!.WriteDwords(0, [0x5eed]);
        int closes = 0;
        v.Vgem.PrimeExportAfterLookup = () =>
        {
            v.Vgem.PrimeExportAfterLookup = null;
            closes++;
            ArgBuffer close = DrmHarness.Arg(DrmCoreLayout.GemCloseSize);
            close.SetU32(DrmCoreLayout.GemCloseHandle, h);
            Assert.Equal(0, v.Ioctl(Requests.GemClose, close));
        };

        (int ret, int fd) = v.Export(h);
        Assert.Equal(0, ret);
        Assert.Equal(1, closes);
        Assert.False(bo.IsFreed, "the object was freed under the export: the dma-buf names freed pages");
        Assert.Equal(1, v.Vgem.LiveObjects);
        Assert.Same(bo, v.Caller.DmaBufOf(fd)!.Object);
        Assert.Equal(0x5eedu, bo.ReadDword(0));
    }

    [Fact]
    public void PrimeExportChecksFlagsAndHandle_ReimportGivesTheSameHandle()
    {
        // drm_prime_handle_to_fd_ioctl: flags beyond DRM_CLOEXEC|DRM_RDWR are -EINVAL, an unknown handle -ENOENT; one
        // dma-buf per object. drm_gem_prime_fd_to_handle: the exporter's own buffer gives its handle back.
        using var v = VgemHarness.Fast();
        uint h = v.Create();
        Assert.Equal(-Errno.EINVAL, v.Export(h, 1).Ret);
        Assert.Equal(-Errno.ENOENT, v.Export(99).Ret);
        (int ret, int fd) = v.Export(h, PrimeLayout.ValidFlags);
        Assert.Equal(0, ret);
        (ret, int fd2) = v.Export(h);
        Assert.Equal(0, ret);
        Assert.NotEqual(fd, fd2);
        Assert.Same(v.Caller.DmaBufOf(fd), v.Caller.DmaBufOf(fd2));

        ArgBuffer a = DrmHarness.Arg(PrimeLayout.Size);
        a.SetS32(PrimeLayout.Fd, fd2);
        Assert.Equal(0, v.Ioctl(Requests.PrimeFdToHandle, a));
        Assert.Equal(h, a.U32(PrimeLayout.Handle));

        // Another vgem file gets a handle of its own for the same object, which outlives the exporter's handle.
        DrmFile other = v.Vgem.Open(v.Caller.Pid);
        Assert.Equal(0, v.Ioctl(Requests.PrimeFdToHandle, a, other));
        Assert.Equal(1u, a.U32(PrimeLayout.Handle));
        Assert.Equal(0, v.Vgem.LookupObject(other, 1, out BufferObject? imported));
        Assert.Equal(0, v.Vgem.LookupObject(v.File, (int)h, out BufferObject? original));
        Assert.Same(original, imported);
        v.Vgem.Release(other);
    }

    [Fact]
    public void PrimeImportOfNoDescriptorIsEbadf_OfANonDmaBufEinval()
    {
        // dma_buf_get: fget fails -EBADF; a file that is no dma-buf -EINVAL. On both cards.
        using var v = VgemHarness.Fast();
        int syncFile = v.Caller.AddFence(new DmaFence(DmaFence.ContextAlloc(), 1));
        ArgBuffer a = DrmHarness.Arg(PrimeLayout.Size);
        a.SetS32(PrimeLayout.Fd, 999);
        Assert.Equal(-Errno.EBADF, v.Ioctl(Requests.PrimeFdToHandle, a));
        Assert.Equal(-Errno.EBADF, v.ImportToI915(999).Ret);
        Assert.Equal(-Errno.EBADF, v.ImportToI915(-1).Ret);
        a.SetS32(PrimeLayout.Fd, syncFile);
        Assert.Equal(-Errno.EINVAL, v.Ioctl(Requests.PrimeFdToHandle, a));
        Assert.Equal(-Errno.EINVAL, v.ImportToI915(syncFile).Ret);
    }

    [Fact]
    public void GetCapAnswersPrimeButNoKmsCaps()
    {
        // drm_getcap: the generic caps for any driver; the rest need DRIVER_MODESET, which vgem lacks (-EOPNOTSUPP).
        using var v = VgemHarness.Fast();
        ArgBuffer a = DrmHarness.Arg(DrmCoreLayout.GetCapSize);
        a.SetU64(DrmCoreLayout.GetCapCapability, DrmCoreLayout.CapPrime);
        Assert.Equal(0, v.Ioctl(Requests.GetCap, a));
        Assert.Equal(3ul, a.U64(DrmCoreLayout.GetCapValue));
        a.SetU64(DrmCoreLayout.GetCapCapability, DrmCoreLayout.CapDumbBuffer);
        Assert.Equal(-Errno.EOPNOTSUPP, v.Ioctl(Requests.GetCap, a));
    }
}
