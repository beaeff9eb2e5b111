using System.Diagnostics;
using Driver.Core.Memory;
using Driver.Core.Resv;

namespace Driver.Core.Prime;

/// <summary>
/// An exported buffer (struct dma_buf, the fd PRIME_HANDLE_TO_FD returns): the exporter's <see cref="BufferObject"/>,
/// its reservation object shared with every importer, and the dynamic attachments. Any device may import it.
/// </summary>
/// <remarks>
/// Everything that changes the attachments or the placement runs under <see cref="Resv"/>'s lock, which is what
/// orders a move (<see cref="BeginMove"/> → move_notify → KERNEL fence) against an importer's
/// <see cref="DmaBufAttachment.Map"/>: an importer mapping before the move got the old placement and was notified;
/// one mapping after it gets the destination and finds the KERNEL fence in the reservation.
/// </remarks>
public sealed class DmaBuf
{
    // Under Resv's lock; the list object is replaced, never mutated, so an enumeration under the lock is stable.
    private DmaBufAttachment[] _attachments = [];

    // A running move's destination (TTM's bo->resource is switched at the start of a pipelined move). Written under
    // the lock; cleared by EndMove, under it too, once the copy is made.
    private PageList? _destination;

    // The exporter's release of its object, deferred while importers are attached or files hold the buffer
    // (DeferReleaseWhileAttached): run by the last Detach or Close. Under the lock.
    private Action? _releaseWhenDetached;

    // Open files of the dma-buf (its fds, and in-process holders): each holds the exporter's object, as the reference
    // drm_gem_prime_export takes is dropped only when the dma-buf's last file goes (drm_gem_dmabuf_release). Under the lock.
    private int _files;

    /// <summary>Exports <paramref name="bo"/> (dma_buf_export).</summary>
    public DmaBuf(BufferObject bo)
    {
        ArgumentNullException.ThrowIfNull(bo);
        Debug.Assert(!bo.IsImport, "re-exporting an import: export the original");
        Object = bo;
    }

    /// <summary>The exporter's object.</summary>
    public BufferObject Object { get; }

    /// <summary>The shared reservation object (dma_buf->resv).</summary>
    public DmaResv Resv => Object.Resv;

    /// <summary>Attachments, a snapshot.</summary>
    public IReadOnlyList<DmaBufAttachment> Attachments => Volatile.Read(ref _attachments);

    /// <summary>Number of move_notify rounds (dma_buf_move_notify calls).</summary>
    public int MoveNotifyCount { get; private set; }

    /// <summary>The pages an importer mapping now gets: a running move's destination, else the object's pages. Under the lock.</summary>
    internal PageList Placement => Volatile.Read(ref _destination) ?? Object.Pages;

    /// <summary>
    /// dma_buf_dynamic_attach: attaches <paramref name="importer"/>, taking the reservation lock as the kernel does
    /// for a dynamic attachment. The caller must hold no reservation lock of this buffer.
    /// </summary>
    public DmaBufAttachment DynamicAttach(IDmaBufImporter importer)
    {
        ArgumentNullException.ThrowIfNull(importer);
        var attach = new DmaBufAttachment(this, importer);
        Resv.LockResv(null);
        try
        {
            Volatile.Write(ref _attachments, [.. _attachments, attach]);
        }
        finally
        {
            Resv.Unlock();
        }

        return attach;
    }

    /// <summary>
    /// dma_buf_detach: under the reservation lock; a detached attachment is never notified again. The last one to go
    /// runs an exporter release deferred by <see cref="DeferReleaseWhileAttached"/> (after the lock is dropped).
    /// </summary>
    public void Detach(DmaBufAttachment attach)
    {
        ArgumentNullException.ThrowIfNull(attach);
        Action? release = null;
        Resv.LockResv(null);
        try
        {
            attach.IsDetached = true;
            Volatile.Write(ref _attachments, _attachments.Where(a => a != attach).ToArray());
            if (_attachments.Length == 0 && _files == 0)
            {
                release = _releaseWhenDetached;
                _releaseWhenDetached = null;
            }
        }
        finally
        {
            Resv.Unlock();
        }

        release?.Invoke();
    }

