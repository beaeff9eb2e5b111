using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Events;

namespace Driver.Sim.Tracing;

internal sealed partial class TraceBuilder
{
    /// <summary>
    /// Device events: hangs as instants on the reset track and on each hung engine's track; engine and full resets
    /// as slices on the reset track (with the guilty request and how many were replayed); failed resets and bans as
    /// instants; wedged periods as slices on the wedge track, with global instants where they begin and end.
    /// </summary>
    private void AddEvents(IReadOnlyList<GpuEvent> events, IReadOnlyList<Request> requests)
    {
        // Only requests a reset touched matter for its args: a small subset even of a long run.
        Request[] touched = requests.Where(r => !r.IsPulse && (r.Guilty || r.Replays > 0)).ToArray();
        var resets = new List<TraceSlice>();
        var wedges = new List<TraceSlice>();
        GpuEvent? wedgedSince = null;
        foreach (GpuEvent ev in events)
        {
            var args = new Dictionary<string, object> { ["reason"] = ev.Message };
            if (ev.EngineMask != 0)
            {
                args["engines"] = EngineNames(ev.EngineMask);
            }

            switch (ev.Kind)
            {
                case GpuEventKind.Error:
                    Instant(ResetTrackId, TraceInstantKind.Hang, $"GPU hang {EngineNames(ev.EngineMask)}", "hang", ev.Timestamp, args);
                    foreach (EngineId e in EngineIds.All.Where(e => (ev.EngineMask & e.Mask()) != 0))
                    {
                        Instant(EngineTrack(e), TraceInstantKind.Hang, "hang", "hang", ev.Timestamp, args);
                    }

                    break;
                case GpuEventKind.EngineReset:
                case GpuEventKind.FullReset:
                    resets.Add(ResetSlice(ev, args, touched));
                    break;
                case GpuEventKind.ResetFailed:
                    Instant(ResetTrackId, TraceInstantKind.ResetFailed, $"reset failed {EngineNames(ev.EngineMask)}", "reset", ev.Timestamp, args);
                    break;
                case GpuEventKind.ContextBanned:
                    Instant(ResetTrackId, TraceInstantKind.ContextBanned, "context banned", "ban", ev.Timestamp, args);
                    break;
                case GpuEventKind.ClientBanned:
                    Instant(ResetTrackId, TraceInstantKind.ClientBanned, "client banned", "ban", ev.Timestamp, args);
                    break;
                case GpuEventKind.Wedged:
                    Instant(ResetTrackId, TraceInstantKind.Wedged, "wedged", "wedge", ev.Timestamp, args, global: true);
                    wedgedSince ??= ev;
                    break;
                case GpuEventKind.Unwedged:
                    Instant(ResetTrackId, TraceInstantKind.Unwedged, "unwedged", "wedge", ev.Timestamp, args, global: true);
                    if (wedgedSince is not null)
                    {
                        wedges.Add(WedgeSlice(wedgedSince, Us(ev.Timestamp)));
                    }

                    wedgedSince = null;
                    break;
            }
        }
        if (wedgedSince is not null)
        {
            wedges.Add(WedgeSlice(wedgedSince, _durationUs));
        }

        AddWithLanes(_tracks.First(t => t.Id == ResetTrackId), resets.OrderBy(s => s.StartUs).ToArray());
        if (wedges.Count > 0)
        {
            var track = new TraceTrack(WedgeTrackId, "wedged", 200, TrackKind.Wedge, null);
            _tracks.Add(track);
            AddWithLanes(track, wedges);
        }
    }

    private TraceSlice ResetSlice(GpuEvent ev, Dictionary<string, object> args, IReadOnlyList<Request> touched)
    {
        bool full = ev.Kind == GpuEventKind.FullReset;
        double startUs = Us(ev.StartTimestamp);
        double endUs = Us(ev.Timestamp);
        // A request belongs to this reset when it was on an engine the reset covered and was still pending while
        // the reset ran (created before its end, not signalled before its start).
        uint covered = full ? EngineIds.AllMask : ev.EngineMask;
        Request[] hit = touched.Where(r => (covered & r.Engine.Mask()) != 0 && r.CreatedTimestamp <= ev.Timestamp
            && (r.SignalTimestamp == 0 || r.SignalTimestamp >= ev.StartTimestamp)).ToArray();
        Request[] guilty = hit.Where(r => r.Guilty && r.StartedTimestamp != 0 && r.StartedTimestamp <= ev.Timestamp).ToArray();
        args["duration_us"] = Round(endUs - startUs);
        if (guilty.Length > 0)
        {
            args["guilty"] = string.Join(", ", guilty.Select(r => $"{r.Context} seqno {r.Seqno} on {r.Engine.Name()}"));
        }

        args["replayed"] = hit.Length - guilty.Length;
        string name = full ? "full reset" : $"engine reset {EngineNames(ev.EngineMask)}";
        return new TraceSlice(ResetTrackId, full ? TraceSliceKind.FullReset : TraceSliceKind.EngineReset, name, "reset",
            startUs, Math.Max(0, endUs - startUs), args);
    }

    private TraceSlice WedgeSlice(GpuEvent wedged, double endUs)
    {
        // From when wedging began (the event is raised once it is done: handlers swapped, work cancelled).
        double startUs = Us(wedged.StartTimestamp);
        return new TraceSlice(WedgeTrackId, TraceSliceKind.Wedged, "wedged", "wedge", startUs, Math.Max(0, endUs - startUs),
            new Dictionary<string, object> { ["reason"] = wedged.Message, ["duration_us"] = Round(endUs - startUs) });
    }
}
