namespace Driver.Core.Locking;

/// <summary>PLACEHOLDER until the lock validator lands.</summary>
public static class Lockdep
{
    /// <summary>Whether validation is on.</summary>
    public static bool Enabled { get; set; }
    /// <summary>Begin a fence signalling section.</summary>
    public static bool BeginSignalling() => false;
    /// <summary>End a fence signalling section.</summary>
    public static void EndSignalling(bool cookie) { }
    /// <summary>Annotate a fence wait.</summary>
    public static void MightWaitOnFence() { }
}
