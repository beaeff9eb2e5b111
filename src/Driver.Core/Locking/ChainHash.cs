namespace Driver.Core.Locking;

/// <summary>
/// The kernel's chain_key: an order-sensitive 64-bit hash of a thread's held lock sequence. A chain already in the
/// validator's cache was fully validated before, so acquiring with it needs no graph work and no stack walk.
/// A 64-bit collision would hide one chain's validation; at the few thousand chains a driver has, that is negligible.
/// </summary>
internal static class ChainHash
{
    /// <summary>The key of the empty chain.</summary>
    public const ulong Empty = 0x9E3779B97F4A7C15UL;

    /// <summary>The key of <paramref name="previous"/>'s chain followed by this acquisition.</summary>
    /// <remarks>
    /// <paramref name="nested"/> (taken under a nest lock) is part of the key: a chain validated as nested (no
    /// recursion report) must not hide the same chain taken without its nest lock.
    /// </remarks>
    public static ulong Extend(ulong previous, int nodeId, AcquireKind kind, bool trylock, bool nested = false)
    {
        ulong item = ((ulong)(uint)nodeId << 3) | ((ulong)kind << 1) | (trylock ? 1UL : 0UL) | (nested ? 1UL << 62 : 0UL);
        // splitmix64 finaliser over (previous, item): every bit of both moves every bit of the result.
        ulong z = previous + 0x9E3779B97F4A7C15UL * (item + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
