using Driver.Core.Fences;

namespace Driver.Uapi;

/// <summary>
/// Arguments of <see cref="GpuDevice.Execbuf"/> (drm_i915_gem_execbuffer2): the client and context, the engine
/// (as a raw number, validated), the batch object and the byte offset of its first instruction, other objects the
/// batch uses (marked busy with its fence), fences to await, and flags.
/// </summary>
public sealed record ExecbufArgs
{
    /// <summary>Client id.</summary>
    public required int Client { get; init; }
    /// <summary>Context id (0 = the client's default context).</summary>
    public int Context { get; init; }
    /// <summary>Engine number (see <c>EngineId</c>); out of range is EINVAL.</summary>
    public required int Engine { get; init; }
    /// <summary>Batch object handle.</summary>
    public required int BatchHandle { get; init; }
    /// <summary>Byte offset of the first instruction within the batch object (dword aligned).</summary>
    public long BatchOffset { get; init; }
    /// <summary>Other object handles the batch reads (marked busy with its fence; it waits for their last writer).</summary>
    public IReadOnlyList<int> Objects { get; init; } = [];
    /// <summary>
    /// Object handles the batch writes (EXEC_OBJECT_WRITE): the batch waits for their last writer and their last
    /// reader, and becomes their writer, so later users of them wait for it.
    /// </summary>
    public IReadOnlyList<int> WriteObjects { get; init; } = [];
    /// <summary>In-fences: the batch does not start before they signal; a fatal error in one is inherited.</summary>
    public IReadOnlyList<DmaFence> InFences { get; init; } = [];
    /// <summary>
    /// Submit fences (I915_EXEC_FENCE_SUBMIT): the batch is held only until their requests begin executing, not until
    /// they complete, so it runs alongside them; a foreign fence is awaited to its signal. A signaler whose payload is
    /// skipped (it will never execute) hands down its error.
    /// </summary>
    public IReadOnlyList<DmaFence> SubmitFences { get; init; } = [];
    /// <summary>
    /// Handles among the batch, <see cref="Objects"/> and <see cref="WriteObjects"/> marked EXEC_OBJECT_CAPTURE: if
    /// the request hangs, the error state records their contents ("user" sections). A handle listed here but not
    /// among the execbuf's objects is -EINVAL.
    /// </summary>
    public IReadOnlyList<int> CaptureObjects { get; init; } = [];
    /// <summary>Flags.</summary>
    public ExecFlags Flags { get; init; }
}
