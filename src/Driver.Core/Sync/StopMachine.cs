using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Driver.Core.Locking;

namespace Driver.Core.Sync;

/// <summary>
/// Stop-the-world, the <c>stop_machine()</c> alternative to <see cref="Epoch"/>: <see cref="Run"/> closes a
/// gate so no thread can enter a stoppable region, waits for the threads already inside to leave, parks
/// every registered <see cref="IStoppable"/>, runs the action alone, then resumes everyone.
/// </summary>
/// <remarks>
/// <para>
/// Region side: <see cref="EnterRegion"/> stores 1 into the calling thread's padded slot and then loads the
/// "stopping" flag; <see cref="ExitRegion"/> stores 0. No lock, fence or allocation unless a stop is in
/// progress, in which case the thread backs out and blocks on the gate until the stop is over.
/// </para>
/// <para>
/// Stop side: <see cref="Run"/> raises the flag and calls <see cref="Interlocked.MemoryBarrierProcessWide"/>,
/// the writer half of an asymmetric Dekker with the region side (the same trick as
/// <see cref="Epoch.Synchronize()"/>): afterwards every thread either is visible in its slot (and is waited
/// for) or will see the flag (and blocks).
/// </para>
/// <para>
/// Regions nest; a nested <see cref="EnterRegion"/> never blocks (the outer region already holds the stop
/// off). The thread running the action may enter regions (it is the one thread allowed to run). Threads
/// that exit, even inside a region, are treated as outside. Participants registered while a stop is in
/// progress are parked from the next stop on.
/// </para>
/// <para>
/// Order of a stop (as specified): gate, drain, park. Hence a participant must be able to reach its safe
/// point without entering a region of the same machine; a participant blocked at the gate cannot park and
/// makes <see cref="Run"/> time out (with an infinite timeout: hang). Participants are parked sequentially
/// on the stopping thread, within the same overall timeout.
/// </para>
/// </remarks>
public sealed partial class StopMachine
{
    private readonly ReaderRegistry _regions;
    private readonly LockValidator _validator;
    private readonly Lock _runLock = new();
    private readonly Lock _participantsLock = new();

    /// <summary>Open (set) except while a stop is in progress; threads that meet a raised flag wait here.</summary>
    private readonly ManualResetEventSlim _gate = new(initialState: true);

    private PaddedFlag _stopping;
    private IStoppable[] _participants = [];
    private Thread? _runner;
    private long _stops;
    private long _gateWaits;
    private long _drainWaits;

    /// <summary>Creates a stop machine.</summary>
    /// <param name="name">Diagnostic name.</param>
    public StopMachine(string name)
        : this(name, Lockdep.Default)
    {
    }

    /// <summary>What every stop machine's lock class name starts with: <c>stop_machine:NAME</c>.</summary>
    public const string ClassPrefix = "stop_machine:";

