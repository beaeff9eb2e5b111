namespace Driver.Core.Sync;

/// <summary>Read section scope.</summary>
public readonly struct EpochReadScope(Epoch epoch) : IDisposable
{
    /// <summary>Leave.</summary>
    public void Dispose() => epoch.ReadUnlock();
}
