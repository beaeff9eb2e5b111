using System.Runtime.InteropServices;

namespace Driver.Core.Sync;

/// <summary>
/// The two words a reader thread writes on its fast path, with a full padding unit on each side so
/// that no other thread's hot data (nor the read-only header of a neighbouring slot object) can share
/// their cache line.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = (2 * CacheLine.Size) + 16)]
internal struct ReaderSlotState
{
    /// <summary>
    /// Published state, written only by the owning thread and read by grace-period / stop waiters.
    /// 0 = not inside a section; otherwise owner-defined (Epoch: epoch | active bit; StopMachine: 1).
    /// </summary>
    [FieldOffset(CacheLine.Size)]
    internal long State;

    /// <summary>Section nesting depth. Owner-thread private; nobody else reads it.</summary>
    [FieldOffset(CacheLine.Size + 8)]
    internal int Nesting;
}
