using Driver.Core.Hw;
using Driver.Sim.Results;

namespace Driver.Sim.Tracing;

/// <summary>
/// A recorded run, ready to be written as a Chrome trace or an SVG timeline: its tracks, the slices and instants on
/// them (µs from the start), and what was left out. Built by <see cref="TraceRecorder.Build"/>.
/// </summary>
public sealed record TraceModel
{
    /// <summary>What was run ("hang-engine-reset", "soak").</summary>
    public required string Title { get; init; }

    /// <summary>Seed of the run, when it has one.</summary>
    public int? Seed { get; init; }

    /// <summary>Length of the trace, µs.</summary>
    public required double DurationUs { get; init; }

    /// <summary>Tracks, in display order.</summary>
    public required IReadOnlyList<TraceTrack> Tracks { get; init; }

    /// <summary>Every slice, ordered by start.</summary>
    public required IReadOnlyList<TraceSlice> Slices { get; init; }

    /// <summary>Every instant event, ordered by time.</summary>
    public required IReadOnlyList<TraceInstant> Instants { get; init; }

    /// <summary>Requests created while recording but left out because the recorder's cap was reached.</summary>
    public long DroppedRequests { get; init; }

    /// <summary>
    /// The device's own reset counters over the recording (attempts, as the results JSON counts them: a full reset
    /// that failed and wedged is one full reset and one failed reset, though it leaves no full-reset slice); null
    /// for a model not recorded from a device.
    /// </summary>
    public ResetCounts? Resets { get; init; }

    /// <summary>The track of <paramref name="engine"/>'s requests.</summary>
    public TraceTrack EngineTrack(EngineId engine) => Tracks.First(t => t.Kind == TrackKind.Engine && t.Engine == engine);

    /// <summary>The request slices (one per user request recorded).</summary>
    public IEnumerable<TraceSlice> Requests => Slices.Where(s => s.Kind == TraceSliceKind.Request);
}
