using System.Runtime.InteropServices;

namespace Driver.Core.Sync;

/// <summary>A read-mostly flag alone on its cache line(s), so that its readers never miss because of a neighbour's writes.</summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 8)]
internal struct PaddedFlag
{
    /// <summary>0 or 1.</summary>
    [FieldOffset(CacheLine.Size)]
    internal int Value;
}
