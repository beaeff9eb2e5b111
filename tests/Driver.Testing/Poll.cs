using System.Diagnostics;

namespace Driver.Testing;

/// <summary>Bounded waits on conditions that have no fence or event (an engine reaching an instruction, a dword landing).</summary>
public static class Poll
{
    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="bound"/> (default
    /// <see cref="Bound.Long"/>) with a message naming <paramref name="what"/> was awaited, the bound, and what
    /// <paramref name="describeState"/> says about the state at that moment.
    /// </summary>
    public static void Until(Func<bool> condition, string what, Func<string>? describeState = null, TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? Bound.Long;
        if (!TryUntil(condition, limit))
        {
            string state = describeState is null ? "" : $" ({describeState()})";
            Assert.Fail($"timed out after {limit.TotalSeconds:0.###} s waiting for {what}{state}");
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds or <paramref name="bound"/> (default <see cref="Bound.Long"/>)
    /// passed; returns whether it held. For callers that must not throw (a hook running on a driver thread) or whose
    /// check is that a condition does not come about.
    /// </summary>
    public static bool TryUntil(Func<bool> condition, TimeSpan? bound = null)
    {
        TimeSpan limit = bound ?? Bound.Long;
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
