using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Driver.Core.Locking;

namespace Driver.Core.Sync;

/// <summary>
/// An RCU-like epoch domain: the userspace analogue of <c>rcu_read_lock()</c> /
/// <c>synchronize_rcu_expedited()</c>, in the style of liburcu's "membarrier" flavour.
/// </summary>
/// <remarks>
/// <para>
/// Read side: <see cref="ReadLock"/> stores <c>(current epoch | active)</c> into the calling thread's own
/// padded slot; <see cref="ReadUnlock"/> stores 0. No lock, no allocation, no interlocked instruction, no
/// fence, and the only shared line touched is the read-mostly epoch counter.
/// </para>
/// <para>
/// Write side: <see cref="Synchronize()"/> advances the epoch, forces every running thread through a full
/// barrier with <see cref="Interlocked.MemoryBarrierProcessWide"/> (sys_membarrier), then waits until each
/// slot is inactive or carries the new epoch. Readers that entered under the new epoch are never waited for,
/// so a stream of short sections cannot starve a writer. The epoch is a 64-bit counter that never wraps,
/// which is why one phase suffices where liburcu's one-bit phase needs two flips.
/// </para>
/// <para>
/// Contract for readers: load the protected pointer with <see cref="Volatile.Read{T}(ref readonly T)"/>
/// (the <c>rcu_dereference()</c> of .NET); do not carry a section across an <c>await</c> (sections belong
/// to a thread); leave every section you enter on the same thread.
/// </para>
/// <para>
/// Threads that exit: a slot of a dead thread is treated as quiescent and is dropped from the registry by
/// a later grace period. That holds even if the thread died inside a section (a bug in the caller, e.g. an
/// exception escaping without <c>using</c>): a dead thread can no longer dereference anything, so waiting
/// for it would only turn the bug into a hang.
/// </para>
/// <para>
/// Concurrent <see cref="Synchronize()"/> callers are serialized, and a caller whose arrival preceded the
/// start of a grace period that has since completed returns without running another one.
/// </para>
/// </remarks>
public sealed class Epoch
{
    /// <summary>Low bit of a slot's State: inside a section. Epochs are even, so the bit is free.</summary>
    private const long ActiveBit = 1;

    /// <summary>Epoch increment per grace period (keeps <see cref="ActiveBit"/> clear).</summary>
    private const long EpochStep = 2;

    /// <summary>Sweep the slots of exited threads every this many grace periods (IsAlive is not free).</summary>
    private const long SweepInterval = 64;

    private readonly ReaderRegistry _readers;
    private readonly Lock _gracePeriodLock = new();
    private EpochCounters _counters;

    /// <summary>Written by grace periods only (never by readers), so it stays off the readers' cache lines.</summary>
    private long _readerWaits;

    /// <summary>Creates an epoch domain.</summary>
    /// <param name="name">Diagnostic name, e.g. <c>"engine.submit_request"</c>.</param>
    public Epoch(string name)
        : this(name, Lockdep.Default)
    {
    }

