namespace Driver.Core.Locking;

/// <summary>
/// The kernel's four dependency types (Documentation/locking/lockdep-design.rst, "Recursive read locks"):
/// the first letter is how the earlier lock is held (E exclusive, S shared), the second how the later one is
/// acquired (N non-recursive, R recursive reader). A cycle is a deadlock unless some lock in it is entered
/// by a -(*R)-> edge and left by a -(S*)-> edge (a recursive reader never waits for a shared holder).
/// </summary>
[Flags]
internal enum DependencyTypes : byte
{
    /// <summary>No dependency.</summary>
    None = 0,

    /// <summary>Exclusive holder, non-recursive acquirer.</summary>
    EN = 1,

    /// <summary>Exclusive holder, recursive-read acquirer.</summary>
    ER = 2,

    /// <summary>Shared holder, non-recursive acquirer.</summary>
    SN = 4,

    /// <summary>Shared holder, recursive-read acquirer.</summary>
    SR = 8,

    /// <summary>Edges whose earlier lock is held exclusively.</summary>
    FromExclusive = EN | ER,

    /// <summary>Edges whose later lock is acquired non-recursively.</summary>
    ToNonRecursive = EN | SN,
}
