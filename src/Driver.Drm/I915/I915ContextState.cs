using Driver.Core.Hw;

namespace Driver.Drm.I915;

/// <summary>
/// The uAPI state of one context that GpuDevice does not model: its engine map (I915_CONTEXT_PARAM_ENGINES), whether
/// it is still a proto-context (created but not yet looked up, so ENGINES and VM may still be set: on gen12 i915
/// finalizes a context at its first lookup), and NO_ERROR_CAPTURE.
/// </summary>
public sealed class I915ContextState
{
    /// <summary>The engine map, null for the legacy ring selection; a null slot is an invalid (skipped) entry.</summary>
    public EngineId?[]? Engines { get; set; }

    /// <summary>Whether the context has been looked up (finalize_create_context_locked has run).</summary>
    public bool Finalized { get; set; }

    /// <summary>I915_CONTEXT_PARAM_NO_ERROR_CAPTURE.</summary>
    public bool NoErrorCapture { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<EngineId, IntelRing> _rings = new();

    /// <summary>The context's ring on <paramref name="engine"/> (each intel_context has its own).</summary>
    public IntelRing Ring(EngineId engine) => _rings.GetOrAdd(engine, static _ => new IntelRing());
}
