using System.Diagnostics;
using System.Runtime.CompilerServices;
using Driver.Core.Locking;

namespace Driver.Core.Sync;

/// <summary>
/// The "CPUs" of a stop machine: threads registered with <see cref="RegisterCpu"/> that a stop brings to a safe point
/// before its action runs, whether or not they are inside a region — what the kernel's stop_machine() does by running
/// its stopper on every CPU at the highest priority. And the stop's lockdep map.
/// </summary>
public sealed partial class StopMachine
{
#pragma warning disable IDE1006 // thread-static naming: t_camel
    /// <summary>The calling thread's CPU registration (one machine per thread).</summary>
    [ThreadStatic]
    private static StopMachineCpu? t_cpu;
#pragma warning restore IDE1006

    private StopMachineCpu[] _cpus = [];
    private long _cpuWaits;

    /// <summary>
    /// The stop as a lock (class <c>stop_machine:NAME</c>): <see cref="Run"/> holds it exclusively across stopping and the
    /// action; a region holds it as a recursive reader; a safe point, a CPU coming back on-CPU and
    /// <see cref="WaitForRegions"/> wait for it. So "hold L, then meet a stop whose action (or stopper) needs L" is
    /// reported as the deadlock it is.
    /// </summary>
    public LockdepMap DepMap { get; }

    /// <summary>Times a stop found a registered CPU running and waited for it to reach a safe point.</summary>
    public long CpuWaits => Volatile.Read(ref _cpuWaits);

    /// <summary>Number of registered CPUs.</summary>
    public int CpuCount => Volatile.Read(ref _cpus).Length;

    private StopMachineCpu? CurrentCpu => t_cpu is { } cpu && ReferenceEquals(cpu.Machine, this) ? cpu : null;

    /// <summary>
    /// Registers the calling thread as a CPU: from now on every stop waits for it to reach a safe point
    /// (<see cref="StopMachineCpu.SafePoint"/>, the end of a region, the gate, or an idle scope) and holds it there.
    /// If a stop is in progress the thread parks before returning. Dispose the result on this thread to unregister.
    /// </summary>
    /// <exception cref="InvalidOperationException">The thread is already a CPU of a stop machine.</exception>
    public StopMachineCpu RegisterCpu()
    {
        if (t_cpu is not null)
        {
            throw new InvalidOperationException($"StopMachine '{Name}': thread is already a CPU of '{t_cpu.Machine.Name}'.");
        }

        var cpu = new StopMachineCpu(this, Thread.CurrentThread);
        // Published off-CPU, then brought online like a waking CPU: a stop that snapshots us early sees Stopped; one
        // whose barrier comes after our Running store in Wake() waits for us, otherwise we see its flag and park.
        Volatile.Write(ref cpu.State.Value, StopMachineCpu.Stopped);
        lock (_participantsLock)
        {
            // Release publication, pairs with the acquire snapshot in WaitForCpus().
            Volatile.Write(ref _cpus, [.. _cpus, cpu]);
        }

        t_cpu = cpu;
        Wake(cpu);
        return cpu;
    }

    /// <summary>Removes a CPU registered by the calling thread.</summary>
    internal void UnregisterCpu(StopMachineCpu cpu)
    {
        Debug.Assert(ReferenceEquals(cpu.Owner, Thread.CurrentThread), "a CPU unregisters from its own thread");
        // Off-CPU first: a stop holding an older snapshot must not wait for a thread that left.
        Volatile.Write(ref cpu.State.Value, StopMachineCpu.Stopped);
        lock (_participantsLock)
        {
            int index = Array.IndexOf(_cpus, cpu);
            if (index >= 0)
            {
                StopMachineCpu[] current = _cpus;
                Volatile.Write(ref _cpus, [.. current.AsSpan(0, index), .. current.AsSpan(index + 1)]);
            }
        }

        if (ReferenceEquals(t_cpu, cpu))
        {
            t_cpu = null;
        }
    }

