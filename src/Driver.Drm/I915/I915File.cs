namespace Driver.Drm.I915;

/// <summary>The i915 driver's per-file state (drm_i915_file_private): the client, its contexts' uAPI state, caching.</summary>
public sealed class I915File(int clientId)
{
    /// <summary>Guards the tables below; a leaf lock held only for lookups.</summary>
    public object Lock { get; } = new();

    /// <summary>The GpuDevice client.</summary>
    public int ClientId { get; } = clientId;

    /// <summary>Per context id: its uAPI state. Context 0 is the default context, finalized at open.</summary>
    public Dictionary<int, I915ContextState> Contexts { get; } = new() { [0] = new I915ContextState { Finalized = true } };

    /// <summary>Per handle: the caching mode set by SET_CACHING (absent: the default, CACHED on an LLC part).</summary>
    public Dictionary<int, uint> Caching { get; } = new();

    /// <summary>
    /// Per imported dma-buf: the handle this file has for it (the file's prime.dmabufs), so importing the same buffer
    /// again gives the same handle (drm_prime_lookup_buf_handle). An entry goes with its handle's GEM_CLOSE.
    /// </summary>
    public Dictionary<Driver.Core.Prime.DmaBuf, int> PrimeHandles { get; } = new();

    /// <summary>The context's state (created empty if the driver has not seen it yet).</summary>
    public I915ContextState Context(int id)
    {
        lock (Lock)
        {
            if (!Contexts.TryGetValue(id, out I915ContextState? state))
            {
                state = new I915ContextState();
                Contexts.Add(id, state);
            }

            return state;
        }
    }
}
