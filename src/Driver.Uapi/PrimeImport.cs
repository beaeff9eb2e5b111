using System.Diagnostics;
using Driver.Core.Memory;
using Driver.Core.Prime;

namespace Driver.Uapi;

/// <summary>
/// A device's import of another device's dma-buf (i915_gem_prime_import with a dynamic attachment): the imported
/// object and its attachment. move_notify only marks the mapping stale; the next execbuf using the object maps it
/// again under the reservation lock and awaits the KERNEL fences (GpuDevice.Prime.cs). Work already submitted keeps
/// the old pages: the exporter's move awaits every fence of the reservation, this device's included, before it
/// copies; then <see cref="MoveCompleted"/> points the object and its binding at the new pages, before the old ones
/// go and before the KERNEL fence lets later work run.
/// </summary>
public sealed class PrimeImport : IDmaBufImporter
{
    // The importing device's GGTT, whose binding of the object follows it to a new placement.
    private readonly Ggtt _ggtt;
    private int _moveNotifies;
    private int _notifiedWithoutLock;

    internal PrimeImport(Ggtt ggtt) => _ggtt = ggtt;

    /// <summary>The attachment, set once attached.</summary>
    public DmaBufAttachment Attachment { get; internal set; } = null!;

    /// <summary>The imported object, set once built.</summary>
    public BufferObject Object { get; internal set; } = null!;

    /// <summary>move_notify calls received.</summary>
    public int MoveNotifies => Volatile.Read(ref _moveNotifies);

    /// <summary>move_notify calls that came without the reservation lock held (a bug of the exporter).</summary>
    public int NotifiedWithoutLock => Volatile.Read(ref _notifiedWithoutLock);

    /// <summary>Mappings built (the first one at import, then one per use after a move_notify).</summary>
    public int Maps { get; internal set; }

    /// <inheritdoc/>
    public void MoveNotify(DmaBufAttachment attachment)
    {
        // i915_gem_dmabuf_move_notify runs under dma_resv_assert_held: the lock keeps this device's execbuf from
        // mapping between this notify and the KERNEL fence the exporter adds before unlocking.
        bool held = attachment.Buf.Resv.Lock.IsHeldByCurrentThread;
        Debug.Assert(held, "move_notify without the reservation lock");
        if (!held)
        {
            Interlocked.Increment(ref _notifiedWithoutLock);
        }

        Interlocked.Increment(ref _moveNotifies);
    }

    /// <inheritdoc/>
    public void MoveCompleted(DmaBufAttachment attachment, PageList placement)
    {
        Debug.Assert(attachment.Buf.Resv.Lock.IsHeldByCurrentThread, "move completed without the reservation lock");
        // Null while the import is being built: its first mapping, made under the lock after this, is the new placement.
        BufferObject? bo = Object;
        if (bo is null || ReferenceEquals(bo.Pages, placement))
        {
            return;
        }

        // Nothing of this device's can be using the old pages: the move awaited every fence of the shared
        // reservation, and whatever came later awaits the KERNEL fence the exporter signals after this returns.
        bo.ReplacePages(placement);
        _ggtt.RefreshPtes(bo);
    }
}
