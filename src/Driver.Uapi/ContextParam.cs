namespace Driver.Uapi;

/// <summary>Context parameters (I915_CONTEXT_PARAM_*).</summary>
public enum ContextParam
{
    /// <summary>Whether hangs may ban the context (0/1).</summary>
    Bannable = 1,
    /// <summary>Whether the context survives a reset it was hit by (0/1).</summary>
    Recoverable = 2,
    /// <summary>Whether its work keeps running after it is closed (0/1).</summary>
    Persistence = 3,
    /// <summary>Scheduling priority, -1023..1023.</summary>
    Priority = 4,
}