    /// <summary>Creates a stop machine validated by <paramref name="validator"/> (tests pass a private one).</summary>
    /// <param name="name">Diagnostic name; the stop's lock class is <c>stop_machine:NAME</c>.</param>
    /// <param name="validator">Validator of the stop's map and of the cpu_hotplug_lock it takes.</param>
    public StopMachine(string name, LockValidator validator)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(validator);
        Name = name;
        _validator = validator;
        _regions = new ReaderRegistry(ReaderRegistryIds.Allocate());
        DepMap = new LockdepMap(validator.Class(ClassPrefix + name));
    }

    /// <summary>Recycles the slot-table id; stale per-thread entries are rejected by their registry tag.</summary>
    ~StopMachine()
    {
        // Null only if the constructor threw before allocating an id.
        if (_regions is not null)
        {
            ReaderRegistryIds.Release(_regions.Id);
        }
    }

    /// <summary>Diagnostic name given at construction.</summary>
    public string Name { get; }

    /// <summary>Number of times the world was stopped and the action invoked.</summary>
    public long Stops => Volatile.Read(ref _stops); // statistics: atomic read, no ordering implied

    /// <summary>
    /// Times a thread entering a region met a stop in progress and waited at the gate (counted on that slow path
    /// only). Tests use it to know a thread is really held off, not merely on its way in.
    /// </summary>
    public long GateWaits => Volatile.Read(ref _gateWaits);

    /// <summary>Times a stop found a thread inside a region and waited for it to leave (counted by the stopper).</summary>
    public long DrainWaits => Volatile.Read(ref _drainWaits);

    /// <summary>True if the current thread is inside a region of this machine.</summary>
    internal bool IsInRegion => _regions.TryGetCurrentThreadSlot()?.Hot.Nesting > 0;

    /// <summary>Adds a participant to park on every later stop. Registering the same instance twice has no effect.</summary>
    public void Register(IStoppable participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        lock (_participantsLock)
        {
            if (Array.IndexOf(_participants, participant) < 0)
            {
                // Copy-on-write with release publication: pairs with the acquire snapshot in Run(), which
                // iterates it without taking this lock.
                Volatile.Write(ref _participants, [.. _participants, participant]);
            }
        }
    }

    /// <summary>Removes a participant; unknown participants are ignored. A stop already in progress still unparks it.</summary>
    public void Unregister(IStoppable participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        lock (_participantsLock)
        {
            int index = Array.IndexOf(_participants, participant);
            if (index >= 0)
            {
                IStoppable[] current = _participants;

                // Release publication, pairs with the acquire snapshot in Run() (as in Register()).
                Volatile.Write(ref _participants, [.. current.AsSpan(0, index), .. current.AsSpan(index + 1)]);
            }
        }
    }

    /// <summary>
    /// Enters a stoppable region; blocks while a stop is in progress. Regions nest per thread.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterRegion()
    {
        ReaderSlot slot = _regions.GetOrRegisterCurrentThread();
        if (slot.Hot.Nesting++ != 0)
        {
            // Nested: the outermost region is still published, so a stop is waiting for us, not we for it.
            return;
        }

        // Store-then-load, no fence: the region half of the asymmetric Dekker. Pairs with the
        // MemoryBarrierProcessWide in StopTheWorld(), which runs after the flag is raised: either that
        // barrier makes this store visible to the drain loop, or our flag load comes after it and sees 1.
        // Both accesses are volatile, which keeps the JIT from swapping them (RyuJIT treats volatile
        // accesses as ordering side effects); only the CPU may, and the process-wide barrier covers that.
        Volatile.Write(ref slot.Hot.State, 1);

        // Acquire: when we see 0 written by a finished Run(), its action's effects are visible to the region.
        if (Volatile.Read(ref _stopping.Value) != 0)
        {
            EnterRegionSlow(slot);
            return;
        }

        AcquireRegionMap();
    }

    /// <summary>Leaves a stoppable region.</summary>
    /// <exception cref="InvalidOperationException">The current thread is not inside a region of this machine.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ExitRegion()
    {
        ReaderSlot? slot = _regions.TryGetCurrentThreadSlot();
        if (slot is null || slot.Hot.Nesting <= 0)
        {
            ThrowUnbalancedExit();
        }

        if (--slot.Hot.Nesting == 0)
        {
            // Release: the region's accesses complete before Run() can see us gone. Pairs with the
            // acquire load in WaitForRegion(), so the action observes everything the region did.
            Volatile.Write(ref slot.Hot.State, 0);
            ReleaseRegionMap();

            // The end of a region is a safe point (preempt_enable): a registered CPU parks here if a stop is waiting.
            if (Volatile.Read(ref _stopping.Value) != 0)
            {
                ExitRegionSlow();
            }
        }
    }

    /// <summary>Enters a region and returns a scope whose Dispose leaves it; allocation-free.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public StopMachineRegionScope Region()
    {
        EnterRegion();
        return new StopMachineRegionScope(this);
    }

    /// <summary>
    /// Stops the world and runs <paramref name="action"/>: blocks new regions, waits for the threads inside
    /// regions to leave, parks every participant, runs the action, unparks them and reopens the gate.
    /// If the world cannot be stopped within <paramref name="timeout"/> the action is not run, every
    /// participant parked so far is unparked, the gate reopens and the result is false. An exception from
    /// the action propagates after everything has been resumed.
    /// </summary>
    /// <param name="action">Runs with the world stopped.</param>
    /// <param name="timeout">Budget for stopping the world (not for the action), or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>True if the action ran.</returns>
    /// <exception cref="InvalidOperationException">Called from inside a region of this machine, or from inside an action of this machine (nested stop).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative and not infinite.</exception>
    public bool Run(Action action, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(action);
        // Misuse is refused before any lock is taken: a Run() that throws must not teach the validator an order.
        if (ReferenceEquals(Volatile.Read(ref _runner), Thread.CurrentThread))
        {
            throw new InvalidOperationException($"StopMachine '{Name}': nested Run() from inside a stop.");
        }

        if (IsInRegion)
        {
            throw new InvalidOperationException(
                $"StopMachine '{Name}': Run() from inside a region would wait for itself to leave.");
        }

        // stop_machine() = cpus_read_lock() + stop_machine_cpuslocked(): the stop is ordered after cpu_hotplug_lock,
        // and whatever the stopper holds is ordered before it (the 2018 splat's chain runs through it).
        _validator.CpuHotplugLock.AcquireRead();
        try
        {
            return RunCpusLocked(action, timeout);
        }
        finally
        {
            _validator.CpuHotplugLock.Release();
        }
    }

    /// <summary>stop_machine_cpuslocked: <see cref="Run"/> with cpu_hotplug_lock already held for read.</summary>
    private bool RunCpusLocked(Action action, TimeSpan timeout)
    {
        var deadline = SyncDeadline.From(timeout);

        // Only a value this very thread stored can equal CurrentThread, so no cross-thread ordering is needed.
        if (ReferenceEquals(Volatile.Read(ref _runner), Thread.CurrentThread))
        {
            throw new InvalidOperationException($"StopMachine '{Name}': nested Run() from inside a stop.");
        }

        if (IsInRegion)
        {
            throw new InvalidOperationException(
                $"StopMachine '{Name}': Run() from inside a region would wait for itself to leave.");
        }

        // Serialize stops; a second stopper waits its turn within its own budget.
        if (!_runLock.TryEnter(deadline.Remaining))
        {
            return false;
        }

        // The stop as a writer: whatever the stopper holds is ordered before every region, safe point and the action.
        DepMap.Acquire();

        // Acquire: pairs with the release publication in Register()/Unregister().
        IStoppable[] participants = Volatile.Read(ref _participants);
        int parked = 0;
        try
        {
            // Read back only by this thread (nested-Run and stopper-enters-region checks).
            Volatile.Write(ref _runner, Thread.CurrentThread);
            if (!StopTheWorld(deadline, stopCpus: true))
            {
                return false;
            }

            for (; parked < participants.Length; parked++)
            {
                if (!participants[parked].Park(deadline.Remaining))
                {
                    return false;
                }
            }

            Interlocked.Increment(ref _stops); // statistics
            action();
            return true;
        }
        finally
        {
            DepMap.Release();
            Resume(participants, parked);
        }
    }

    /// <summary>
    /// Waits until no thread is still inside a region that began before this call, without parking anyone: closes
    /// the gate, drains the regions, reopens it. The grace-period half of <see cref="Run"/>, for a stopper that must
    /// publish a change even when a participant will not park (a wedge whose engine does not stop: "stop_machine
    /// cannot fail"). Returns false, with the gate reopened, if the regions did not drain within
    /// <paramref name="timeout"/>.
    /// </summary>
    public bool WaitForRegions(TimeSpan timeout)
    {
        var deadline = SyncDeadline.From(timeout);
        if (IsInRegion)
        {
            throw new InvalidOperationException($"StopMachine '{Name}': WaitForRegions() from inside a region would wait for itself.");
        }

        // synchronize-like: waits for every region, so it is ordered after whatever a region may wait for.
        DepMap.Wait();
        if (!_runLock.TryEnter(deadline.Remaining))
        {
            return false;
        }

        try
        {
            Volatile.Write(ref _runner, Thread.CurrentThread);
            return StopTheWorld(deadline, stopCpus: false);
        }
        finally
        {
            Resume([], 0);
        }
    }

    /// <summary>Closes the gate and waits for every thread inside a region to leave.</summary>
    private bool StopTheWorld(SyncDeadline deadline, bool stopCpus)
    {
        // Close the gate before raising the flag: a thread that sees the flag must find the gate shut,
        // otherwise it would busy-loop through an open gate in EnterRegionSlow() for the whole stop.
        _gate.Reset();

        // Raise the flag; made visible to every thread, in order with their slot stores, by the barrier below.
        Volatile.Write(ref _stopping.Value, 1);

        // sys_membarrier, the stopper half of the Dekker with EnterRegion(): every thread passes a full
        // barrier at some point P during this call. A region whose State store is before its P is visible
        // to the drain below; one whose store is after P loads the flag after P and sees 1 (we raised it
        // before the call), so it backs out in EnterRegionSlow() and waits at the gate.
        Interlocked.MemoryBarrierProcessWide();

        // Snapshot after the barrier so that threads registering for the first time are covered too
        // (they publish their slot before their first State store; see ReaderRegistry.Snapshot).
        bool sawDead = false;
        foreach (ReaderSlot slot in _regions.Snapshot())
        {
            switch (WaitForRegion(slot, deadline, ref _drainWaits))
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

        if (sawDead)
        {
            _regions.RemoveDeadThreads();
        }

        // Then every registered CPU to a safe point (same barrier: a CPU either shows Running here or sees the flag).
        return !stopCpus || WaitForCpus(deadline);
    }

    /// <summary>Unparks what was parked (last first), reopens the gate, releases the run lock; exceptions from Unpark are rethrown afterwards.</summary>
    private void Resume(IStoppable[] participants, int parked)
    {
        ExceptionDispatchInfo? failure = null;
        for (int i = parked - 1; i >= 0; i--)
        {
            try
            {
                participants[i].Unpark();
            }
            catch (Exception ex)
            {
                // Keep going: one faulty participant must not leave the others parked forever.
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        Volatile.Write(ref _runner, null); // read back only by this thread

        // Release: the action's effects are visible to a region that then sees 0 (acquire in EnterRegion).
        // Lower the flag before opening the gate so that woken threads do not find it still raised.
        Volatile.Write(ref _stopping.Value, 0);
        _gate.Set();
        _runLock.Exit();
        failure?.Throw();
    }

    /// <summary>The region slow path: a stop is in progress (or was, when we looked).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void EnterRegionSlow(ReaderSlot slot)
    {
        // As in Run(): only this thread's own store can match, so no ordering is needed.
        if (ReferenceEquals(Volatile.Read(ref _runner), Thread.CurrentThread))
        {
            // The stopper itself, from inside its action: the world is already stopped for it.
            return;
        }

        // A registered CPU waiting at the gate is at a safe point: the stop need not wait for it.
        StopMachineCpu? cpu = CurrentCpu;
        try
        {
            while (true)
            {
                // Back out (release) so the stopper does not wait for a thread that has not really entered.
                Volatile.Write(ref slot.Hot.State, 0);
                if (cpu is not null)
                {
                    Volatile.Write(ref cpu.State.Value, StopMachineCpu.Stopped);
                }

                Interlocked.Increment(ref _gateWaits);
                _gate.Wait();

                // Retry exactly as the fast path does (same Dekker with StopTheWorld()).
                if (cpu is not null)
                {
                    Volatile.Write(ref cpu.State.Value, StopMachineCpu.Running);
                }

                Volatile.Write(ref slot.Hot.State, 1);
                if (Volatile.Read(ref _stopping.Value) == 0)
                {
                    AcquireRegionMap();
                    return;
                }
            }
        }
        catch
        {
            // E.g. ThreadInterruptedException from the wait: leave the thread outside, as it was.
            Volatile.Write(ref slot.Hot.State, 0);
            if (cpu is not null)
            {
                Volatile.Write(ref cpu.State.Value, StopMachineCpu.Running);
            }

            slot.Hot.Nesting--;
            throw;
        }
    }

    /// <summary>Waits until <paramref name="slot"/>'s thread is outside every region; a wait is counted in <paramref name="waits"/>.</summary>
    private static ReaderWait WaitForRegion(ReaderSlot slot, SyncDeadline deadline, ref long waits)
    {
        var backoff = new SyncBackoff();
        bool counted = false;

        // Acquire: pairs with the release store of 0 in ExitRegion() / EnterRegionSlow().
        while (Volatile.Read(ref slot.Hot.State) != 0)
        {
            if (!counted)
            {
                Interlocked.Increment(ref waits);
                counted = true;
            }

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

        return ReaderWait.Quiescent;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowUnbalancedExit() =>
        throw new InvalidOperationException($"StopMachine '{Name}': ExitRegion() without a matching EnterRegion() on this thread.");
}
