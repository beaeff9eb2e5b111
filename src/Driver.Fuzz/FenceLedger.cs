using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Requests;

namespace Driver.Fuzz;

/// <summary>
/// Every fence a fuzz case created, and the invariant check over them after the case: each signals within a bound,
/// exactly once (one signal attempt, one callback run), with a final status of 1 or a negative errno that it already
/// had when it signalled. Thread-safe: the uAPI fuzzer's threads add fences concurrently.
/// </summary>
public sealed class FenceLedger
{
    private readonly ConcurrentQueue<FenceWatch> _watches = new();
    // The run this ledger's case belongs to (captured on the case's thread): accepted and executed batches count there.
    private readonly FuzzReach? _reach = FuzzReach.Current;

    /// <summary>Fences watched.</summary>
    public int Count => _watches.Count;

    /// <summary>Starts watching <paramref name="fence"/>; <paramref name="what"/> names it in messages.</summary>
    public void Watch(DmaFence fence, string what)
    {
        _reach?.CountAccepted();
        _watches.Enqueue(new FenceWatch(fence, what));
    }

    /// <summary>Whether every fence watched so far has signalled.</summary>
    public bool AllSignalled => _watches.All(w => w.Fence.IsSignaled);

    /// <summary>Waits until every fence has signalled or <paramref name="bound"/> passed; returns whether all did.</summary>
    public bool WaitAll(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        foreach (FenceWatch w in _watches)
        {
            TimeSpan left = bound - clock.Elapsed;
            if (!w.Fence.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Waits (within <paramref name="bound"/> for all) and checks every fence; adds one line per violation to
    /// <paramref name="problems"/>.
    /// </summary>
    public void Check(TimeSpan bound, List<string> problems)
    {
        WaitAll(bound);
        foreach (FenceWatch w in _watches)
        {
            DmaFence f = w.Fence;
            if (!f.IsSignaled)
            {
                problems.Add($"{w.What}: fence never signalled within {bound.TotalSeconds:0.#} s ({f})");
                continue;
            }

            // Executed: an engine began the batch (a request refused or cancelled before it ran has no start stamp).
            if (f is Request { StartedTimestamp: not 0 })
            {
                _reach?.CountExecuted();
            }
            // Callbacks run just after the signal, on the signalling thread: give them a moment.
            var spin = new SpinWait();
            var clock = Stopwatch.StartNew();
            while (w.Calls == 0 && clock.Elapsed < bound)
            {
                spin.SpinOnce();
            }

            if (w.Calls != 1)
            {
                problems.Add($"{w.What}: its callback ran {w.Calls} times");
            }

            if (f.SignalAttempts != 1)
            {
                problems.Add($"{w.What}: {f.SignalAttempts} signal attempts (signalled more than once)");
            }

            if (w.StatusAtSignal != f.Status)
            {
                problems.Add($"{w.What}: status {Describe(w.StatusAtSignal)} at the signal, {Describe(f.Status)} later (error set after the signal)");
            }

            if (f.Status != 1 && f.Status >= 0)
            {
                problems.Add($"{w.What}: signalled with status {f.Status} (neither 1 nor an errno)");
            }
        }
    }

    private static string Describe(int status) => status > 0 ? "ok" : status == 0 ? "pending" : Errno.Name(status);
}
