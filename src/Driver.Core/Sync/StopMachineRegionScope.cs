namespace Driver.Core.Sync;

/// <summary>Region scope.</summary>
public readonly struct StopMachineRegionScope(StopMachine m) : IDisposable
{
    /// <summary>Exit.</summary>
    public void Dispose() => m.ExitRegion();
}