    /// <summary>
    /// A new file of the dma-buf (dma_buf_fd, or an in-process holder of the export): until its
    /// <see cref="Close"/>, the exporter's object is not freed, whatever its handles do.
    /// </summary>
    public void Open()
    {
        Resv.LockResv(null);
        try
        {
            _files++;
        }
        finally
        {
            Resv.Unlock();
        }
    }

    /// <summary>
    /// A file of the dma-buf closes (its last fd copy, or an in-process holder lets go): the last file, with no
    /// importer attached, runs an exporter release deferred by <see cref="DeferReleaseWhileAttached"/>.
    /// </summary>
    public void Close()
    {
        Action? release = null;
        Resv.LockResv(null);
        try
        {
            Debug.Assert(_files > 0, $"{this}: closed more often than opened");
            _files--;
            if (_files == 0 && _attachments.Length == 0)
            {
                release = _releaseWhenDetached;
                _releaseWhenDetached = null;
            }
        }
        finally
        {
            Resv.Unlock();
        }

        release?.Invoke();
    }

    /// <summary>
    /// The exporter releases its object (its last handle closed, its work done): while importers are attached or files are open, the
    /// dma-buf still holds the object (the reference drm_gem_prime_export takes, dropped only by
    /// drm_gem_dmabuf_release), so <paramref name="release"/> (freeing the pages) is kept for the last
    /// <see cref="Detach"/>, and true returned; false when nothing is attached and the caller releases now. An
    /// importer's release waits for its own work on the shared reservation first, so the pages outlive every batch
    /// that may touch them.
    /// </summary>
    public bool DeferReleaseWhileAttached(Action release)
    {
        ArgumentNullException.ThrowIfNull(release);
        Resv.LockResv(null);
        try
        {
            if (_attachments.Length == 0 && _files == 0)
            {
                return false;
            }

            Debug.Assert(_releaseWhenDetached is null, $"{this}: its exporter released twice");
            _releaseWhenDetached = release;
            return true;
        }
        finally
        {
            Resv.Unlock();
        }
    }

    /// <summary>
    /// The exporter starts moving the buffer to <paramref name="destination"/>: under the reservation lock, the
    /// destination becomes the placement importers map, and every importer is told (dma_buf_move_notify). The caller
    /// then adds the move's KERNEL fence before unlocking.
    /// </summary>
    public void BeginMove(PageList destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        AssertHeld();
        Debug.Assert(Volatile.Read(ref _destination) is null, "a second move before the first ended: await its KERNEL fence");
        Volatile.Write(ref _destination, destination);
        MoveNotify();
    }

    /// <summary>
    /// The move is done (the object points at the destination, the copy is made, the old pages not yet freed): under
    /// the reservation lock, no running move any more, and every attachment is switched to the new placement
    /// (<see cref="IDmaBufImporter.MoveCompleted"/>) before the caller frees the old pages and signals the KERNEL
    /// fence. The lock orders the switch against an importer's execbuf, which maps and binds under it.
    /// </summary>
    public void EndMove()
    {
        Resv.LockResv(null);
        try
        {
            PageList? destination = Volatile.Read(ref _destination);
            Debug.Assert(destination is not null, "EndMove without BeginMove");
            Debug.Assert(ReferenceEquals(destination, Object.Pages), "EndMove before the exporter's object points at the destination");
            Volatile.Write(ref _destination, null);
            foreach (DmaBufAttachment attach in _attachments)
            {
                attach.Importer.MoveCompleted(attach, Object.Pages);
            }
        }
        finally
        {
            Resv.Unlock();
        }
    }

    /// <summary>
    /// dma_buf_move_notify: calls every attachment's <see cref="IDmaBufImporter.MoveNotify"/>. The caller holds the
    /// reservation lock (dma_resv_assert_held in the kernel): that lock is what keeps an importer from mapping or
    /// submitting between the notify and the KERNEL fence the mover adds next.
    /// </summary>
    public void MoveNotify()
    {
        AssertHeld();
        MoveNotifyCount++;
        foreach (DmaBufAttachment attach in _attachments)
        {
            attach.Invalidate();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"dma-buf of {Object}";

    [Conditional("DEBUG")]
    private void AssertHeld() =>
        Debug.Assert(Resv.Lock.IsHeldByCurrentThread, "dma_buf_move_notify without the reservation lock (dma_resv_assert_held)");
}
