namespace Driver.Sim.Tracing;

/// <summary>What a slice of a trace stands for.</summary>
public enum TraceSliceKind
{
    /// <summary>A request, from its first execution start to its end (signal, or the start of the next request).</summary>
    Request,
    /// <summary>A heartbeat pulse, from its creation to its signal.</summary>
    Pulse,
    /// <summary>A per-engine reset, from the engine being stopped to it running again.</summary>
    EngineReset,
    /// <summary>A full device reset.</summary>
    FullReset,
    /// <summary>A period the device was wedged (to its unwedge, or to the end of the trace).</summary>
    Wedged,
}
