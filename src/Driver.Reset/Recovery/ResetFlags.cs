namespace Driver.Reset.Recovery;

/// <summary>
/// Bits of the reset flag word (intel_reset_types.h): BACKOFF while a full reset is in progress, one RESET_ENGINE
/// bit per engine, then the wedge states.
/// </summary>
public static class ResetFlags
{
    /// <summary>A full reset is in progress: users of global resources (fence registers, GGTT) must back off.</summary>
    public const int Backoff = 0;
    /// <summary>First per-engine bit; engine N is bit <c>ResetEngine + N</c>.</summary>
    public const int ResetEngine = 1;
    /// <summary>The device is wedged: submissions fail with -EIO.</summary>
    public const int Wedged = 8;
    /// <summary>Wedged during initialisation: cannot be undone.</summary>
    public const int WedgedOnInit = 9;
    /// <summary>Wedged during teardown: cannot be undone.</summary>
    public const int WedgedOnFini = 10;
}