    /// <summary>Creates an epoch domain whose lockdep map belongs to <paramref name="validator"/> (tests).</summary>
    /// <param name="name">Diagnostic name, also the lockdep class of its map.</param>
    /// <param name="validator">The validator that sees its read sections and grace periods.</param>
    public Epoch(string name, LockValidator validator)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(validator);
        Name = name;
        _readers = new ReaderRegistry(ReaderRegistryIds.Allocate());
        DepMap = new LockdepMap(validator.Class(name));
    }

    /// <summary>Recycles the slot-table id; stale per-thread entries are rejected by their registry tag.</summary>
    ~Epoch()
    {
        // Null only if the constructor threw before allocating an id.
        if (_readers is not null)
        {
            ReaderRegistryIds.Release(_readers.Id);
        }
    }

    /// <summary>Diagnostic name given at construction.</summary>
    public string Name { get; }

    /// <summary>True if the current thread is inside a read section of this epoch.</summary>
    public bool IsReadLocked => _readers.TryGetCurrentThreadSlot()?.Hot.Nesting > 0;

    /// <summary>
    /// The lockdep map of the domain (srcu_struct's dep_map): readers hold it as recursive readers, as
    /// srcu_read_lock does, and <see cref="Synchronize(TimeSpan)"/> acquires and releases it exclusively, as
    /// synchronize_srcu does since 6.2. A grace period started with a lock held that some reader takes inside its
    /// section, or inside a section of the same domain, is then reported like an AB-BA on a lock.
    /// </summary>
    public LockdepMap DepMap { get; }

    /// <summary>Number of grace periods completed by <see cref="Synchronize()"/> (shared ones count once).</summary>
    public long GracePeriods => Volatile.Read(ref _counters.GracePeriods); // statistics: atomic read, no ordering implied

    /// <summary>Times a grace period found a reader inside a section it had to wait for (statistics).</summary>
    public long ReaderWaits => Volatile.Read(ref _readerWaits);

    /// <summary>
    /// Enters a read-side section. Sections nest (per thread, per epoch); only the outermost one publishes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadLock()
    {
        DepMap.AcquireRecursiveRead();
        ReaderSlot slot = _readers.GetOrRegisterCurrentThread();
        if (slot.Hot.Nesting++ == 0)
        {
            // Acquire load of the epoch: the caller's protected loads cannot be performed before it, so a
            // reader that sees the NEW epoch also sees every store its writer made before advancing it
            // (pairs with the release store of Current in RunGracePeriod()).
            long epoch = Volatile.Read(ref _counters.Current);

            // Publish "reading since <epoch>". Deliberately no fence here: this store may sit in the store
            // buffer while the caller's protected loads run ahead of it. That store->load reordering is
            // exactly what the first MemoryBarrierProcessWide in RunGracePeriod() pairs with: it makes this
            // store visible to the writer, or else orders our protected loads after the writer's update.
            // Being volatile, this store also acts as liburcu's cmm_barrier(): RyuJIT treats volatile
            // accesses as ordering side effects and does not move the caller's Volatile.Read of the
            // protected pointer above it. Only the CPU may, and that is the case covered above.
            Volatile.Write(ref slot.Hot.State, epoch | ActiveBit);
        }
    }

    /// <summary>Leaves a read-side section.</summary>
    /// <exception cref="InvalidOperationException">The current thread is not inside a section of this epoch.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ReadUnlock()
    {
        ReaderSlot? slot = _readers.TryGetCurrentThreadSlot();
        if (slot is null || slot.Hot.Nesting <= 0)
        {
            ThrowUnbalancedUnlock();
        }

        if (--slot.Hot.Nesting == 0)
        {
            // Release store: every load of the section completes before the writer can see us leave.
            // Pairs with the acquire load of State in WaitForReader(), so nothing the writer does after
            // the grace period (retiring / freeing the old object) can be observed by this section.
            Volatile.Write(ref slot.Hot.State, 0);
        }

        DepMap.Release();
    }

    /// <summary>Enters a read-side section and returns a scope whose Dispose leaves it; allocation-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public EpochReadScope Read()
    {
        DepMap.AcquireRecursiveRead();
        ReaderSlot slot = _readers.GetOrRegisterCurrentThread();
        if (slot.Hot.Nesting++ == 0)
        {
            // Same publication as ReadLock() (see the comments there for what each access pairs with).
            long epoch = Volatile.Read(ref _counters.Current);
            Volatile.Write(ref slot.Hot.State, epoch | ActiveBit);
        }
        return new EpochReadScope(slot, DepMap);
    }

    /// <summary>Thrown by a scope disposed more times than its section was entered.</summary>
    internal static void ThrowUnbalancedScope() =>
        throw new InvalidOperationException("epoch read scope disposed twice (unbalanced read-side section)");

    /// <summary>
    /// Waits for a grace period: on return, every read section that was in progress when the call began
    /// has ended. Sections that begin during the call are not waited for.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called from inside a read section of this epoch (it would wait for itself).</exception>
    public void Synchronize() => Synchronize(Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Like <see cref="Synchronize()"/> but gives up after <paramref name="timeout"/>. On false the grace
    /// period did not complete and nothing may be reclaimed; a later call starts a fresh one.
    /// </summary>
    /// <param name="timeout">Maximum wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>True if a grace period completed; false on timeout.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a read section of this epoch.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public bool Synchronize(TimeSpan timeout)
    {
        if (IsReadLocked)
        {
            throw new InvalidOperationException(
                $"Epoch '{Name}': Synchronize() called inside a read section of the same epoch would wait for itself.");
        }

        // synchronize_srcu's lock_map_acquire/release: the grace period waits for every reader, hence for every
        // lock a reader may take inside its section.
        DepMap.Wait();

        var deadline = SyncDeadline.From(timeout);

        // Full fence: the caller's stores made before this call (typically swapping the protected pointer)
        // become visible before we sample the epoch. If another caller's grace period then advances the
        // epoch past our sample, its MemoryBarrierProcessWide is ordered after our stores, so it covers
        // them as well as its own and we may share it (the Completed check below).
        Interlocked.MemoryBarrier();

        // Ordered after the fence above; the value pairs with the release store in RunGracePeriod().
        long needed = Volatile.Read(ref _counters.Current) + EpochStep;

        if (!_gracePeriodLock.TryEnter(deadline.Remaining))
        {
            return false;
        }

        try
        {
            // A grace period that advanced the epoch to 'needed' or beyond started after we arrived and
            // has completed: it waited for every reader we must wait for. Acquire: pairs with the release
            // store of Completed below (the lock orders it too).
            if (Volatile.Read(ref _counters.Completed) >= needed)
            {
                return true;
            }

            return RunGracePeriod(deadline);
        }
        finally
        {
            _gracePeriodLock.Exit();
        }
    }

    /// <summary>One grace period; the caller holds <see cref="_gracePeriodLock"/>.</summary>
    private bool RunGracePeriod(SyncDeadline deadline)
    {
        // Plain read: only grace-period holders (serialized by the lock) write Current.
        long target = _counters.Current + EpochStep;

        // Release store: the caller's earlier stores (the pointer swap) are visible to any reader whose
        // acquire load in ReadLock() returns 'target', so such a reader never needs waiting for.
        Volatile.Write(ref _counters.Current, target);

        // sys_membarrier, the writer half of the asymmetric Dekker with ReadLock() (whose half is only a
        // compiler barrier). Every thread of the process executes a full barrier at some point P during
        // this call. A reader whose State store is program-ordered before its P is now visible to the scan
        // below (so we wait for it); a reader that stores after its P also loads the protected pointer
        // after P, and therefore sees the caller's new value. Either way no reader that can still hold the
        // old object escapes the scan.
        Interlocked.MemoryBarrierProcessWide();

        // Snapshot after the barrier: a thread registers its slot before its first State store (see
        // ReaderRegistry.Snapshot), so the barrier argument above covers brand-new readers too.
        bool sawDead = false;
        foreach (ReaderSlot slot in _readers.Snapshot())
        {
            switch (WaitForReader(slot, target, deadline, ref _readerWaits))
            {
                case ReaderWait.Quiescent:
                    break;
                case ReaderWait.OwnerDead:
                    sawDead = true;
                    break;
                default:
                    return false;
            }
        }

        // Second sys_membarrier, as liburcu's smp_mb_master() after the wait: the readers' release stores
        // of 0 already order their sections before our acquire loads, and this extends that to every
        // thread, so whatever the caller does next (retire / reuse the old object) is ordered after all
        // the sections we waited for, on all CPUs, without a fence on the read side.
        Interlocked.MemoryBarrierProcessWide();

        // Statistics counter; atomic only so that the GracePeriods getter never reads a torn value.
        long completed = Interlocked.Increment(ref _counters.GracePeriods);
        if (sawDead || completed % SweepInterval == 0)
        {
            _readers.RemoveDeadThreads();
        }

        // Release store: pairs with the acquire load of Completed in Synchronize(), letting a queued caller
        // share this grace period.
        Volatile.Write(ref _counters.Completed, target);
        return true;
    }

    /// <summary>
    /// Waits until <paramref name="slot"/> no longer holds a section older than <paramref name="target"/>; a wait is
    /// counted in <paramref name="waits"/>.
    /// </summary>
    private static ReaderWait WaitForReader(ReaderSlot slot, long target, SyncDeadline deadline, ref long waits)
    {
        var backoff = new SyncBackoff();
        bool counted = false;
        while (true)
        {
            // Acquire load: pairs with the release store of 0 in ReadUnlock(), so the section's loads
            // happen-before everything after the grace period.
            long state = Volatile.Read(ref slot.Hot.State);

            // Inactive, or a section entered under the new epoch (it read the epoch after our release
            // store, so it sees the caller's update): not a pre-existing reader.
            if (state == 0 || (state & ~ActiveBit) >= target)
            {
                return ReaderWait.Quiescent;
            }

            if (!counted)
            {
                Interlocked.Increment(ref waits);
                counted = true;
            }

            // Only once spinning failed: a thread that died inside a section would otherwise block us forever.
            if (backoff.IsSlow && !slot.Owner.IsAlive)
            {
                return ReaderWait.OwnerDead;
            }

            if (deadline.IsExpired)
            {
                return ReaderWait.TimedOut;
            }

            backoff.Wait();
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnbalancedUnlock() =>
        throw new InvalidOperationException($"Epoch '{Name}': ReadUnlock() without a matching ReadLock() on this thread.");
}
