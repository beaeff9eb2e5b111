using System.Runtime.CompilerServices;

namespace Driver.Core.Sync;

/// <summary>
/// The set of reader slots of one <see cref="Epoch"/> or <see cref="StopMachine"/>: a copy-on-write
/// array, so waiters iterate a snapshot without a lock and registration (once per thread) is the only
/// writer.
/// </summary>
internal sealed class ReaderRegistry
{
    private readonly Lock _lock = new();
    private ReaderSlot[] _slots = [];

    /// <summary>Creates a registry indexed at <paramref name="id"/> in every thread's <see cref="ReaderSlotTable"/>.</summary>
    internal ReaderRegistry(int id)
    {
        Id = id;
    }

    /// <summary>Index of this registry's slot in each thread's <see cref="ReaderSlotTable"/>.</summary>
    internal int Id { get; }

    /// <summary>Number of registered slots (live or not yet swept).</summary>
    internal int Count => Volatile.Read(ref _slots).Length; // diagnostic: pairs with the publishing writes below

    /// <summary>The current thread's slot, or null if it never registered here. No allocation, no lock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReaderSlot? TryGetCurrentThreadSlot()
    {
        ReaderSlot?[]? table = ReaderSlotTable.Current;
        if (table is not null && (uint)Id < (uint)table.Length)
        {
            ReaderSlot? slot = table[Id];
            if (slot is not null && ReferenceEquals(slot.Registry, this))
            {
                return slot;
            }
        }

        return null;
    }

    /// <summary>The current thread's slot, registering it on first use (the only slow path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReaderSlot GetOrRegisterCurrentThread() => TryGetCurrentThreadSlot() ?? RegisterCurrentThread();

    /// <summary>
    /// The slots to wait on. Callers must take the snapshot AFTER their process-wide barrier: a thread
    /// publishes its slot here (under the lock, a full fence) before its first State store, so any
    /// reader whose State store precedes the barrier is guaranteed to be in this snapshot.
    /// </summary>
    /// <remarks>Acquire: pairs with the release publications in RegisterCurrentThread() and RemoveDeadThreads().</remarks>
    internal ReaderSlot[] Snapshot() => Volatile.Read(ref _slots);

    /// <summary>Drops the slots of threads that have exited. They can never enter a section again.</summary>
    internal void RemoveDeadThreads()
    {
        lock (_lock)
        {
            ReaderSlot[] current = _slots;
            var kept = new List<ReaderSlot>(current.Length);
            foreach (ReaderSlot slot in current)
            {
                if (slot.Owner.IsAlive)
                {
                    kept.Add(slot);
                }
            }

            if (kept.Count != current.Length)
            {
                // Release publication, pairs with Snapshot(); the array is never mutated after this.
                Volatile.Write(ref _slots, kept.ToArray());
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ReaderSlot RegisterCurrentThread()
    {
        var slot = new ReaderSlot(this, Thread.CurrentThread);
        lock (_lock)
        {
            ReaderSlot[] grown = [.. _slots, slot];

            // Release publication of the grown array; the lock exit is a full fence on top, so the slot
            // is globally visible before this thread's first State store (see Snapshot()).
            Volatile.Write(ref _slots, grown);
        }

        ReaderSlotTable.Set(Id, slot);
        return slot;
    }
}
