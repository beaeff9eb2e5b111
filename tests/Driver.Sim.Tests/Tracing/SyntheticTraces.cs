using Driver.Core.Hw;
using Driver.Sim.Tracing;

namespace Driver.Sim.Tests.Tracing;

/// <summary>Hand-made trace models for the writers' unit tests (no device needed).</summary>
internal static class SyntheticTraces
{
    /// <summary>
    /// rcs0: 1000 back-to-back 1 µs ok requests, then a guilty -EIO one; bcs0: one -EAGAIN request; a full reset
    /// and a wedged period on the recovery tracks, a hang instant on rcs0 and on the reset track.
    /// </summary>
    public static TraceModel Build()
    {
        TraceTrack[] tracks = EngineIds.All.Select(e => new TraceTrack(1 + (int)e, e.Name(), (int)e * 10, TrackKind.Engine, e))
            .Append(new TraceTrack(20, "hangcheck / reset", 100, TrackKind.Reset, null))
            .Append(new TraceTrack(30, "wedged", 200, TrackKind.Wedge, null))
            .ToArray();
        var slices = new List<TraceSlice>();
        for (int i = 0; i < 1000; i++)
        {
            slices.Add(Request(1, i, 1, RequestOutcome.Ok, "ok", i + 1));
        }

        slices.Add(Request(1, 2000, 5000, RequestOutcome.Io, "-EIO", 1001));
        slices.Add(Request(2, 3000, 100, RequestOutcome.Again, "-EAGAIN", 1));
        slices.Add(new TraceSlice(20, TraceSliceKind.FullReset, "full reset", "reset", 7000, 200, Args(("reason", "test"), ("engines", "rcs0"))));
        slices.Add(new TraceSlice(30, TraceSliceKind.Wedged, "wedged", "wedge", 8000, 1000, Args(("reason", "test"))));
        TraceInstant[] instants = new[]
        {
            new TraceInstant(1, TraceInstantKind.Hang, "hang", "hang", 6900, false, Args(("reason", "test"))),
            new TraceInstant(20, TraceInstantKind.Hang, "GPU hang rcs0", "hang", 6900, false, Args(("reason", "test"))),
            new TraceInstant(20, TraceInstantKind.Wedged, "wedged", "wedge", 8000, true, Args(("reason", "test"))),
        };
        return new TraceModel
        {
            Title = "synthetic \"<quoted>\" & co",
            Seed = 3,
            DurationUs = 10_000,
            Tracks = tracks,
            Slices = slices.OrderBy(s => s.StartUs).ToArray(),
            Instants = instants,
        };
    }

    private static TraceSlice Request(int track, double start, double duration, RequestOutcome outcome, string status, long seqno) =>
        new(track, TraceSliceKind.Request, $"c/ctx1 {status}", "request", start, duration,
            Args(("client", "c"), ("context", 1), ("seqno", seqno), ("status", status)))
        { Outcome = outcome };

    private static Dictionary<string, object> Args(params (string Key, object Value)[] args) => args.ToDictionary(a => a.Key, a => a.Value);
}
