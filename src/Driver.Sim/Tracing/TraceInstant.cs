namespace Driver.Sim.Tracing;

/// <summary>
/// A point event (a Chrome "i" instant event), µs from the start of the trace, on one track or, when
/// <see cref="Global"/>, across the whole trace.
/// </summary>
public sealed record TraceInstant(
    int TrackId,
    TraceInstantKind Kind,
    string Name,
    string Category,
    double Us,
    bool Global,
    IReadOnlyDictionary<string, object> Args);
