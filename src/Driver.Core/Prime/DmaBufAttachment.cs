using System.Diagnostics;
using Driver.Core.Memory;

namespace Driver.Core.Prime;

/// <summary>
/// One importer's attachment to a <see cref="DmaBuf"/> (struct dma_buf_attachment), dynamic: its mapping may be
/// invalidated by the exporter at any time under the reservation lock, through <see cref="IDmaBufImporter.MoveNotify"/>.
/// </summary>
public sealed class DmaBufAttachment
{
    // Whether the last mapping is stale (a move_notify came after it). Written and read under the reservation lock.
    private bool _invalidated = true;

    internal DmaBufAttachment(DmaBuf buf, IDmaBufImporter importer)
    {
        Buf = buf;
        Importer = importer;
    }

    /// <summary>The buffer attached to.</summary>
    public DmaBuf Buf { get; }

    /// <summary>The importer's callbacks.</summary>
    public IDmaBufImporter Importer { get; }

    /// <summary>Whether detached (dma_buf_detach).</summary>
    public bool IsDetached { get; internal set; }

    /// <summary>Whether the mapping needs to be built again (never mapped, or a move_notify since). Under the reservation lock.</summary>
    public bool NeedsMap
    {
        get
        {
            AssertHeld();
            return _invalidated;
        }
    }

    /// <summary>
    /// dma_buf_map_attachment for a dynamic importer: the caller holds the reservation lock. Returns the pages of the
    /// buffer's current placement — a move's destination while the move runs, so the importer must not touch them
    /// before the reservation's KERNEL fences signal (dma_buf_map_attachment's contract with dynamic importers).
    /// </summary>
    public PageList Map()
    {
        AssertHeld();
        Debug.Assert(!IsDetached, "dma_buf_map_attachment of a detached attachment");
        _invalidated = false;
        return Buf.Placement;
    }

    /// <summary>Called by <see cref="DmaBuf.MoveNotify"/> under the lock: marks the mapping stale, then tells the importer.</summary>
    internal void Invalidate()
    {
        _invalidated = true;
        Importer.MoveNotify(this);
    }

    [Conditional("DEBUG")]
    private void AssertHeld() =>
        Debug.Assert(Buf.Resv.Lock.IsHeldByCurrentThread, "dynamic dma-buf attachment used without the reservation lock");
}
