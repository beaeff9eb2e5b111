using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Core.Resv;
using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Vgem.Layout;
using Serilog;

namespace Driver.Drm.Vgem;

/// <summary>
/// The vgem DRM driver (drivers/gpu/drm/vgem): a GPU-less GEM provider, served as a second card (card1) beside i915.
/// Its objects are plain pages with a reservation object (shmem GEM: DUMB_CREATE, MAP_DUMB and mmap, GEM_CLOSE),
/// exported as dma-bufs (PRIME_HANDLE_TO_FD) that another device imports, sharing the reservation; and VGEM_FENCE_ATTACH
/// / VGEM_FENCE_SIGNAL put an unsignalled fence of the file's own into that reservation, which every importer's implicit
/// sync then waits for (IGT's "cork"). The pages come from the memory the caller passes, the i915 device's: both are
/// system RAM, and the server hands its clients one arena, so a vgem object maps like an i915 one.
/// </summary>
public sealed class VgemDriver : IDrmDriver
{
    /// <summary>vgem's DRIVER_NAME.</summary>
    public const string DriverName = "vgem";

    /// <summary>vgem's DRIVER_DESC.</summary>
    public const string DriverDesc = "Virtual GEM provider";

    /// <summary>vgem's DRIVER_DATE.</summary>
    public const string DriverDate = "20120112";

    /// <summary>VGEM_FENCE_WRITE: the fence is the object's writer (exclusive) rather than a reader (shared).</summary>
    public const uint FenceWrite = 1;

    /// <summary>VGEM_FENCE_TIMEOUT: an unsignalled fence signals itself after 10 s.</summary>
    public static readonly TimeSpan DefaultFenceTimeout = TimeSpan.FromSeconds(10);

    private readonly DeviceMemory _memory;
    private readonly IGemMemoryMap _memoryMap;
    private readonly TimeSpan _fenceTimeout;
    private readonly ILogger _log;
    private readonly Dictionary<uint, Entry> _ioctls;

    // Orders handle counts, exports and frees against each other (the object's refcount in the kernel). Taken
    // before a file's table lock; never held while a fence signals.
    private readonly Lock _objectsLock = new();
    private readonly List<VgemObject> _exported = [];
    private readonly Dictionary<BufferObject, VgemObject> _byBo = new(ReferenceEqualityComparer.Instance);
    private int _nextClient;

    /// <summary>
    /// A vgem device whose objects take their pages from <paramref name="memory"/> and map through
    /// <paramref name="memoryMap"/>; fences time out after <paramref name="fenceTimeout"/> (10 s by default).
    /// </summary>
    public VgemDriver(DeviceMemory memory, IGemMemoryMap memoryMap, TimeSpan? fenceTimeout = null, ILogger? log = null)
    {
        _memory = memory ?? throw new ArgumentNullException(nameof(memory));
        _memoryMap = memoryMap ?? throw new ArgumentNullException(nameof(memoryMap));
        _fenceTimeout = fenceTimeout ?? DefaultFenceTimeout;
        _log = log ?? Serilog.Core.Logger.None;
        _ioctls = BuildIoctlTable();
    }

    /// <summary>The device's mmap offsets.</summary>
    public MmapOffsetTable MmapOffsets { get; } = new();

    /// <summary>Test hook: runs in PRIME_HANDLE_TO_FD between the handle's lookup and the export. Null in production.</summary>
    internal Action? PrimeExportAfterLookup { get; set; }

    /// <summary>Objects whose pages are held now (allocated and not yet freed).</summary>
    public int LiveObjects { get; private set; }

    private delegate int Handler(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument);

    private sealed record Entry(uint Dir, int Size, Handler Handler);

    /// <inheritdoc/>
    public DrmFile Open(int pid) =>
        new(Interlocked.Increment(ref _nextClient), pid) { State = new VgemFile() };

