using System.Diagnostics;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Reset.Events;

namespace Driver.Sim.Tracing;

/// <summary>
/// Turns recorded requests and device events into a <see cref="TraceModel"/>: requests on their engine's track,
/// heartbeat pulses on the engine's heartbeat track, hangs, resets and bans on the reset track, wedged periods on
/// the wedge track. The request slices are built in TraceBuilder.Requests.cs, the event ones in TraceBuilder.Events.cs.
/// </summary>
internal sealed partial class TraceBuilder(long start, long end)
{
    /// <summary>Track ids: engines 1..5, heartbeats 11..15, reset 20, wedge 30, extra lanes from 100.</summary>
    private const int EngineTrackBase = 1, HeartbeatTrackBase = 11, ResetTrackId = 20, WedgeTrackId = 30;

    private readonly List<TraceTrack> _tracks = new();
    private readonly List<TraceSlice> _slices = new();
    private readonly List<TraceInstant> _instants = new();
    private readonly double _durationUs = Math.Max(0, (end - start) * 1e6 / Stopwatch.Frequency);
    private int _nextLaneTrack = 100;

    /// <summary>Builds the model.</summary>
    public TraceModel Build(string title, int? seed, IReadOnlyList<Request> requests, IReadOnlyList<GpuEvent> events, long dropped)
    {
        foreach (EngineId engine in EngineIds.All)
        {
            _tracks.Add(new TraceTrack(EngineTrackBase + (int)engine, engine.Name(), (int)engine * 10, TrackKind.Engine, engine));
        }

        _tracks.Add(new TraceTrack(ResetTrackId, "hangcheck / reset", 100, TrackKind.Reset, null));

        AddRequests(requests.Where(r => !r.IsPulse).ToArray());
        AddPulses(requests.Where(r => r.IsPulse).ToArray());
        AddEvents(events.OrderBy(e => e.Timestamp).ToArray(), requests);

        return new TraceModel
        {
            Title = title,
            Seed = seed,
            DurationUs = _durationUs,
            Tracks = _tracks.OrderBy(t => t.SortIndex).ThenBy(t => t.Id).ToArray(),
            Slices = _slices.OrderBy(s => s.StartUs).ThenBy(s => s.TrackId).ToArray(),
            Instants = _instants.OrderBy(i => i.Us).ThenBy(i => i.TrackId).ToArray(),
            DroppedRequests = dropped,
        };
    }

    /// <summary>µs from the start of the trace, within the trace.</summary>
    private double Us(long timestamp) => Math.Clamp((timestamp - start) * 1e6 / Stopwatch.Frequency, 0, _durationUs);

    private static int EngineTrack(EngineId engine) => EngineTrackBase + (int)engine;

    /// <summary>
    /// Adds <paramref name="slices"/> (ordered by start) to the track <paramref name="first"/> and, where they
    /// overlap, to extra lanes of it created on demand.
    /// </summary>
    private void AddWithLanes(TraceTrack first, IReadOnlyList<TraceSlice> slices)
    {
        int[] lanes = LaneAssigner.Assign(slices.Select(s => (s.StartUs, s.EndUs)).ToArray());
        var laneTracks = new List<TraceTrack> { first };
        for (int i = 0; i < slices.Count; i++)
        {
            while (laneTracks.Count <= lanes[i])
            {
                var lane = new TraceTrack(_nextLaneTrack++, $"{first.Name} ({laneTracks.Count + 1})",
                    first.SortIndex + Math.Min(laneTracks.Count, 8), first.Kind, first.Engine);
                _tracks.Add(lane);
                laneTracks.Add(lane);
            }
            _slices.Add(slices[i] with { TrackId = laneTracks[lanes[i]].Id });
        }
    }

    private void Instant(int track, TraceInstantKind kind, string name, string category, long timestamp,
        Dictionary<string, object> args, bool global = false) =>
        _instants.Add(new TraceInstant(track, kind, name, category, Us(timestamp), global, args));

    /// <summary>"rcs0,vcs0" for a mask of engines; "none" for 0.</summary>
    internal static string EngineNames(uint mask)
    {
        string[] names = EngineIds.All.Where(e => (mask & e.Mask()) != 0).Select(e => e.Name()).ToArray();
        return names.Length == 0 ? "none" : string.Join(",", names);
    }

    private static double Round(double us) => Math.Round(us, 3);
}
