namespace Driver.Core.Locking;

/// <summary>
/// A dependency From → To: To was acquired while From was held. Mutated only under the validator's graph lock.
/// </summary>
internal sealed class LockEdge
{
    /// <summary>Creates an edge first seen at <paramref name="site"/>.</summary>
    public LockEdge(LockNode from, LockNode to, CallSite site)
    {
        From = from;
        To = to;
        Site = site;
    }

    /// <summary>The lock held.</summary>
    public LockNode From { get; }

    /// <summary>The lock acquired under it.</summary>
    public LockNode To { get; }

    /// <summary>Where the dependency was first recorded (the acquisition of To); printed in the "existing dependency chain".</summary>
    public CallSite Site { get; }

    /// <summary>Every dependency type seen on this pair so far.</summary>
    public DependencyTypes Types { get; set; }
}
