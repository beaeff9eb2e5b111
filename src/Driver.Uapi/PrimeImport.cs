using System.Diagnostics;
using Driver.Core.Memory;
using Driver.Core.Prime;

namespace Driver.Uapi;

/// <summary>
/// A device's import of another device's dma-buf (i915_gem_prime_import with a dynamic attachment): the imported
/// object and its attachment. move_notify only marks the mapping stale; the next execbuf using the object maps it
/// again under the reservation lock and awaits the KERNEL fences (GpuDevice.Prime.cs). Work already submitted keeps
/// the old pages: the exporter's move awaits every fence of the reservation, this device's included, before it
/// copies and lets them go.
/// </summary>
public sealed class PrimeImport : IDmaBufImporter
{
    private int _moveNotifies;
    private int _notifiedWithoutLock;

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
}
