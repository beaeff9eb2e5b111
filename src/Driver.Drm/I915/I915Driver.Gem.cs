using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Requests;
using Driver.Core.Resv;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>TASK_SIZE on x86-64 with 4-level paging: access_ok refuses a range reaching past it.</summary>
    private const ulong TaskSize = 0x7ffffffff000;

    /// <summary>How much of a PREAD/PWRITE is staged per copy.</summary>
    private const int CopyChunk = 64 * 1024;

    /// <summary>access_ok: the range lies in user space (no wrap, below TASK_SIZE).</summary>
    private static bool AccessOk(ulong address, ulong size) => size <= TaskSize && address <= TaskSize - size;

    /// <summary>GEM_CREATE (i915_gem_create_ioctl): GpuDevice.CreateBuffer; size rounded up and written back.</summary>
    private int GemCreate(IoctlCall c)
    {
        long size = (long)c.Arg.U64(GemLayout.CreateSizeField);
        int ret = Device.CreateBuffer(c.Client, ref size, out int handle);
        if (ret != 0)
        {
            return ret;
        }

        c.Arg.SetU64(GemLayout.CreateSizeField, (ulong)size);
        c.Arg.SetU32(GemLayout.CreateHandle, (uint)handle);
        return 0;
    }

    /// <summary>
    /// GEM_CREATE_EXT (i915_gem_create_ext_ioctl): -EINVAL for unknown flags; the extension chain
    /// (i915_user_extensions: MEMORY_REGIONS checked as set_placements does, PROTECTED_CONTENT and SET_PAT -ENODEV,
    /// others -EINVAL); NEEDS_CPU_ACCESS with a single placement is -EINVAL (GpuSim has one region, system memory).
    /// </summary>
    private int GemCreateExt(IoctlCall c)
    {
        uint flags = c.Arg.U32(GemLayout.CreateExtFlags);
        if ((flags & ~GemLayout.CreateExtNeedsCpuAccess) != 0)
        {
            return -Errno.EINVAL;
        }

        int placements = 0;
        int ret = WalkExtensions(c.Caller, c.Arg.U64(GemLayout.CreateExtExtensions), (name, at) => name switch
        {
            GemLayout.CreateExtMemoryRegions => SetPlacements(c.Caller, at, ref placements),
            GemLayout.CreateExtProtectedContent => -Errno.ENODEV,
            2 => -Errno.ENODEV,
            _ => -Errno.EINVAL,
        });
        if (ret != 0)
        {
            return ret;
        }

        // Without a placement extension the object goes to system memory: one placement either way.
        if ((flags & GemLayout.CreateExtNeedsCpuAccess) != 0)
        {
            return -Errno.EINVAL;
        }

        long size = (long)c.Arg.U64(GemLayout.CreateSizeField);
        ret = Device.CreateBuffer(c.Client, ref size, out int handle);
        if (ret != 0)
        {
            return ret;
        }

        c.Arg.SetU64(GemLayout.CreateSizeField, (ulong)size);
        c.Arg.SetU32(GemLayout.CreateHandle, (uint)handle);
        return 0;
    }

    /// <summary>
    /// set_placements: -EINVAL when placements were set already, for a non-zero pad, no regions or more than the
    /// device's region table holds (7), a region the device lacks or one named twice; -EFAULT for an unreadable one.
    /// </summary>
    private static int SetPlacements(IDrmCaller caller, ulong at, ref int placements)
    {
        var ext = ArgBuffer.ReadUser(caller, at, GemLayout.CreateExtRegionsSize);
        if (ext is null)
        {
            return -Errno.EFAULT;
        }

        if (placements != 0 || ext.U32(GemLayout.CreateExtRegionsPad) != 0)
        {
            return -Errno.EINVAL;
        }

        uint count = ext.U32(GemLayout.CreateExtRegionsNum);
        if (count == 0 || count > 7)
        {
            return -Errno.EINVAL;
        }

        bool seen = false;
        for (uint i = 0; i < count; i++)
        {
            var region = ArgBuffer.ReadUser(caller, ext.U64(GemLayout.CreateExtRegionsPtr) + i * 4, 4);
            if (region is null)
            {
                return -Errno.EFAULT;
            }

            if (region.U16(0) != QueryLayout.MemoryClassSystem || region.U16(2) != 0 || seen)
            {
                return -Errno.EINVAL;
            }

            seen = true;
        }

        placements = (int)count;
        return 0;
    }

    /// <summary>
    /// i915_user_extensions: walks a chain of i915_user_extension: -E2BIG past 512, flags and rsvd must be zero
    /// (-EINVAL; -EFAULT when unreadable), then the handler for the name (-EINVAL for names it does not know).
    /// </summary>
    private static int WalkExtensions(IDrmCaller caller, ulong ext, Func<uint, ulong, int> handler)
    {
        int left = ContextLayout.MaxExtensions;
        while (ext != 0)
        {
            if (left-- == 0)
            {
                return -Errno.E2BIG;
            }

            var e = ArgBuffer.ReadUser(caller, ext, ContextLayout.ExtSize);
            if (e is null)
            {
                return -Errno.EFAULT;
            }

            if (e.U32(ContextLayout.ExtFlags) != 0)
            {
                return -Errno.EINVAL;
            }

            for (int i = 0; i < 4; i++)
            {
                if (e.U32(ContextLayout.ExtRsvd + 4 * i) != 0)
                {
                    return -Errno.EINVAL;
                }
            }

            int err = handler(e.U32(ContextLayout.ExtName), ext);
            if (err != 0)
            {
                return err;
            }

            ext = e.U64(ContextLayout.ExtNext);
        }

        return 0;
    }

    /// <summary>
    /// PWRITE (i915_gem_pwrite_ioctl): size 0 is 0 before anything; -EFAULT for a range outside user space
    /// (access_ok); -ENOENT for an unknown handle; -EINVAL past the object; waits for every fence (I915_WAIT_ALL),
    /// then copies (-EFAULT when the user's bytes cannot be read).
    /// </summary>
    private int GemPwrite(IoctlCall c) => GemReadWrite(c, write: true);

    /// <summary>PREAD (i915_gem_pread_ioctl): as PWRITE, waiting only for the last writer.</summary>
    private int GemPread(IoctlCall c) => GemReadWrite(c, write: false);

    private int GemReadWrite(IoctlCall c, bool write)
    {
        ulong size = c.Arg.U64(GemLayout.RwLength);
        ulong offset = c.Arg.U64(GemLayout.RwOffset);
        ulong data = c.Arg.U64(GemLayout.RwData);
        if (size == 0)
        {
            return 0;
        }

        if (!AccessOk(data, size))
        {
            return -Errno.EFAULT;
        }

        // i915_gem_object_lookup's reference, put when the ioctl returns: a GEM_CLOSE from another thread meanwhile
        // (during the wait below, or between two chunks) drops only the handle, and the pages go after the copy.
        int ret = Device.LookupObjectHeld(c.Client, (int)c.Arg.U32(GemLayout.RwHandle), out BufferObject? bo);
        if (ret != 0)
        {
            return ret;
        }

        try
        {
            return ReadWriteHeld(c, bo!, offset, size, data, write);
        }
        finally
        {
            Device.DropExecbufHold(bo!);
        }
    }

    private int ReadWriteHeld(IoctlCall c, BufferObject bo, ulong offset, ulong size, ulong data, bool write)
    {
        // range_overflows_t(u64, offset, size, obj size)
        if (offset >= (ulong)bo.Size || size > (ulong)bo.Size - offset)
        {
            return -Errno.EINVAL;
        }

        // i915_gem_userptr_pread / _pwrite: "no longer allowed", before any wait.
        if (IsUserptr(bo))
        {
            return -Errno.EINVAL;
        }

        bo.Resv.WaitTimeout(DmaResv.UsageRw(write), -1);
        byte[] buffer = new byte[(int)Math.Min(size, CopyChunk)];
        for (ulong done = 0; done < size;)
        {
            int n = (int)Math.Min((ulong)buffer.Length, size - done);
            Span<byte> chunk = buffer.AsSpan(0, n);
            if (write)
            {
                if (!c.Caller.TryRead(data + done, chunk))
                {
                    return -Errno.EFAULT;
                }

                GemObjectBytes.Write(bo, (long)(offset + done), chunk);
            }
            else
            {
                GemObjectBytes.Read(bo, (long)(offset + done), chunk);
                if (!c.Caller.TryWrite(data + done, chunk))
                {
                    return -Errno.EFAULT;
                }
            }

            done += (ulong)n;
        }

        return 0;
    }

    /// <summary>
    /// GEM_MMAP, the legacy CPU mmap: -EOPNOTSUPP, as i915 answers on parts past gen12.0. A tgl-class i915 would
    /// vm_mmap the object into the caller, which the server cannot do in another process; IGT probes this errno
    /// (gem_has_legacy_mmap) and uses MMAP_OFFSET instead.
    /// </summary>
    private static int GemMmapLegacy(IoctlCall c) => -Errno.EOPNOTSUPP;

    /// <summary>
    /// SET_DOMAIN (i915_gem_set_domain_ioctl): -EINVAL for a GPU domain, or a write domain that is not the only
    /// read domain; no read domain is 0 before the lookup; -ENOENT; then waits for the last writer (for a write,
    /// every fence).
    /// </summary>
    private int GemSetDomain(IoctlCall c)
    {
        uint read = c.Arg.U32(GemLayout.SetDomainRead);
        uint write = c.Arg.U32(GemLayout.SetDomainWrite);
        if (((read | write) & GemLayout.GpuDomains) != 0)
        {
            return -Errno.EINVAL;
        }

        if (write != 0 && read != write)
        {
            return -Errno.EINVAL;
        }

        if (read == 0)
        {
            return 0;
        }

        int ret = Device.LookupObject(c.Client, (int)c.Arg.U32(GemLayout.SetDomainHandle), out BufferObject? bo);
        if (ret != 0)
        {
            return ret;
        }

        // i915_gem_object_wait with I915_WAIT_INTERRUPTIBLE: a signal ends it (-ERESTARTSYS, EINTR to the caller).
        long left = bo!.Resv.WaitTimeout(DmaResv.UsageRw(write != 0), -1, c.Caller.SignalPending);
        return left < 0 ? (int)left : 0;
    }

    /// <summary>SW_FINISH (i915_gem_sw_finish_ioctl): -ENOENT for an unknown handle, else 0 (nothing to flush).</summary>
    private int GemSwFinish(IoctlCall c) => Device.LookupObject(c.Client, (int)c.Arg.U32(0), out _);

    /// <summary>GET_TILING (i915_gem_get_tiling_ioctl): -ENOENT; objects made through this front are linear (I915_TILING_NONE, no swizzle).</summary>
    private int GemGetTiling(IoctlCall c)
    {
        int ret = Device.LookupObject(c.Client, (int)c.Arg.U32(0), out _);
        if (ret == 0)
        {
            c.Arg.SetU32(4, 0);
            c.Arg.SetU32(8, 0);
            c.Arg.SetU32(12, 0);
        }

        return ret;
    }

    /// <summary>GET_APERTURE (i915_gem_get_aperture_ioctl): the users' range of the GGTT (GTT_SIZE); GpuSim pins nothing for itself.</summary>
    private int GemGetAperture(IoctlCall c)
    {
        c.Arg.SetU64(0, (ulong)Device.Gt.Ggtt.UserSize);
        c.Arg.SetU64(8, (ulong)Device.Gt.Ggtt.UserSize);
        return 0;
    }

    /// <summary>
    /// MMAP_OFFSET and MMAP_GTT (i915_gem_mmap_offset_ioctl, the same number; MMAP_GTT is the 16-byte prefix, so its
    /// flags read as GTT): extensions (i915_user_extensions: -EFAULT unreadable, else -EINVAL); -EINVAL for an unknown type; -ENOENT; FIXED is -ENODEV for an object with
    /// struct pages (integrated). The offset is the object's for that type, the same on every call.
    /// </summary>
    private int GemMmapOffset(IoctlCall c)
    {
        // i915_user_extensions with no table: an unreadable chain -EFAULT, any extension -EINVAL.
        int ret = WalkExtensions(c.Caller, c.Arg.U64(GemLayout.MmapOffsetExtensions), static (_, _) => -Errno.EINVAL);
        if (ret != 0)
        {
            return ret;
        }

        ulong type = c.Arg.U64(GemLayout.MmapOffsetFlags);
        if (type > GemLayout.MmapOffsetFixed)
        {
            return -Errno.EINVAL;
        }

        ret = Device.LookupObject(c.Client, (int)c.Arg.U32(GemLayout.MmapOffsetHandle), out BufferObject? bo);
        if (ret != 0)
        {
            return ret;
        }

        // __assign_mmap_offset: i915_gem_object_never_mmap (userptr's I915_GEM_OBJECT_NO_MMAP) is -ENODEV first.
        if (type == GemLayout.MmapOffsetFixed || IsUserptr(bo!))
        {
            return -Errno.ENODEV;
        }

        c.Arg.SetU64(GemLayout.MmapOffsetOffset, MmapOffsets.Assign(bo!, type, c.File));
        return 0;
    }

    /// <inheritdoc/>
    public int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping)
    {
        runs = [];
        mapping = null;
        int ret = MmapOffsets.Lookup(file, offset, length, out BufferObject? bo);
        if (ret == 0)
        {
            ret = Options.MemoryMap.Runs(bo!, length, out runs);
        }

        // i915_gem_mmap: the vma holds the object (vm_open/vm_close get and put it), so its pages are not freed
        // while any process still maps them, whatever happens to its handles or the file.
        if (ret == 0)
        {
            mapping = Device.HoldPages(bo!);
        }

        return ret;
    }

    /// <summary>
    /// MADVISE (i915_gem_madvise_ioctl): -EINVAL for a value other than WILLNEED (0) / DONTNEED (1); -ENOENT;
    /// retained is 1 (GpuSim never purges pages).
    /// </summary>
    private int GemMadvise(IoctlCall c)
    {
        if (c.Arg.U32(GemLayout.MadviseMadv) > 1)
        {
            return -Errno.EINVAL;
        }

        int ret = Device.LookupObject(c.Client, (int)c.Arg.U32(GemLayout.MadviseHandle), out _);
        if (ret == 0)
        {
            c.Arg.SetU32(GemLayout.MadviseRetained, 1);
        }

        return ret;
    }

    /// <summary>
    /// SET_CACHING (i915_gem_set_caching_ioctl): -EINVAL for an unknown level (checked before the lookup); -ENOENT.
    /// The level is remembered per handle and read back; GpuSim's memory is coherent whatever it says.
    /// </summary>
    private int GemSetCaching(IoctlCall c)
    {
        uint caching = c.Arg.U32(GemLayout.CachingValue);
        if (caching > GemLayout.CachingDisplay)
        {
            return -Errno.EINVAL;
        }

        int handle = (int)c.Arg.U32(GemLayout.CachingHandle);
        int ret = Device.LookupObject(c.Client, handle, out _);
        if (ret != 0)
        {
            return ret;
        }

        lock (c.State.Lock)
        {
            // DISPLAY is WT where the part has it, else uncached: a tgl-class part has no WT.
            c.State.Caching[handle] = caching == GemLayout.CachingDisplay ? GemLayout.CachingNone : caching;
        }

        return 0;
    }

    /// <summary>GET_CACHING (i915_gem_get_caching_ioctl): -ENOENT; CACHED by default on an LLC part.</summary>
    private int GemGetCaching(IoctlCall c)
    {
        int handle = (int)c.Arg.U32(GemLayout.CachingHandle);
        int ret = Device.LookupObject(c.Client, handle, out _);
        if (ret != 0)
        {
            return ret;
        }

        lock (c.State.Lock)
        {
            c.Arg.SetU32(GemLayout.CachingValue, c.State.Caching.TryGetValue(handle, out uint v) ? v : GemLayout.CachingCached);
        }

        return 0;
    }

    /// <summary>
    /// BUSY (i915_gem_busy_ioctl): -ENOENT; then, over the unsignalled fences up to READ, the read engines' classes as
    /// bits 16 and up (0x10000 &lt;&lt; class) and the writer's class + 1 in the low word (with its read bit too);
    /// a fence of another driver counts as every class (0xffff0000 read, 0xffffffff write).
    /// </summary>
    private int GemBusy(IoctlCall c)
    {
        int ret = Device.LookupObject(c.Client, (int)c.Arg.U32(GemLayout.BusyHandle), out BufferObject? bo);
        if (ret != 0)
        {
            return ret;
        }

        uint busy = 0;
        foreach (DmaResvFence entry in bo!.Resv.Fences(DmaResvUsage.Read, skipSignaled: true))
        {
            busy |= entry.Usage <= DmaResvUsage.Write ? BusyWriteId(entry.Fence) : BusyReadFlag(entry.Fence);
        }

        c.Arg.SetU32(GemLayout.BusyValue, busy);
        return 0;
    }

    /// <summary>__busy_read_flag.</summary>
    private static uint BusyReadFlag(DmaFence fence) =>
        fence is Request rq ? 0x10000u << (int)rq.Engine.Class() : 0xffff0000u;

    /// <summary>__busy_write_id.</summary>
    private static uint BusyWriteId(DmaFence fence) =>
        fence is Request rq ? ((uint)rq.Engine.Class() + 1) | BusyReadFlag(fence) : 0xffffffffu;

    /// <summary>
    /// WAIT (i915_gem_wait_ioctl): GpuDevice.Wait: -EINVAL for flags, -ENOENT, -ETIME / -EAGAIN; a positive timeout
    /// has the time left written back.
    /// </summary>
    private int GemWait(IoctlCall c)
    {
        long timeout = c.Arg.S64(GemLayout.WaitTimeout);
        int ret = Device.Wait(c.Client, (int)c.Arg.U32(GemLayout.WaitHandle), ref timeout, c.Arg.U32(GemLayout.WaitFlags), c.Caller.SignalPending);
        c.Arg.SetS64(GemLayout.WaitTimeout, timeout);
        return ret;
    }

    /// <summary>THROTTLE (i915_gem_throttle_ioctl): -EIO while the device is wedged.</summary>
    private int GemThrottle(IoctlCall c) => Device.Throttle(c.Client);

    /// <summary>VM_CREATE: -ENODEV, as i915 answers without full ppGTT; GpuSim has one shared address space.</summary>
    private static int VmCreate(IoctlCall c) => -Errno.ENODEV;

    /// <summary>
    /// VM_DESTROY (i915_gem_vm_destroy_ioctl on drm_i915_gem_vm_control: u64 extensions, u32 flags, u32 vm_id):
    /// -EINVAL for flags or extensions, else -ENOENT, since no VM was ever created.
    /// </summary>
    private static int VmDestroy(IoctlCall c) => c.Arg.U32(8) != 0 || c.Arg.U64(0) != 0 ? -Errno.EINVAL : -Errno.ENOENT;
}
