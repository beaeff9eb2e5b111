using System.Runtime.CompilerServices;

namespace Driver.Core.Ggtt;

/// <summary>
/// Division of 32-bit values by a fixed divisor with one multiplication (Lemire, Kaser, Kurz, "Faster Remainder by
/// Direct Computation", 2019): with <c>M = ⌈2^64 / d⌉</c>, <c>n / d</c> is the high 64 bits of <c>M · n</c> for
/// every 32-bit <c>n</c> and every <c>d ≥ 2</c>. The detiler divides every access's offset by the stride, and a
/// hardware divide costs several times the rest of the detiling.
/// </summary>
public readonly struct FastDivisor
{
    private readonly ulong _multiplier;

    /// <summary>Prepares division by <paramref name="divisor"/> (at least 2).</summary>
    public FastDivisor(uint divisor)
    {
        if (divisor < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(divisor), divisor, "the divisor must be at least 2");
        }

        Divisor = divisor;
        _multiplier = ulong.MaxValue / divisor + 1;
    }

    /// <summary>The divisor.</summary>
    public uint Divisor { get; }

    /// <summary><paramref name="n"/> / <see cref="Divisor"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Divide(uint n) => (uint)Math.BigMul(_multiplier, n, out _);
}
