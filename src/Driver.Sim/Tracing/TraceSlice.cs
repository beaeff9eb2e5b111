namespace Driver.Sim.Tracing;

/// <summary>
/// A period on one track (a Chrome "X" complete event). Times are µs from the start of the trace. Requests carry
/// their <see cref="Outcome"/>; <see cref="Args"/> holds what the trace viewer shows on selection.
/// </summary>
public sealed record TraceSlice(
    int TrackId,
    TraceSliceKind Kind,
    string Name,
    string Category,
    double StartUs,
    double DurationUs,
    IReadOnlyDictionary<string, object> Args)
{
    /// <summary>The request's outcome (requests only).</summary>
    public RequestOutcome? Outcome { get; init; }

    /// <summary>End of the slice, µs from the start of the trace.</summary>
    public double EndUs => StartUs + DurationUs;
}
