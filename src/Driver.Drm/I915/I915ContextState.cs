using Driver.Core.Hw;

namespace Driver.Drm.I915;

/// <summary>
/// The uAPI state of one context that GpuDevice does not model: its engine map (I915_CONTEXT_PARAM_ENGINES), whether
/// it is still a proto-context (created but not yet looked up, so ENGINES and VM may still be set: on gen12 i915
/// finalizes a context at its first lookup), and NO_ERROR_CAPTURE.
/// </summary>
public sealed class I915ContextState
{
    // Finalized: written under ProtoLock, read without it by the lookups that find it set (once set it stays set,
    // and the map no longer changes).
    private volatile bool _finalized;

    /// <summary>
    /// The proto-context's part of file_priv->proto_context_lock: CONTEXT_SETPARAM holds it from the check that the
    /// context is still a proto-context to the end of set_proto_ctx_param (the map copied from the user and set),
    /// and the first lookup (<see cref="Finalize"/>) takes it to end the proto-context. So a parameter is either set
    /// before the context's first use, which then sees it, or meets the finalized context's rules.
    /// </summary>
    public Lock ProtoLock { get; } = new();

    /// <summary>
    /// The engine map, null for the legacy ring selection; a null slot is an invalid (skipped) entry. Set only on a
    /// proto-context, under <see cref="ProtoLock"/>; read once <see cref="Finalize"/> returned, when it no longer changes.
    /// </summary>
    public EngineId?[]? Engines { get; set; }

    /// <summary>Whether the context has been looked up (finalize_create_context_locked has run).</summary>
    public bool Finalized
    {
        get => _finalized;
        init => _finalized = value;
    }

    /// <summary>
    /// i915_gem_context_lookup's finalize_create_context_locked: the first lookup ends the proto-context, waiting
    /// for a CONTEXT_SETPARAM of it in progress (<paramref name="contended"/> runs before that wait: a test hook).
    /// After it returns the map and the other proto-only parameters are fixed.
    /// </summary>
    public void Finalize(Action? contended = null)
    {
        if (_finalized)
        {
            return;
        }

        if (!ProtoLock.TryEnter())
        {
            contended?.Invoke();
            ProtoLock.Enter();
        }

        try
        {
            _finalized = true;
        }
        finally
        {
            ProtoLock.Exit();
        }
    }

    /// <summary>I915_CONTEXT_PARAM_NO_ERROR_CAPTURE.</summary>
    public bool NoErrorCapture { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<EngineId, IntelRing> _rings = new();

    /// <summary>The context's ring on <paramref name="engine"/> (each intel_context has its own).</summary>
    public IntelRing Ring(EngineId engine) => _rings.GetOrAdd(engine, static _ => new IntelRing());
}