    /// <inheritdoc/>
    public void Release(DrmFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.State is not VgemFile state)
        {
            return;
        }

        // vgem_postclose → vgem_fence_close: every fence the file still holds signals, so no importer waits on a
        // producer that is gone (no error: it simply signals).
        state.Fences.Close();
        MmapOffsets.Revoke(file);
        lock (_objectsLock)
        {
            List<VgemObject> objects;
            lock (state.Lock)
            {
                objects = [.. state.Objects.Values];
                state.Objects.Clear();
            }

            foreach (VgemObject obj in objects)
            {
                Unref(obj);
            }
        }
    }

    /// <inheritdoc/>
    public int Ioctl(DrmFile file, uint request, ulong argument, IDrmCaller caller)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(caller);
        // drm_ioctl, as for i915: another type than DRM_IOCTL_BASE is -ENOTTY; the number picks the entry, an unknown
        // one is -EINVAL; the argument is copied in and out by the intersection of the user's and the kernel's
        // directions, zero-filled to the kernel's size.
        if (DrmIoctl.Type(request) != DrmIoctl.DrmType)
        {
            return -Errno.ENOTTY;
        }

        if (!_ioctls.TryGetValue(DrmIoctl.Nr(request), out Entry? entry) || file.State is not VgemFile state)
        {
            return -Errno.EINVAL;
        }

        int ret = DrmIoctl.Call(request, argument, caller, entry.Dir, entry.Size,
            arg => entry.Handler(file, state, arg, caller, argument));
        if (ret < 0)
        {
            _log.Debug("vgem: ioctl 0x{Cmd:x8} pid={Pid} ret={Ret}", request, caller.Pid, Errno.Name(ret));
        }

        return ret;
    }

    /// <summary>vgem has no sync_file ioctls of its own: the server sends those to the main driver.</summary>
    public int SyncFileIoctl(int fd, uint request, ulong argument, IDrmCaller caller) => -Errno.ENOTTY;

    /// <inheritdoc/>
    public int Mmap(DrmFile file, ulong offset, ulong length, out IReadOnlyList<ArenaRun> runs, out IDisposable? mapping)
    {
        // drm_gem_mmap: the vma holds the object (drm_gem_vm_open/close get and put it), so its pages stay while any
        // process maps them, whatever happens to its handles. The lookup and the new hold are under the object lock,
        // against a free (FreeIfUnused), which takes the offset away under the same lock.
        mapping = null;
        runs = [];
        VgemObject obj;
        lock (_objectsLock)
        {
            int found = MmapOffsets.Lookup(file, offset, length, out BufferObject? bo);
            if (found != 0)
            {
                return found;
            }

            obj = _byBo[bo!];
            obj.Mappings++;
        }

        // Outside the lock (the memory map is not ordered against it); the hold keeps the pages meanwhile.
        int ret = _memoryMap.Runs(obj.Bo, length, out runs);
        if (ret != 0)
        {
            Unmap(obj);
            return ret;
        }

        mapping = new MappingHold(this, obj);
        return 0;
    }

    /// <summary>Live mmaps of vgem objects (held until munmap or the exit of the last process mapping them).</summary>
    public int LiveMappings
    {
        get
        {
            lock (_objectsLock)
            {
                return _byBo.Values.Sum(o => o.Mappings);
            }
        }
    }

    /// <summary>drm_gem_vm_close: the mapping is gone; the object goes too if nothing else holds it.</summary>
    private void Unmap(VgemObject obj)
    {
        lock (_objectsLock)
        {
            obj.Mappings--;
            FreeIfUnused(obj);
        }
    }

    /// <summary>vgem has no debugfs, sysfs or module files that GpuSim serves.</summary>
    public IReadOnlyList<string> VirtualFiles => [];

    /// <inheritdoc/>
    public int ReadVirtualFile(string path, out byte[] content)
    {
        content = [];
        return -Errno.ENOENT;
    }

    /// <inheritdoc/>
    public int WriteVirtualFile(string path, ReadOnlySpan<byte> data) => -Errno.ENOENT;

    /// <summary>The device memory belongs to the caller; open files are released by the server.</summary>
    public void Dispose()
    {
    }

    /// <summary>The object behind <paramref name="handle"/> of <paramref name="file"/> (tests): 0, or -ENOENT.</summary>
    public int LookupObject(DrmFile file, int handle, out BufferObject? bo)
    {
        ArgumentNullException.ThrowIfNull(file);
        bo = null;
        if (file.State is not VgemFile state)
        {
            return -Errno.EINVAL;
        }

        lock (state.Lock)
        {
            bo = state.Objects.TryGetValue(handle, out VgemObject? obj) ? obj.Bo : null;
        }

        return bo is null ? -Errno.ENOENT : 0;
    }

    private Dictionary<uint, Entry> BuildIoctlTable()
    {
        const uint Rw = DrmIoctl.DirRead | DrmIoctl.DirWrite;
        const uint W = DrmIoctl.DirWrite;
        return new Dictionary<uint, Entry>
        {
            [DrmIoctl.Version] = new(Rw, DrmCoreLayout.VersionSize, GetVersion),
            [DrmIoctl.GemClose] = new(W, DrmCoreLayout.GemCloseSize, GemClose),
            [DrmIoctl.GetCap] = new(Rw, DrmCoreLayout.GetCapSize, GetCap),
            [DrmIoctl.PrimeHandleToFd] = new(Rw, PrimeLayout.Size, PrimeHandleToFd),
            [DrmIoctl.PrimeFdToHandle] = new(Rw, PrimeLayout.Size, PrimeFdToHandle),
            [DrmIoctl.ModeCreateDumb] = new(Rw, VgemLayout.CreateDumbSize, CreateDumb),
            [DrmIoctl.ModeMapDumb] = new(Rw, VgemLayout.MapDumbSize, MapDumb),
            [DrmIoctl.ModeDestroyDumb] = new(Rw, VgemLayout.DestroyDumbSize, DestroyDumb),
            [VgemIoctl.FenceAttach] = new(Rw, VgemLayout.FenceAttachSize, FenceAttach),
            [VgemIoctl.FenceSignal] = new(W, VgemLayout.FenceSignalSize, FenceSignal),
        };
    }

    /// <summary>DRM_IOCTL_VERSION: vgem 1.0.0.</summary>
    private static int GetVersion(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument) =>
        DrmVersion.Write(arg, caller, 1, 0, 0, DriverName, DriverDate, DriverDesc);

    /// <summary>
    /// DRM_IOCTL_GET_CAP (drm_getcap) on a driver without DRIVER_MODESET: TIMESTAMP_MONOTONIC 1, PRIME import|export,
    /// SYNCOBJ and SYNCOBJ_TIMELINE 0; every other (KMS) capability -EOPNOTSUPP, DUMB_BUFFER included.
    /// </summary>
    private static int GetCap(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        ulong value;
        switch (arg.U64(DrmCoreLayout.GetCapCapability))
        {
            case DrmCoreLayout.CapTimestampMonotonic: value = 1; break;
            case DrmCoreLayout.CapPrime: value = 3; break;
            case DrmCoreLayout.CapSyncobj:
            case DrmCoreLayout.CapSyncobjTimeline: value = 0; break;
            default: return -Errno.EOPNOTSUPP;
        }

        arg.SetU64(DrmCoreLayout.GetCapValue, value);
        return 0;
    }

    /// <summary>
    /// DRM_IOCTL_MODE_CREATE_DUMB (drm_mode_create_dumb, then vgem's shmem dumb_create): -EINVAL for a zero width,
    /// height or bpp, or a size that overflows 32 bits; pitch = width × ceil(bpp / 8), size = pitch × height rounded
    /// up to a page; a new handle.
    /// </summary>
    private int CreateDumb(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        uint width = arg.U32(VgemLayout.CreateDumbWidth);
        uint height = arg.U32(VgemLayout.CreateDumbHeight);
        uint bpp = arg.U32(VgemLayout.CreateDumbBpp);
        if (width == 0 || height == 0 || bpp == 0 || bpp > uint.MaxValue - 8)
        {
            return -Errno.EINVAL;
        }

        ulong cpp = (bpp + 7) / 8;
        ulong pitch = cpp * width;
        ulong size = pitch * height;
        // drm_mode_create_dumb's 32-bit overflow checks, and PAGE_ALIGN(size) wrapping to 0.
        if (pitch > uint.MaxValue || size > uint.MaxValue - (DeviceMemory.PageSize - 1))
        {
            return -Errno.EINVAL;
        }

        // Zeroed before the driver's dumb_create, as drm_mode_create_dumb does.
        arg.SetU32(VgemLayout.CreateDumbHandle, 0);
        arg.SetU32(VgemLayout.CreateDumbPitch, 0);
        arg.SetU64(VgemLayout.CreateDumbSizeField, 0);
        var obj = new VgemObject(new BufferObject(_memory, (long)size, BoFlags.None)) { Handles = 1 };
        obj.Bo.Resv.Label = "vgem";
        int handle;
        lock (_objectsLock)
        {
            LiveObjects++;
            _byBo.Add(obj.Bo, obj);
            lock (state.Lock)
            {
                handle = state.Add(obj);
            }
        }

        arg.SetU32(VgemLayout.CreateDumbHandle, (uint)handle);
        arg.SetU32(VgemLayout.CreateDumbPitch, (uint)pitch);
        arg.SetU64(VgemLayout.CreateDumbSizeField, (ulong)obj.Bo.Size);
        return 0;
    }

    /// <summary>
    /// DRM_IOCTL_MODE_MAP_DUMB (drm_gem_dumb_map_offset): -ENOENT for an unknown handle; the object's fake mmap offset,
    /// allowed to this file.
    /// </summary>
    private int MapDumb(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        VgemObject? obj = Find(state, (int)arg.U32(VgemLayout.MapDumbHandle));
        if (obj is null)
        {
            return -Errno.ENOENT;
        }

        lock (_objectsLock)
        {
            // The offset is made under the object lock, so it cannot outlive the object: a handle closed meanwhile
            // (another thread of the client) freed it, and the free takes the object's offsets away.
            if (obj.Freed)
            {
                return -Errno.ENOENT;
            }

            arg.SetU64(VgemLayout.MapDumbOffset, MmapOffsets.Assign(obj.Bo, 0, file));
        }

        return 0;
    }

    /// <summary>DRM_IOCTL_MODE_DESTROY_DUMB (drm_gem_handle_delete): -EINVAL for an unknown handle.</summary>
    private int DestroyDumb(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument) =>
        DeleteHandle(state, (int)arg.U32(0));

    /// <summary>DRM_IOCTL_GEM_CLOSE (drm_gem_handle_delete): -EINVAL for an unknown handle.</summary>
    private int GemClose(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument) =>
        DeleteHandle(state, (int)arg.U32(DrmCoreLayout.GemCloseHandle));

    private int DeleteHandle(VgemFile state, int handle)
    {
        lock (_objectsLock)
        {
            VgemObject? obj;
            lock (state.Lock)
            {
                if (!state.Objects.Remove(handle, out obj))
                {
                    return -Errno.EINVAL;
                }
            }

            Unref(obj);
            return 0;
        }
    }

    /// <summary>
    /// DRM_IOCTL_PRIME_HANDLE_TO_FD (drm_prime_handle_to_fd_ioctl): -EINVAL for flags other than DRM_CLOEXEC and
    /// DRM_RDWR; -ENOENT for an unknown handle; a new descriptor of the object's one dma-buf, in fd.
    /// </summary>
    private int PrimeHandleToFd(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        if ((arg.U32(PrimeLayout.Flags) & ~PrimeLayout.ValidFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        // drm_gem_object_lookup's reference, taken with the lookup under the object lock that GEM_CLOSE's unref takes:
        // a close of the last handle before the export below drops the handle and leaves the object to this call.
        VgemObject? obj;
        lock (_objectsLock)
        {
            obj = Find(state, (int)arg.U32(PrimeLayout.Handle));
            if (obj is null)
            {
                return -Errno.ENOENT;
            }

            obj.Lookups++;
        }

        PrimeExportAfterLookup?.Invoke();
        DmaBuf buf;
        lock (_objectsLock)
        {
            obj.Lookups--;
            // obj->dma_buf: one dma-buf per object, every export a new descriptor of it. An exported object lives as
            // long as the driver: the server drops its descriptors' entry at the last close, but the exporter is not
            // told, nor are importers' references counted (docs/drm-shim.md).
            if (obj.Export is null)
            {
                obj.Export = new DmaBuf(obj.Bo);
                _exported.Add(obj);
            }

            buf = obj.Export;
        }

        return caller.InstallDmaBuf(buf, argument + PrimeLayout.Fd);
    }

    /// <summary>
    /// DRM_IOCTL_PRIME_FD_TO_HANDLE (drm_gem_prime_fd_to_handle): -EBADF for no open descriptor, -EINVAL for one that
    /// is no dma-buf; a dma-buf of this device gives back its object, under the handle this file already has for it
    /// (drm_prime_lookup_buf_handle) or a new one. GpuSim limit: vgem imports no other device's dma-buf (-EINVAL).
    /// </summary>
    private int PrimeFdToHandle(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        int ret = caller.GetDmaBuf(arg.S32(PrimeLayout.Fd), out DmaBuf? buf);
        if (ret != 0)
        {
            return ret;
        }

        lock (_objectsLock)
        {
            lock (state.Lock)
            {
                foreach ((int handle, VgemObject obj) in state.Objects)
                {
                    if (ReferenceEquals(obj.Export, buf))
                    {
                        arg.SetU32(PrimeLayout.Handle, (uint)handle);
                        return 0;
                    }
                }

                VgemObject? own = _exported.FirstOrDefault(o => ReferenceEquals(o.Export, buf));
                if (own is null)
                {
                    return -Errno.EINVAL;
                }

                own.Handles++;
                arg.SetU32(PrimeLayout.Handle, (uint)state.Add(own));
                return 0;
            }
        }
    }

    /// <summary>
    /// DRM_IOCTL_VGEM_FENCE_ATTACH (vgem_fence_attach_ioctl): -EINVAL for flags other than VGEM_FENCE_WRITE or a
    /// non-zero pad; -ENOENT for an unknown handle; -EBUSY when the reservation holds an unsignalled fence this one
    /// conflicts with (dma_resv_usage_rw: any for a writer, a writer for a reader). Else a new fence of its own
    /// context joins the reservation as WRITE or READ, unsignalled until VGEM_FENCE_SIGNAL or the 10 s timeout, and its
    /// id (from 1) is out_fence.
    /// </summary>
    private int FenceAttach(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        uint flags = arg.U32(VgemLayout.AttachFlags);
        if ((flags & ~FenceWrite) != 0 || arg.U32(VgemLayout.AttachPad) != 0)
        {
            return -Errno.EINVAL;
        }

        VgemObject? obj = Find(state, (int)arg.U32(VgemLayout.AttachHandle));
        if (obj is null)
        {
            return -Errno.ENOENT;
        }

        bool write = (flags & FenceWrite) != 0;
        var fence = new ExternalFence(_fenceTimeout, DmaFence.ContextAlloc(), 1);
        DmaResv resv = obj.Bo.Resv;
        int id;
        // Tested and added under the reservation lock, so two attaches cannot both pass the test.
        resv.LockResv(null);
        try
        {
            if (!resv.TestSignaled(DmaResv.UsageRw(write)))
            {
                id = -Errno.EBUSY;
            }
            else
            {
                id = state.Fences.Add(fence);
                if (id != 0)
                {
                    resv.ReserveFences(1);
                    resv.AddFence(fence, write ? DmaResvUsage.Write : DmaResvUsage.Read);
                }
            }
        }
        finally
        {
            resv.Unlock();
        }

        if (id <= 0)
        {
            // The failed fence signals (vgem's error path: dma_fence_signal, then put), outside the lock.
            fence.Dispose();
            return id < 0 ? id : -Errno.ENOENT;
        }

        arg.SetU32(VgemLayout.AttachOutFence, (uint)id);
        _log.Information("vgem: pid {Pid} attached fence {Fence} ({Usage}) to {Bo}", caller.Pid, id, write ? "write" : "read", obj.Bo);
        return 0;
    }

    /// <summary>
    /// DRM_IOCTL_VGEM_FENCE_SIGNAL (vgem_fence_signal_ioctl): -EINVAL for non-zero flags; -ENOENT for an unknown id or
    /// one signalled by this ioctl before (its slot is emptied); -ETIMEDOUT when the fence had signalled itself on the
    /// timeout (the slot is emptied too); else the fence signals, and whatever waited on it runs.
    /// </summary>
    private int FenceSignal(DrmFile file, VgemFile state, ArgBuffer arg, IDrmCaller caller, ulong argument)
    {
        if (arg.U32(VgemLayout.SignalFlags) != 0)
        {
            return -Errno.EINVAL;
        }

        int id = (int)arg.U32(VgemLayout.SignalFence);
        // The fence's pending callbacks are the importers' requests awaiting it: the work it plugged (IGT's cork),
        // counted for the log before they are let go.
        int plugged = state.Fences.Get(id)?.PendingCallbacks ?? 0;
        int ret = state.Fences.Signal(id);
        if (ret != -Errno.ENOENT)
        {
            _log.Information("vgem: pid {Pid} signalled fence {Fence} = {Ret}; {Plugged} requests were waiting on it",
                caller.Pid, id, ret == 0 ? "0" : Errno.Name(ret), plugged);
        }

        return ret;
    }

    private static VgemObject? Find(VgemFile state, int handle)
    {
        lock (state.Lock)
        {
            return state.Objects.TryGetValue(handle, out VgemObject? obj) ? obj : null;
        }
    }

    /// <summary>One handle fewer, under the object lock; the object goes if nothing else holds it.</summary>
    private void Unref(VgemObject obj)
    {
        --obj.Handles;
        FreeIfUnused(obj);
    }

    /// <summary>
    /// Under the object lock: an object no handle names and no process maps is freed, unless it was exported (a
    /// dma-buf's importers and descriptors are not counted by the exporter in GpuSim; it lives as long as the driver).
    /// Its mmap offsets go with it (drm_gem_free_mmap_offset), so no later mmap reaches the freed pages.
    /// </summary>
    private void FreeIfUnused(VgemObject obj)
    {
        if (obj.Handles > 0 || obj.Export is not null || obj.Mappings > 0 || obj.Lookups > 0)
        {
            return;
        }

        System.Diagnostics.Debug.Assert(!obj.Freed, "a vgem object freed twice");
        MmapOffsets.Forget(obj.Bo);
        _byBo.Remove(obj.Bo);
        obj.Freed = true;
        // Nobody else can reach the pages: the reservation's fences are vgem's own, which no longer gate anything.
        obj.Bo.Free();
        LiveObjects--;
    }

    /// <summary>One mmap's hold on its object (the vma's reference), dropped once, when the server sees the munmap.</summary>
    private sealed class MappingHold(VgemDriver driver, VgemObject obj) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                driver.Unmap(obj);
            }
        }
    }
}