    /// <summary>cond_resched of <paramref name="cpu"/>: parks while a stop is in progress.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SafePoint(StopMachineCpu cpu)
    {
        Debug.Assert(ReferenceEquals(cpu.Owner, Thread.CurrentThread), "a CPU's safe point runs on its own thread");
        Debug.Assert(!IsInRegion, "a safe point inside a region: the region is the preemption-disabled part");
        // The thread may stop here until the stop's action is over: whatever it holds is ordered before the stop.
        DepMap.Wait();
        if (Volatile.Read(ref _stopping.Value) != 0)
        {
            Park(cpu);
        }
    }

    /// <summary>The CPU goes off-CPU (sleeps): a stop does not wait for it.</summary>
    internal void GoIdle(StopMachineCpu cpu)
    {
        Debug.Assert(ReferenceEquals(cpu.Owner, Thread.CurrentThread), "a CPU idles on its own thread");
        Debug.Assert(!IsInRegion, "sleeping inside a region");
        // Release: what it did on-CPU is visible to an action that sees it Stopped (acquire in WaitForCpus).
        Volatile.Write(ref cpu.State.Value, StopMachineCpu.Stopped);
    }

    /// <summary>The CPU comes back on-CPU: the Dekker store-then-load of a region, parking if a stop is in progress.</summary>
    internal void Wake(StopMachineCpu cpu)
    {
        DepMap.Wait();
        Volatile.Write(ref cpu.State.Value, StopMachineCpu.Running);
        if (Volatile.Read(ref _stopping.Value) != 0)
        {
            Park(cpu);
        }
    }

    /// <summary>Parks <paramref name="cpu"/> at the gate until the stop is over (the stopper itself never parks).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Park(StopMachineCpu cpu)
    {
        if (ReferenceEquals(Volatile.Read(ref _runner), Thread.CurrentThread))
        {
            return;
        }

        while (true)
        {
            // Release: the stopper that sees Stopped sees everything this thread did before.
            Volatile.Write(ref cpu.State.Value, StopMachineCpu.Stopped);
            Interlocked.Increment(ref cpu._parks);
            _gate.Wait();

            // Same Dekker as EnterRegion() against StopTheWorld()'s flag and process-wide barrier.
            Volatile.Write(ref cpu.State.Value, StopMachineCpu.Running);
            if (Volatile.Read(ref _stopping.Value) == 0)
            {
                return;
            }
        }
    }

    /// <summary>The end of a region with a stop in progress: a registered CPU parks (preempt_enable is a safe point).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExitRegionSlow()
    {
        if (CurrentCpu is { } cpu && !IsInRegion)
        {
            Park(cpu);
        }
    }

    /// <summary>Waits until every registered CPU but the stopper is at a safe point or off-CPU (or dead).</summary>
    private bool WaitForCpus(SyncDeadline deadline)
    {
        // Acquire: pairs with the release publication in RegisterCpu()/UnregisterCpu().
        foreach (StopMachineCpu cpu in Volatile.Read(ref _cpus))
        {
            if (ReferenceEquals(cpu.Owner, Thread.CurrentThread))
            {
                continue;
            }

            var backoff = new SyncBackoff();
            bool counted = false;
            // Acquire: pairs with the release stores of Stopped in Park()/GoIdle().
            while (Volatile.Read(ref cpu.State.Value) == StopMachineCpu.Running)
            {
                if (!counted)
                {
                    Interlocked.Increment(ref _cpuWaits);
                    counted = true;
                }

                if (backoff.IsSlow && !cpu.Owner.IsAlive)
                {
                    break;
                }

                if (deadline.IsExpired)
                {
                    return false;
                }

                backoff.Wait();
            }
        }

        return true;
    }

    /// <summary>Region entered (outermost, not by the stopper): hold the stop's map as a recursive reader.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AcquireRegionMap()
    {
        if (DepMap.Class.Validator.Enabled)
        {
            DepMap.AcquireRecursiveRead();
        }
    }

    /// <summary>Region left: the matching release (the stopper's own regions took nothing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReleaseRegionMap()
    {
        if (DepMap.Class.Validator.Enabled && !ReferenceEquals(Volatile.Read(ref _runner), Thread.CurrentThread))
        {
            DepMap.Release();
        }
    }
}
