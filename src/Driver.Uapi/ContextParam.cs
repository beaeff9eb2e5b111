namespace Driver.Uapi;

/// <summary>
/// Context parameters, numbered as I915_CONTEXT_PARAM_* in i915_drm.h. The others (GTT_SIZE, NO_ERROR_CAPTURE,
/// SSEU, VM, ENGINES, RINGSIZE, ...) are not modelled and are -EINVAL like unknown ones.
/// </summary>
public enum ContextParam
{
    /// <summary>I915_CONTEXT_PARAM_BANNABLE: whether hangs may ban the context (0/1; any non-zero sets it).</summary>
    Bannable = 0x5,
    /// <summary>I915_CONTEXT_PARAM_PRIORITY: scheduling priority, -1023..1023 (each request takes its context's priority when built; engines run ready requests by it).</summary>
    Priority = 0x6,
    /// <summary>I915_CONTEXT_PARAM_RECOVERABLE: whether the context survives a reset it was hit by (0/1).</summary>
    Recoverable = 0x8,
    /// <summary>I915_CONTEXT_PARAM_PERSISTENCE: whether its work keeps running after it is closed (0/1).</summary>
    Persistence = 0xb,
}
