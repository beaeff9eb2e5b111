using System.Runtime.CompilerServices;
using Driver.Core.Locking;

namespace Driver.Core.Sync;

/// <summary>
/// A read-side section of an <see cref="Epoch"/>, left on <see cref="Dispose"/>. A struct so that
/// <c>using (epoch.Read()) { ... }</c> allocates nothing (the compiler calls Dispose without boxing).
/// Dispose exactly once: a second Dispose is an extra <see cref="Epoch.ReadUnlock"/>.
/// </summary>
public readonly struct EpochReadScope : IDisposable
{
    /// <summary>
    /// The thread's slot the section was entered on: leaving through it skips the per-thread lookup that
    /// <see cref="Epoch.ReadUnlock"/> does (this is the submit path's read side).
    /// </summary>
    private readonly ReaderSlot? _slot;

    /// <summary>The domain's lockdep map, held (recursive read) by the section.</summary>
    private readonly LockdepMap? _map;

    /// <summary>Wraps a section that the caller has already entered on <paramref name="slot"/>.</summary>
    internal EpochReadScope(ReaderSlot slot, LockdepMap map)
    {
        _slot = slot;
        _map = map;
    }

    /// <summary>Leaves the section (as <see cref="Epoch.ReadUnlock"/>); a default instance does nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Dispose()
    {
        ReaderSlot? slot = _slot;
        if (slot is null)
        {
            return;
        }

        if (slot.Hot.Nesting <= 0)
        {
            Epoch.ThrowUnbalancedScope();
        }

        if (--slot.Hot.Nesting == 0)
        {
            // Release store, as in Epoch.ReadUnlock: pairs with the acquire load of State in WaitForReader().
            Volatile.Write(ref slot.Hot.State, 0);
        }

        _map!.Release();
    }
}
