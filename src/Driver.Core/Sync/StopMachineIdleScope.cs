namespace Driver.Core.Sync;

/// <summary>An off-CPU stretch of a <see cref="StopMachineCpu"/>; Dispose comes back on-CPU (parking first if a stop is in progress).</summary>
public readonly struct StopMachineIdleScope : IDisposable
{
    private readonly StopMachineCpu? _cpu;

    internal StopMachineIdleScope(StopMachineCpu cpu)
    {
        _cpu = cpu;
    }

    /// <summary>Back on-CPU; a default instance does nothing.</summary>
    public void Dispose() => _cpu?.Machine.Wake(_cpu);
}
