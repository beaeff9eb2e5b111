namespace Driver.Core.Locking;

/// <summary>Maps a (held kind, acquired kind) pair to its <see cref="DependencyTypes"/> bit.</summary>
internal static class DependencyTypeRules
{
    /// <summary>The dependency type created by acquiring <paramref name="next"/> while holding a lock taken as <paramref name="held"/>.</summary>
    public static DependencyTypes For(AcquireKind held, AcquireKind next)
    {
        bool sharedHolder = held != AcquireKind.Exclusive;
        bool recursiveTarget = next == AcquireKind.RecursiveRead;
        return (sharedHolder, recursiveTarget) switch
        {
            (false, false) => DependencyTypes.EN,
            (false, true) => DependencyTypes.ER,
            (true, false) => DependencyTypes.SN,
            (true, true) => DependencyTypes.SR,
        };
    }

    /// <summary>True when the type's later lock is acquired as a recursive reader (-(*R)->).</summary>
    public static bool IsRecursiveTarget(DependencyTypes type) => (type & (DependencyTypes.ER | DependencyTypes.SR)) != 0;

    /// <summary>True when the type's earlier lock is held shared (-(S*)->).</summary>
    public static bool IsSharedHolder(DependencyTypes type) => (type & (DependencyTypes.SN | DependencyTypes.SR)) != 0;
}
