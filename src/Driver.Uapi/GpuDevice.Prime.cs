using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Core.Resv;

namespace Driver.Uapi;

public sealed partial class GpuDevice
{
    // obj->dma_buf: the one dma-buf of each exported object of this device.
    private readonly ConcurrentDictionary<BufferObject, DmaBuf> _exports = new();

    // This device's imports, by imported object.
    private readonly ConcurrentDictionary<BufferObject, PrimeImport> _imports = new();

    // The KERNEL fence of each object's last move; a second move before it signals is -EBUSY. Under the object's
    // reservation lock.
    private readonly ConcurrentDictionary<BufferObject, DmaFence> _moves = new();

    // The fence context of this device's moves (its migration "engine").
    private readonly ulong _moveContext = DmaFence.ContextAlloc();
    private int _moveSeqno;

    /// <summary>Test hook: runs in PRIME_HANDLE_TO_FD between the handle's lookup and the dma-buf's open.</summary>
    public Action<BufferObject>? PrimeExportAfterLookup { get; set; }

    /// <summary>
    /// PRIME_HANDLE_TO_FD (drm_gem_prime_handle_to_fd): exports object <paramref name="handle"/> as a dma-buf sharing
    /// the object and its reservation. The same object always gives the same dma-buf (obj->dma_buf); an import gives
    /// back the dma-buf it came from. -ENOENT for an unknown client or handle; -EINVAL for a userptr object
    /// (i915_gem_userptr_dmabuf_export: its pages are the process's, replaced on an invalidation unseen by importers).
    /// </summary>
    public int PrimeHandleToFd(int clientId, int handle, out DmaBuf? buf)
    {
        buf = null;
        try
        {
            // drm_gem_object_lookup's reference, taken under the handle table's lock: a GEM_CLOSE of the last handle
            // from another thread before the dma-buf's file is open only drops the handle; the release it would run
            // is left to the hold's drop below, which finds the file open and leaves the object to the dma-buf.
            BufferObject bo = GetObjectHeld(GetClient(clientId), handle);
            try
            {
                PrimeExportAfterLookup?.Invoke(bo);
                if (_userptrs.ContainsKey(bo))
                {
                    return -Errno.EINVAL;
                }

                DmaBuf exported = _imports.TryGetValue(bo, out PrimeImport? import)
                    ? import.Attachment.Buf
                    : _exports.GetOrAdd(bo, static b => new DmaBuf(b));
                // The caller's file of the dma-buf (dma_buf_fd): the object outlives its handles until it is closed.
                exported.Open();
                buf = exported;
                return 0;
            }
            finally
            {
                DropExecbufHold(bo);
            }
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// PRIME_FD_TO_HANDLE (drm_gem_prime_fd_to_handle) of another device's dma-buf: a new object on this device over
    /// the exporter's pages and reservation, through a dynamic attachment whose move_notify marks the mapping stale.
    /// -EBADF for no dma-buf, -ENOENT for an unknown client, -EINVAL for a dma-buf of this device (GpuSim: the kernel
    /// hands back the exporter's own object there; GpuSim's handles are not reference counted, docs/uapi.md).
    /// </summary>
    public int PrimeFdToHandle(int clientId, DmaBuf? buf, out int handle)
    {
        handle = 0;
        if (buf is null)
        {
            return -Errno.EBADF;
        }

        try
        {
            Client client = GetClient(clientId);
            if (_exports.TryGetValue(buf.Object, out DmaBuf? own) && ReferenceEquals(own, buf))
            {
                return -Errno.EINVAL;
            }

            var import = new PrimeImport(Gt.Ggtt);
            import.Attachment = buf.DynamicAttach(import);
            // dma_buf_map_attachment under the reservation lock, as a dynamic importer must: the mapping and the
            // exporter's moves are ordered by that lock.
            buf.Resv.LockResv(null);
            try
            {
                import.Object = new BufferObject(buf.Object, import.Attachment.Map());
                import.Maps++;
            }
            finally
            {
                buf.Resv.Unlock();
            }

            _imports[import.Object] = import;
            try
            {
                handle = client.AddObject(import.Object);
            }
            catch (DriverException)
            {
                DetachImport(import.Object);
                throw;
            }

            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>The import behind <paramref name="handle"/> (for tests and debugfs): -ENOENT unknown, -EINVAL not an import.</summary>
    public int GetPrimeImport(int clientId, int handle, out PrimeImport? import)
    {
        import = null;
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            return _imports.TryGetValue(bo, out import) ? 0 : -Errno.EINVAL;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    /// <summary>
    /// Moves (migrates or evicts) object <paramref name="handle"/> to new pages, as TTM's pipelined move does: under
    /// the reservation lock, the destination becomes the placement, every importer gets move_notify, and the move's
    /// fence joins the reservation as KERNEL, which every later user awaits (implicit sync of any usage includes
    /// KERNEL). The copy runs once every fence the reservation held has signalled — whatever device they are from,
    /// whatever their outcome; nothing waits under the lock. Returns 0 and the KERNEL fence; -ENOENT unknown,
    /// -EINVAL for an import (only the exporter moves its buffer) or a userptr object (its pages are the process's:
    /// i915_gem_object_can_migrate refuses an object with no migrate op), -EBUSY while the last move runs, -ENOMEM.
    /// </summary>
    public int MoveBuffer(int clientId, int handle, out DmaFence? moveFence)
    {
        moveFence = null;
        try
        {
            BufferObject bo = GetClient(clientId).GetObject(handle);
            // A userptr object's pages belong to the process, not to device memory: moving it would leave the
            // process's writes behind and free its pages into the device allocator.
            if (bo.IsImport || _userptrs.ContainsKey(bo))
            {
                return -Errno.EINVAL;
            }

            // Allocated before the lock: the allocation may reclaim, which may wait on fences.
            PageList destination = Gt.Memory.Allocate(bo.Pages.Count);
            List<DmaFence> prior;
            DmaFence move;
            _exports.TryGetValue(bo, out DmaBuf? buf);
            bo.Resv.LockResv(null);
            try
            {
                if (_moves.TryGetValue(bo, out DmaFence? running) && !running.IsSignaled)
                {
                    Gt.Memory.Free(destination);
                    return -Errno.EBUSY;
                }

                prior = bo.Resv.GetFences(DmaResvUsage.Bookkeep);
                move = new DmaFence(_moveContext, (uint)Interlocked.Increment(ref _moveSeqno));
                // dma_buf_move_notify under the lock, before the KERNEL fence is visible: an importer submitting
                // after this unlock maps the destination and finds the fence.
                buf?.BeginMove(destination);
                bo.Resv.ReserveFences(1);
                bo.Resv.AddFence(move, DmaResvUsage.Kernel);
                _moves[bo] = move;
            }
            finally
            {
                bo.Resv.Unlock();
            }

            DmaFence? after = prior.Count switch { 0 => null, 1 => prior[0], _ => new MergedFence(prior) };
            // The copy is queued from the last fence's callback, not run there: it is out of the signalling
            // section, as a TTM move's copy runs on its own engine.
            if (after is null || !after.AddCallback(new ActionFenceCallback(_ => QueueMoveCopy(bo, destination, buf, move))))
            {
                QueueMoveCopy(bo, destination, buf, move);
            }

            moveFence = move;
            return 0;
        }
        catch (DriverException e) { return -e.Errno; }
    }

    private void QueueMoveCopy(BufferObject bo, PageList destination, DmaBuf? buf, DmaFence move) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static s => s.Device.CompleteMove(s.Bo, s.Destination, s.Buf, s.Move),
            (Device: this, Bo: bo, Destination: destination, Buf: buf, Move: move), preferLocal: false);

    /// <summary>
    /// The move's copy: every earlier user of the old pages is done (their fences signalled), every later one awaits
    /// <paramref name="move"/>. Copies, points the object and its GGTT binding at the destination, then every
    /// importer's (DmaBuf.EndMove), frees the old pages, and signals the KERNEL fence last (what it publishes: the
    /// new contents, reached through every mapping).
    /// </summary>
    private void CompleteMove(BufferObject bo, PageList destination, DmaBuf? buf, DmaFence move)
    {
        PageList source = bo.Pages;
        source.CopyTo(destination);

        bo.ReplacePages(destination);
        Gt.Ggtt.RefreshPtes(bo);
        buf?.EndMove();
        Gt.Memory.Free(source);
        move.Signal();
    }

    /// <summary>
    /// Called by execbuf with every reservation of the call locked: an import whose mapping a move_notify made stale
    /// is mapped again (dma_buf_map_attachment), and the request awaits the reservation's KERNEL fences before it may
    /// use the new mapping. A move that is still running is awaited; its completion moves the binding.
    /// </summary>
    private void RevalidateImports(BufferObject[] objects, List<DmaFence> awaits)
    {
        foreach (BufferObject bo in objects)
        {
            if (!bo.IsImport || !_imports.TryGetValue(bo, out PrimeImport? import))
            {
                continue;
            }

            if (import.Attachment.NeedsMap)
            {
                // dma_buf_map_attachment again. While a move runs it hands out the destination, which the copy has
                // not filled yet and which work submitted before the move must not see: the object and its binding
                // stay on the old pages, where that work may still be running, and the move's completion switches
                // them (PrimeImport.MoveCompleted) before signalling the KERNEL fence this request awaits.
                PageList mapped = import.Attachment.Map();
                import.Maps++;
                Debug.Assert(ReferenceEquals(mapped, bo.Pages) || !bo.Resv.TestSignaled(DmaResvUsage.Kernel),
                    $"{bo}: mapped pages other than its own with no move running");
            }

            // The rule for any mapping of a dynamic attachment, stale or not: use only after the KERNEL fences.
            foreach (DmaFence f in bo.Resv.GetFences(DmaResvUsage.Kernel))
            {
                if (!awaits.Contains(f))
                {
                    awaits.Add(f);
                }
            }
        }
    }

    /// <summary>dma_buf_detach of an import being released; nothing for other objects.</summary>
    private void DetachImport(BufferObject bo)
    {
        if (_imports.TryRemove(bo, out PrimeImport? import))
        {
            import.Attachment.Buf.Detach(import.Attachment);
        }

        _exports.TryRemove(bo, out _);
        _moves.TryRemove(bo, out _);
    }
}
