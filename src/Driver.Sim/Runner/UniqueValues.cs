namespace Driver.Sim.Runner;

/// <summary>
/// Store values that are unique over a run and never 0 (memory starts zeroed, so 0 could not tell a lost store):
/// a counter through a bijection of 32-bit integers (multiply by an odd constant, xor a seed-derived key), so the
/// values look random, depend on the seed, and cannot repeat within 2³² draws. Not thread-safe: used while preparing.
/// </summary>
internal sealed class UniqueValues(int seed)
{
    private readonly uint _key = (uint)seed * 0x85EBCA6Bu ^ 0xC2B2AE35u;
    private uint _counter;

    /// <summary>The next value.</summary>
    public uint Next()
    {
        while (true)
        {
            uint v = unchecked(++_counter * 0x9E3779B1u) ^ _key;
            if (v != 0)
            {
                return v;
            }
        }
    }
}
