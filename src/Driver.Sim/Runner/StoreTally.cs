using Driver.Sim.Results;

namespace Driver.Sim.Runner;

/// <summary>Accumulates store verification over the steps (single-threaded, after the drain).</summary>
internal sealed class StoreTally
{
    private const int MaxSamples = 10;
    private readonly List<string> _samples = new();

    /// <summary>Stores found intact.</summary>
    public int Verified { get; set; }
    /// <summary>Stores not found.</summary>
    public int Mismatched { get; set; }
    /// <summary>Stores of failed or refused batches.</summary>
    public int Skipped { get; set; }
    /// <summary>Stores of unsignaled batches.</summary>
    public int Unchecked { get; set; }
    /// <summary>Guard dwords written.</summary>
    public int Stray { get; set; }

    /// <summary>Keeps a problem description (the first few only).</summary>
    public void Sample(string text)
    {
        if (_samples.Count < MaxSamples)
        {
            _samples.Add(text);
        }
    }

    /// <summary>The totals.</summary>
    public StoreChecks ToChecks() => new()
    {
        StoresVerified = Verified,
        StoresMismatched = Mismatched,
        StoresSkipped = Skipped,
        StoresUnchecked = Unchecked,
        StoresStray = Stray,
        Samples = _samples.ToArray(),
    };
}
