namespace Driver.Fuzz;

/// <summary>The uAPI calls the uAPI fuzzer makes (and a spinner's end, which is a CPU write).</summary>
public enum UapiOpKind
{
    /// <summary>GEM_CREATE.</summary>
    CreateBuffer,
    /// <summary>GEM_CLOSE.</summary>
    CloseBuffer,
    /// <summary>Bind (fixed offset or not).</summary>
    Bind,
    /// <summary>PWRITE of a small program.</summary>
    Write,
    /// <summary>PREAD.</summary>
    Read,
    /// <summary>EXECBUFFER2.</summary>
    Execbuf,
    /// <summary>GEM_WAIT with a short timeout.</summary>
    Wait,
    /// <summary>GEM_BUSY.</summary>
    Busy,
    /// <summary>CONTEXT_CREATE.</summary>
    CreateContext,
    /// <summary>CONTEXT_DESTROY.</summary>
    DestroyContext,
    /// <summary>CONTEXT_SETPARAM.</summary>
    SetParam,
    /// <summary>CONTEXT_GETPARAM.</summary>
    GetParam,
    /// <summary>GET_RESET_STATS.</summary>
    ResetStats,
    /// <summary>A spinner: plain, non-preemptible (a hang) or invalid (a fault).</summary>
    Spinner,
    /// <summary>Ends a spinner.</summary>
    EndSpinner,
    /// <summary>Closes the client (the file) and opens a new one in its slot.</summary>
    CloseClient,
    /// <summary>GEM_THROTTLE.</summary>
    Throttle,
    /// <summary>A sync-file wait on a fence with a short timeout.</summary>
    WaitFence,
}
