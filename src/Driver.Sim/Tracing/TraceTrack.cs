using Driver.Core.Hw;

namespace Driver.Sim.Tracing;

/// <summary>
/// One row of a trace (a thread in the Chrome trace format): its id, the name shown, its place in the display order,
/// what it shows, and the engine for engine and heartbeat tracks.
/// </summary>
public sealed record TraceTrack(int Id, string Name, int SortIndex, TrackKind Kind, EngineId? Engine);
