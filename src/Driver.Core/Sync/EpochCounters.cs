using System.Runtime.InteropServices;

namespace Driver.Core.Sync;

/// <summary>
/// The grace-period counters of one <see cref="Epoch"/>, padded onto their own cache line(s): readers
/// load <see cref="Current"/> on every outermost ReadLock and the writer stores all three once per grace
/// period, so nothing else (in particular no reader's slot) may share the line.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 24)]
internal struct EpochCounters
{
    /// <summary>The current epoch; even, advanced by 2 when a grace period starts. Read-mostly.</summary>
    [FieldOffset(CacheLine.Size)]
    internal long Current;

    /// <summary>The epoch of the last completed grace period; lets concurrent callers share one.</summary>
    [FieldOffset(CacheLine.Size + 8)]
    internal long Completed;

    /// <summary>Number of grace periods completed, for statistics.</summary>
    [FieldOffset(CacheLine.Size + 16)]
    internal long GracePeriods;
}
