using System.Runtime.CompilerServices;
using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Drm.I915.Layout;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>
    /// The userptr objects (i915_gem_userptr_ops), for the ioctls their ops refuse: PREAD/PWRITE (-EINVAL) and
    /// MMAP_OFFSET (I915_GEM_OBJECT_NO_MMAP, -ENODEV). Weak keys: an entry goes with its object.
    /// </summary>
    private readonly ConditionalWeakTable<BufferObject, object> _userptrObjects = new();

    private bool IsUserptr(BufferObject bo) => _userptrObjects.TryGetValue(bo, out _);

    /// <summary>
    /// GEM_USERPTR (i915_gem_userptr_ioctl), in the kernel's order: -EINVAL for unknown flags; -E2BIG for more pages
    /// than an int counts (i915_gem_object_size_2big); -EINVAL for a zero size or a pointer or size not page aligned;
    /// -EFAULT outside user space (access_ok); -ENODEV for UNSYNCHRONIZED (no longer supported, whoever asks) and for
    /// READ_ONLY (gen8_ppgtt_create leaves has_read_only off on graphics 11 and 12); with PROBE, -EFAULT when a page
    /// of the range lies in no mapping (probe_range).
    /// The object's pages are fresh pages of the device memory arena: the caller's range is copied into them and the
    /// arena pages then replace the range in the caller (<see cref="IDrmCaller.ShareUserRange"/>), so from the reply
    /// on the process's pages and the object's are the same, both ways, as pin_user_pages makes them in i915. A
    /// range not (wholly) mapped and no PROBE: the object is made but not shared (i915 fails the first execbuf with
    /// -EFAULT at get_pages; GpuSim's object then reads zeros).
    /// </summary>
    private int GemUserptr(IoctlCall c)
    {
        ulong address = c.Arg.U64(UserptrLayout.UserPtr);
        ulong size = c.Arg.U64(UserptrLayout.UserSize);
        uint flags = c.Arg.U32(UserptrLayout.Flags);
        if ((flags & ~(UserptrLayout.ReadOnly | UserptrLayout.Probe | UserptrLayout.Unsynchronized)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (size / (ulong)DeviceMemory.PageSize > int.MaxValue)
        {
            return -Errno.E2BIG;
        }

        if (size == 0 || ((address | size) & (ulong)(DeviceMemory.PageSize - 1)) != 0)
        {
            return -Errno.EINVAL;
        }

        if (!AccessOk(address, size))
        {
            return -Errno.EFAULT;
        }

        if ((flags & (UserptrLayout.Unsynchronized | UserptrLayout.ReadOnly)) != 0)
        {
            return -Errno.ENODEV;
        }

        bool mapped = c.Caller.IsMapped(address, size);
        if ((flags & UserptrLayout.Probe) != 0 && !mapped)
        {
            return -Errno.EFAULT;
        }

        long created = (long)size;
        int ret = Device.CreateBuffer(c.Client, ref created, out int handle);
        if (ret != 0)
        {
            return ret;
        }

        ret = Device.LookupObject(c.Client, handle, out BufferObject? bo);
        IReadOnlyList<ArenaRun> runs = [];
        if (ret == 0)
        {
            ret = Options.MemoryMap.Runs(bo!, size, out runs);
        }

        if (ret == 0 && mapped)
        {
            // The range's mapping holds the object, as a GEM mmap does (i915_gem_mmap): its pages are not reused
            // while any process still maps them, whatever happens to the handle.
            IDisposable hold = Device.HoldPages(bo!);
            ret = c.Caller.ShareUserRange(address, runs, hold);
            if (ret != 0)
            {
                hold.Dispose();
            }
        }

        if (ret != 0)
        {
            Device.CloseBuffer(c.Client, handle);
            return ret;
        }

        _userptrObjects.AddOrUpdate(bo!, this);
        c.Arg.SetU32(UserptrLayout.Handle, (uint)handle);
        _log.Information("i915: pid {Pid} userptr 0x{Address:x}+0x{Size:x} as handle {Handle} ({Runs} arena runs, {How})",
            c.Caller.Pid, address, size, handle, runs.Count, mapped ? "the range's pages shared" : "range not mapped: not shared");
        return 0;
    }
}
