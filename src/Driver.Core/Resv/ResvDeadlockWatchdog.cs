using System.Diagnostics;
using System.Globalization;
using System.Text;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Requests;

namespace Driver.Core.Resv;

/// <summary>
/// The deadlock watchdog of the buffer-sharing paths: a thread that looks at <see cref="ResvWaits"/> every few tens of
/// milliseconds, builds the waits-for graph (a fence wait → the blocked recovery that must signal that fence; a
/// reservation-lock wait → the waits of the thread that holds the lock), and when a cycle's every wait is older than
/// its bound, prints who waits for whom and breaks the cycle: the breakable fence wait in it returns -EDEADLK, its
/// caller drops its reservation locks, and the recovery it blocked goes on and signals its fences (with their errors).
/// </summary>
/// <remarks>
/// The kernel has no such thing (a hung task is reported by khungtaskd after 120 s and stays hung); the simulator
/// needs the run to end with every fence signalled, so the watchdog turns the hang into an error after printing it.
/// </remarks>
public sealed class ResvDeadlockWatchdog : IDisposable
{
    private readonly TimeSpan _bound;
    private readonly Action<string>? _onReport;
    private readonly ManualResetEventSlim _stop = new(false);
    private readonly List<string> _reports = [];
    private readonly Thread _thread;

    /// <summary>Starts watching: a cycle of waits each older than <paramref name="bound"/> is reported and broken.</summary>
    /// <param name="bound">How long every wait of a cycle must have lasted.</param>
    /// <param name="onReport">Called with each report's text, on the watchdog's thread.</param>
    public ResvDeadlockWatchdog(TimeSpan bound, Action<string>? onReport = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bound, TimeSpan.Zero);
        _bound = bound;
        _onReport = onReport;
        _thread = new Thread(Loop) { IsBackground = true, Name = "resv watchdog" };
        _thread.Start();
    }

    /// <summary>The errno a broken wait returns.</summary>
    public const int BreakErrno = -Errno.EDEADLK;

    /// <summary>The reports so far, oldest first.</summary>
    public IReadOnlyList<string> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToArray();
            }
        }
    }

    /// <summary>Stops the watchdog thread (bounded join).</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// One look at the registry: the report of a cycle whose waits are all older than the bound (and the cycle
    /// broken), or null. What the watchdog thread does periodically.
    /// </summary>
    public string? CheckOnce()
    {
        IReadOnlyList<ResvWait> waits = ResvWaits.Snapshot();
        long now = Stopwatch.GetTimestamp();
        foreach (ResvWait start in waits)
        {
            List<ResvWait>? cycle = FindCycle(start, waits, []);
            if (cycle is null || cycle.Any(w => Stopwatch.GetElapsedTime(w.Since, now) < _bound || w.BrokenWith != 0))
            {
                continue;
            }

            ResvWait? victim = cycle.FirstOrDefault(w => w.Breaker is not null);
            string text = Format(cycle, victim, now);
            // Reported before the break: whoever the break releases finds the report already there.
            lock (_reports)
            {
                _reports.Add(text);
            }

            _onReport?.Invoke(text);
            victim?.Break(BreakErrno);
            return text;
        }

        return null;
    }

    private void Loop()
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_bound.TotalMilliseconds / 4, 5, 50));
        while (!_stop.Wait(period))
        {
            CheckOnce();
        }
    }

    /// <summary>The waits <paramref name="wait"/> waits for: the blocked signaller of its fence, or the holder's waits.</summary>
    private static IEnumerable<ResvWait> Next(ResvWait wait, IReadOnlyList<ResvWait> waits)
    {
        if (wait.Kind == ResvWaitKind.Fence)
        {
            return waits.Where(w => w.Signals is not null && w.Fence is null && w.Signals(wait.Fence!));
        }

        Thread? owner = wait.Wanted!.Lock.Owner;
        return owner is null ? [] : waits.Where(w => ReferenceEquals(w.Thread, owner));
    }

    private static List<ResvWait>? FindCycle(ResvWait start, IReadOnlyList<ResvWait> waits, List<ResvWait> path)
    {
        path.Add(start);
        foreach (ResvWait next in Next(start, waits))
        {
            if (ReferenceEquals(next, path[0]))
            {
                return [.. path];
            }

            if (!path.Contains(next) && FindCycle(next, waits, path) is { } found)
            {
                return found;
            }
        }

        path.RemoveAt(path.Count - 1);
        return null;
    }

    private static string Format(List<ResvWait> cycle, ResvWait? victim, long now)
    {
        var b = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        b.Append(c, $"gpusim: resv deadlock watchdog: waits-for cycle of {cycle.Count} threads, none moved for {Ms(cycle.Min(w => Stopwatch.GetElapsedTime(w.Since, now)))} ms\n");
        for (int i = 0; i < cycle.Count; i++)
        {
            ResvWait w = cycle[i];
            ResvWait next = cycle[(i + 1) % cycle.Count];
            b.Append(c, $"  {w.ThreadLabel} (device {w.Device}) ");
            if (w.Held.Count > 0)
            {
                b.Append(c, $"holds {string.Join(", ", w.Held.Select(r => r.DisplayName))} and ");
            }

            if (w.Kind == ResvWaitKind.Fence)
            {
                b.Append(c, $"waits in {w.Function} on {Describe(w.Fence!)} of device {next.Device}, ");
                b.Append(c, $"which {next.ThreadLabel} must signal, for {Ms(Stopwatch.GetElapsedTime(w.Since, now))} ms\n");
            }
            else
            {
                b.Append(c, $"waits in {w.Function} for the lock of {w.Wanted!.DisplayName}, held by {next.ThreadLabel}, ");
                b.Append(c, $"for {Ms(Stopwatch.GetElapsedTime(w.Since, now))} ms");
                b.Append(w.Signals is not null ? " (inside its fence-signalling section: its device's fences wait for it)\n" : "\n");
            }
        }

        b.Append(victim is null
            ? "  no wait of the cycle can be broken\n"
            : $"  breaking the wait of {victim.ThreadLabel} in {victim.Function} with -EDEADLK\n");
        return b.ToString();
    }

    private static string Describe(DmaFence fence) => fence is Request rq
        ? $"fence {rq.FenceContext}:{rq.Seqno} ({rq.Engine.ToString().ToLowerInvariant()}, {(rq.IsSignaled ? "signalled" : "unsignalled")})"
        : $"fence {fence.FenceContext}:{fence.Seqno} ({(fence.IsSignaled ? "signalled" : "unsignalled")})";

    private static long Ms(TimeSpan t) => (long)t.TotalMilliseconds;
}
