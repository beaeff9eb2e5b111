using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Core.Resv;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    /// <summary>
    /// The largest object GpuSim creates (its pages are allocated up front); larger is -EINVAL here where i915 would
    /// create it (backed lazily) or answer -E2BIG: Driver.Core's Errno has no E2BIG yet (docs/uapi.md).
    /// </summary>
    public const long MaxBufferSize = 1L << 30;

    /// <summary>Creates a buffer object (GEM_CREATE) without reading the rounded size back; see <see cref="CreateBuffer(int, ref long, out int, BoFlags)"/>.</summary>
    public int CreateBuffer(int clientId, long size, out int handle, BoFlags flags = BoFlags.None) =>
        CreateBuffer(clientId, ref size, out handle, flags);

    /// <summary>
    /// Creates a buffer object (GEM_CREATE, i915_gem_create_ioctl). <paramref name="size"/> is the kernel's u64: it is
    /// rounded up to a whole page and written back; a size that rounds to 0 (0, or within a page of 2^64 as a
    /// negative value here) is -EINVAL, one over <see cref="MaxBufferSize"/> -EINVAL too, -EINVAL for kernel-only flags,
    /// -ENOMEM when device memory is full. Works while wedged.
    /// </summary>
    public int CreateBuffer(int clientId, ref long size, out int handle, BoFlags flags = BoFlags.None)
    {
        handle = 0;
        try
        {
            Client client = GetClient(clientId);
            if ((flags & BoFlags.Kernel) != 0)
            {
                return -Errno.EINVAL;
            }

            // __i915_gem_object_create_user_ext: round_up in u64 arithmetic (which wraps to 0 for the last page of
            // the range) and 0 is EINVAL.
            ulong rounded = unchecked(((ulong)size + DeviceMemory.PageSize - 1) & ~(ulong)(DeviceMemory.PageSize - 1));
            if (rounded == 0)
            {
                return -Errno.EINVAL;
            }

            if (rounded > MaxBufferSize)
            {
                return -Errno.EINVAL;
            }

            var bo = new BufferObject(Gt.Memory, (long)rounded, flags);
            try
            {
                handle = client.AddObject(bo);
            }
            catch (DriverException)
            {
                // The client was closed meanwhile: nobody else holds the object.
                bo.Free();
                throw;
            }

            size = bo.Size;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Closes a handle (GEM_CLOSE, drm_gem_close_ioctl): unbinds and frees the object once its last request is done.
    /// An unknown or already closed handle is -EINVAL (drm_gem_handle_delete), not -ENOENT.
    /// </summary>
    public int CloseBuffer(int clientId, int handle)
    {
        try
        {
            Client client = GetClient(clientId);
            BufferObject bo;
            try
            {
                bo = client.RemoveObject(handle);
            }
            catch (DriverException e) when (e.Errno == Errno.ENOENT)
            {
                return -Errno.EINVAL;
            }

            CloseBeforeRelease?.Invoke(bo);
            ReleaseWhenUnheld(bo);
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Test hook: runs in <see cref="CloseBuffer"/> once the handle is gone, before the release starts.</summary>
    internal Action<BufferObject>? CloseBeforeRelease { get; set; }

    /// <summary>
    /// An object's last handle is gone: released once no execbuf still holds it from its lookup
    /// (<see cref="BufferObject.DeferReleaseIfHeld"/>; the last one releases it, <see cref="DropExecbufHold"/>), and
    /// then once idle (<see cref="ReleaseWhenIdle"/>).
    /// </summary>
    private void ReleaseWhenUnheld(BufferObject bo)
    {
        if (!bo.DeferReleaseIfHeld())
        {
            ReleaseWhenIdle(bo);
        }
    }

    /// <summary>
    /// Drops an execbuf's hold on <paramref name="bo"/> (taken by <see cref="LookupObjectHeld"/> or the execbuf's own
    /// lookup), after its submission: a release deferred meanwhile runs now, and waits for that submission's fence.
    /// </summary>
    public void DropExecbufHold(BufferObject bo)
    {
        ArgumentNullException.ThrowIfNull(bo);
        if (bo.DropExecbufHold())
        {
            ReleaseWhenIdle(bo);
        }
    }

    /// <summary>Releases an object whose handle is gone: now if idle, else when its last fence signals.</summary>
    private void ReleaseWhenIdle(BufferObject bo)
    {
        // Every fence counts here, BOOKKEEP included: the pages must outlive all work that may touch them.
        DmaFence? last = bo.Resv.GetSingleton(DmaResvUsage.Bookkeep);
        // AddCallback refuses a fence that has signalled, even one that signalled after a check made here: then
        // the object is idle and released now (ignoring the refusal leaked its pages and GGTT range).
        // Not released inside the callback: it runs in the fence's signalling section, and the release revokes the
        // object's mmaps (unmap_mapping_range: i_mmap_rwsem, the mmu notifiers, which may wait on fences) and waits
        // for a TLB shootdown. As i915_gem_free_object does, the callback only queues the release on a worker.
        if (last is null || !last.AddCallback(new Core.Fences.ActionFenceCallback(_ => QueueRelease(bo))))
        {
            Release(bo);
        }
    }

    /// <summary>The free worker (i915's mm.free_work): releases <paramref name="bo"/> outside the signalling section.</summary>
    private void QueueRelease(BufferObject bo) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Device.Release(state.Bo), (Device: this, Bo: bo), preferLocal: false);

    /// <summary>Guards <see cref="_pageHolds"/>; a leaf lock.</summary>
    private readonly object _pageHoldsLock = new();

    /// <summary>Objects a CPU mapping keeps alive: live mappings, and whether the release waits for their end.</summary>
    private readonly Dictionary<BufferObject, (int Mappings, bool ReleasePending)> _pageHolds = new();

    /// <summary>
    /// A CPU mapping of <paramref name="bo"/> made by a process (i915_gem_mmap: the vma holds a reference to the
    /// object, dropped at vm_close): until the returned hold is disposed the object is not released, even once its
    /// last handle is closed and its last request has retired, so its pages cannot be handed to another object while
    /// the process can still write through the mapping.
    /// </summary>
    public IDisposable HoldPages(BufferObject bo)
    {
        ArgumentNullException.ThrowIfNull(bo);
        lock (_pageHoldsLock)
        {
            _pageHolds[bo] = _pageHolds.TryGetValue(bo, out (int Mappings, bool ReleasePending) h)
                ? (h.Mappings + 1, h.ReleasePending)
                : (1, false);
        }

        return new PageHold(this, bo);
    }

    /// <summary>Number of objects a CPU mapping still keeps alive (for tests and the debugfs).</summary>
    public int HeldObjects { get { lock (_pageHoldsLock) { return _pageHolds.Count; } } }

    private void DropPageHold(BufferObject bo)
    {
        bool release = false;
        lock (_pageHoldsLock)
        {
            (int mappings, bool pending) = _pageHolds[bo];
            if (mappings > 1)
            {
                _pageHolds[bo] = (mappings - 1, pending);
            }
            else
            {
                _pageHolds.Remove(bo);
                release = pending;
            }
        }

        // vm_close's i915_gem_object_put was the last reference: the release the handle close deferred runs now.
        if (release)
        {
            ReleaseNow(bo);
        }
    }

    private sealed class PageHold(GpuDevice device, BufferObject bo) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                device.DropPageHold(bo);
            }
        }
    }

    private void Release(BufferObject bo)
    {
        // A process still maps the object: it is released when the last mapping goes (DropPageHold).
        lock (_pageHoldsLock)
        {
            if (_pageHolds.TryGetValue(bo, out (int Mappings, bool ReleasePending) h))
            {
                _pageHolds[bo] = (h.Mappings, true);
                return;
            }
        }

        ReleaseNow(bo);
    }

    private void ReleaseNow(BufferObject bo)
    {
        // Before the unbind: no GTT mmap or fence register may still point at the range.
        Mmaps.ReleaseObject(bo);
        Gt.Ggtt.Remove(bo);
        ReleaseUserptr(bo);
        // An exported object another device still imports keeps its pages until the last importer detaches (the
        // dma-buf's reference on the object); its handle, binding and mappings here go now.
        _exports.TryGetValue(bo, out DmaBuf? exported);
        DetachImport(bo);
        if (exported is null || !exported.DeferReleaseWhileAttached(bo.Free))
        {
            bo.Free();
        }
    }

    /// <summary>
    /// Binds an object into the GGTT and returns its address. <paramref name="fixedOffset"/> 0 lets the driver pick;
    /// otherwise it must be page aligned and free (EINVAL / ENOSPC).
    /// </summary>
    public int Bind(int clientId, int handle, out uint offset, uint fixedOffset = 0)
    {
        offset = 0;
        try
        {
            BufferObject bo = GetObjectHeld(GetClient(clientId), handle);
            try
            {
                offset = Gt.Ggtt.Insert(bo, fixedOffset == 0 ? null : fixedOffset).Offset;
            }
            finally
            {
                DropExecbufHold(bo);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>Maps an object for CPU access (linear, like MMAP_OFFSET WB).</summary>
    public int Map(int clientId, int handle, out BufferMapping? mapping)
    {
        mapping = null;
        try
        {
            mapping = new BufferMapping(GetClient(clientId).GetObject(handle));
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Writes dwords at a byte offset (PWRITE, i915_gem_pwrite_ioctl): nothing to write is 0 before the handle is
    /// looked up; -ENOENT for an unknown handle; -EINVAL when out of range, or (GpuSim only) not dword aligned; -EINVAL
    /// for a userptr object (i915_gem_userptr_pwrite).
    /// </summary>
    public int Write(int clientId, int handle, long offset, ReadOnlySpan<uint> dwords) =>
        Write(clientId, handle, offset, dwords, CancellationToken.None);

    /// <summary>
    /// <see cref="Write(int, int, long, ReadOnlySpan{uint})"/> whose wait for the GPU is interruptible: when
    /// <paramref name="interrupt"/> fires (a signal to the calling task) the call returns -EINTR without writing, as
    /// i915's interruptible i915_gem_object_wait does.
    /// </summary>
    public int Write(int clientId, int handle, long offset, ReadOnlySpan<uint> dwords, CancellationToken interrupt)
    {
        try
        {
            Client client = GetClient(clientId);
            if (dwords.IsEmpty)
            {
                return 0;
            }

            BufferObject bo = GetObjectHeld(client, handle);
            try
            {
                if (!bo.IsValidDwordOffset(offset) || offset + dwords.Length * 4L > bo.Size)
                {
                    return -Errno.EINVAL;
                }

                // i915_gem_userptr_pwrite, the object's op, after the range check and before any wait: "no longer
                // allowed" (the same -EINVAL the ioctl gives, I915Driver.GemReadWrite).
                if (_userptrs.ContainsKey(bo))
                {
                    return -Errno.EINVAL;
                }

                // i915_gem_shmem_pwrite → i915_gem_object_prepare_write: every GPU user, readers too (I915_WAIT_ALL),
                // is waited out after the range check and before the copy, so an earlier batch's store cannot land
                // on top of this write. In-process callers that must write while a batch runs (ending a spinner)
                // use a CPU mapping, as IGT does.
                long waited = bo.Resv.WaitTimeout(DmaResv.UsageRw(write: true), -1, interrupt);
                if (waited < 0)
                {
                    return (int)waited;
                }

                bo.WriteDwords(offset, dwords);
            }
            finally
            {
                DropExecbufHold(bo);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// i915_gem_object_lookup's reference, for an ioctl that touches the object's pages or binding after the lookup:
    /// until <see cref="DropExecbufHold"/> a GEM_CLOSE of the last handle from another thread only drops the handle,
    /// and the release runs when the hold goes (the pages cannot be freed, and handed to another object, under it).
    /// </summary>
    private static BufferObject GetObjectHeld(Client client, int handle) => client.GetObjectHeld(handle);

    /// <summary>
    /// Reads dwords from a byte offset (PREAD, i915_gem_pread_ioctl): nothing to read is 0 before the handle is
    /// looked up; -ENOENT for an unknown handle; -EINVAL when out of range, or (GpuSim only) not dword aligned; -EINVAL
    /// for a userptr object (i915_gem_userptr_pread).
    /// </summary>
    public int Read(int clientId, int handle, long offset, Span<uint> dwords) =>
        Read(clientId, handle, offset, dwords, CancellationToken.None);

    /// <summary>
    /// <see cref="Read(int, int, long, Span{uint})"/> whose wait for the last writer is interruptible: -EINTR when
    /// <paramref name="interrupt"/> fires, nothing read.
    /// </summary>
    public int Read(int clientId, int handle, long offset, Span<uint> dwords, CancellationToken interrupt)
    {
        try
        {
            Client client = GetClient(clientId);
            if (dwords.IsEmpty)
            {
                return 0;
            }

            BufferObject bo = GetObjectHeld(client, handle);
            try
            {
                if (!bo.IsValidDwordOffset(offset) || offset + dwords.Length * 4L > bo.Size)
                {
                    return -Errno.EINVAL;
                }

                // i915_gem_userptr_pread: as for PWRITE above.
                if (_userptrs.ContainsKey(bo))
                {
                    return -Errno.EINVAL;
                }

                // i915_gem_shmem_pread → i915_gem_object_prepare_read: the last writer only (no I915_WAIT_ALL), so
                // the copy sees every store of an execbuf that wrote the object.
                long waited = bo.Resv.WaitTimeout(DmaResv.UsageRw(write: false), -1, interrupt);
                if (waited < 0)
                {
                    return (int)waited;
                }

                for (int i = 0; i < dwords.Length; i++)
                {
                    dwords[i] = bo.ReadDword(offset + i * 4L);
                }
            }
            finally
            {
                DropExecbufHold(bo);
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }
}
