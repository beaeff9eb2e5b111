namespace Driver.Core.Sync;

/// <summary>Padding granularity for data written by one thread and read by others.</summary>
internal static class CacheLine
{
    /// <summary>
    /// 128, not 64: x64 cores prefetch cache lines in adjacent pairs, so two hot fields 64 bytes
    /// apart still ping-pong. The runtime's own padding helpers use the same figure.
    /// </summary>
    internal const int Size = 128;
}
