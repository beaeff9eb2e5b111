namespace Driver.Sim.Tracing;

/// <summary>What a track of a trace shows.</summary>
public enum TrackKind
{
    /// <summary>One engine's requests, in execution order.</summary>
    Engine,
    /// <summary>One engine's heartbeat pulses, from creation to signal (how long hang detection waited).</summary>
    Heartbeat,
    /// <summary>Hang detection and recovery: hangs, engine and full resets, failed resets, bans.</summary>
    Reset,
    /// <summary>Periods the device was wedged.</summary>
    Wedge,
}
