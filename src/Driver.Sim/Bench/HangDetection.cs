using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Reset.Events;
using Driver.Uapi;

namespace Driver.Sim.Bench;

/// <summary>
/// Hang-detection time at i915's default intervals (2.5 s heartbeat, 640 ms preempt timeout, 1 ms timeslice): a
/// non-preemptible spinner alone on rcs0, from its start to its engine's reset. On i915's ladder the fresh pulse goes
/// in at MIN one interval after the engine became busy, is raised to NORMAL one interval later, which asks the hog for
/// a timeslice and arms the preempt timer, which expires: about 2 intervals + the preempt timeout, 5.64 s. The
/// comparison is the same hog with another context's equal-priority work queued behind it: its timeslice arms the
/// timer at once (timeslice + preempt timeout).
/// </summary>
internal static class HangDetection
{
    /// <summary>2 × 2.5 s + 640 ms: what i915 takes for a non-preemptible hog.</summary>
    private const double ExpectedSeconds = 5.64;

    public static IEnumerable<BenchFigure> Run(BenchSettings s)
    {
        int reps = s.Quick ? 2 : 3;
        var alone = new List<double>();
        var contended = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            alone.Add(Measure(contended: false));
            contended.Add(Measure(contended: true));
        }

        var value = Summary.Of(alone);
        yield return new BenchFigure
        {
            Id = "hang-detection",
            Title = "hang detection, non-preemptible hog alone (2.5 s heartbeat, 640 ms preempt timeout)",
            Unit = "s",
            Value = value,
            ComparisonTitle = "another context's work queued",
            Comparison = Summary.Of(contended),
            Target = $"within 10% of {ExpectedSeconds} s (2 intervals + preempt timeout)",
            Met = Math.Abs(value.Median - ExpectedSeconds) <= ExpectedSeconds * 0.1,
            Note = "spinner start → its engine reset (\"preemption time out\" after the NORMAL pulse's timeslice)",
        };
    }

    /// <summary>Seconds from the hog running to its engine reset, at i915's default settings.</summary>
    private static double Measure(bool contended)
    {
        using var dev = new GpuDevice(new DeviceConfig());
        long resetAt = 0;
        using IDisposable sub = dev.Reset.Events.Subscribe(e =>
        {
            if (e.Kind == GpuEventKind.EngineReset)
            {
                Interlocked.CompareExchange(ref resetAt, e.Timestamp, 0);
            }
        });
        dev.OpenClient(out int client);
        var hog = Spinner.Start(dev, client, new SpinnerOptions { NoPreemption = true });
        if (!hog.WaitStarted(TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException("the hog did not start");
        }

        long start = Stopwatch.GetTimestamp();
        Spinner? queued = null;
        if (contended)
        {
            dev.CreateContext(client, out int other);
            queued = Spinner.Start(dev, client, new SpinnerOptions { Context = other });
        }

        bool reset = hog.Fence.Wait(TimeSpan.FromSeconds(30)) && hog.Fence.Status == -Errno.EIO;
        queued?.End();
        if (!reset)
        {
            throw new InvalidOperationException("the hog was not reset as guilty within 30 s");
        }

        // The event is raised as the reset finishes, with the hog's fence signalled by then or just after.
        var sw = Stopwatch.StartNew();
        while (Interlocked.Read(ref resetAt) == 0 && sw.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(1);
        }

        return (Interlocked.Read(ref resetAt) - start) / (double)Stopwatch.Frequency;
    }
}
