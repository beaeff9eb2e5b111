namespace Driver.Engines.Execution;

/// <summary>Per-engine behaviour switches.</summary>
public sealed record EngineOptions
{
    /// <summary>Busy-poll instead of sleeping when idle: lowest submit→signal latency, one core burnt per engine.</summary>
    public bool BusyPoll { get; init; }

    /// <summary>How long <see cref="Engine.Park(TimeSpan)"/> waits for the engine to reach a safe point by default.</summary>
    public TimeSpan ParkTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
