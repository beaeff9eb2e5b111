using System.Diagnostics;

namespace Driver.Testing;

/// <summary>Bounded waits on conditions that have no fence (an engine reaching an instruction, a dword landing).</summary>
public static class Poll
{
    /// <summary>The bound every test waits with: generous, because the machine running the tests is loaded.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="bound"/> (default <see cref="Bound"/>) passed.</summary>
    public static bool Until(Func<bool> condition, TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? Bound;
        var sw = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            if (sw.Elapsed > limit)
            {
                return condition();
            }
            // SpinWait yields and then sleeps, so pollers do not starve the engine threads on a 2-core machine.
            spin.SpinOnce();
        }
        return true;
    }
}
