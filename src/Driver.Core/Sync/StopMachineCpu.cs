namespace Driver.Core.Sync;

/// <summary>
/// A thread registered as one of a <see cref="StopMachine"/>'s "CPUs" (<see cref="StopMachine.RegisterCpu"/>): a stop
/// does not begin its action until this thread is at a safe point — parked in <see cref="SafePoint"/> (cond_resched),
/// at the end of its outermost region, at the gate, or off-CPU in an <see cref="Idle"/> scope (a task that sleeps does
/// not hold up stop_machine, but cannot run again until the stop is over). Unlike a region, being stopped here costs
/// the thread all progress for the whole stop, whatever it was doing: the honest price of stop_machine.
/// </summary>
/// <remarks>Used only by the thread that registered it. Dispose on that thread to unregister.</remarks>
public sealed class StopMachineCpu : IDisposable
{
    /// <summary>Running: the stopper must wait for this thread to reach a safe point.</summary>
    internal const int Running = 0;

    /// <summary>At a safe point (parked at the gate) or off-CPU: the stopper need not wait.</summary>
    internal const int Stopped = 1;

    /// <summary>Running (0) or Stopped (1), alone on its cache line; written by the owner, read by the stopper.</summary>
    internal PaddedFlag State;

    internal StopMachineCpu(StopMachine machine, Thread owner)
    {
        Machine = machine;
        Owner = owner;
    }

    /// <summary>The machine this CPU belongs to.</summary>
    public StopMachine Machine { get; }

    /// <summary>The registered thread.</summary>
    internal Thread Owner { get; }

    /// <summary>Times this thread was stopped at a safe point (statistics).</summary>
    public long Parks => Volatile.Read(ref _parks);

    internal long _parks;

    /// <summary>cond_resched: if a stop is in progress, park here until it is over. Never inside a region.</summary>
    public void SafePoint() => Machine.SafePoint(this);

    /// <summary>Goes off-CPU (a blocking wait) until the scope is disposed; a stop does not wait for this thread meanwhile.</summary>
    public StopMachineIdleScope Idle()
    {
        Machine.GoIdle(this);
        return new StopMachineIdleScope(this);
    }

    /// <summary>Unregisters the thread (a stopping thread no longer waits for it).</summary>
    public void Dispose() => Machine.UnregisterCpu(this);
}
