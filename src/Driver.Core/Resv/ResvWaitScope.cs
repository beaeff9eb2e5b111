namespace Driver.Core.Resv;

/// <summary>A registered <see cref="ResvWait"/>; Dispose unregisters it. Allocates nothing beyond the entry.</summary>
public readonly struct ResvWaitScope : IDisposable
{
    internal ResvWaitScope(ResvWait wait)
    {
        Wait = wait;
    }

    /// <summary>The registered wait (null for a default scope).</summary>
    public ResvWait? Wait { get; }

    /// <summary>Unregisters the wait.</summary>
    public void Dispose()
    {
        if (Wait is not null)
        {
            ResvWaits.Remove(Wait);
        }
    }
}
