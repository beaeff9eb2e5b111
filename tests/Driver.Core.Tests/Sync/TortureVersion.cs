namespace Driver.Core.Tests.Sync;

/// <summary>The object an RCU torture writer publishes, then retires after a grace period.</summary>
internal sealed class TortureVersion(long id)
{
    private int _retired;

    /// <summary>Sequence number.</summary>
    public long Id { get; } = id;

    /// <summary>True once the writer has retired it (stands in for "freed").</summary>
    public bool Retired => Volatile.Read(ref _retired) != 0;

    /// <summary>Marks the version retired.</summary>
    public void Retire() => Volatile.Write(ref _retired, 1);
}
