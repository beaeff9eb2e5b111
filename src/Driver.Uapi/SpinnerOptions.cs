using Driver.Core.Fences;
using Driver.Core.Hw;

namespace Driver.Uapi;

/// <summary>Options of <see cref="Spinner"/> (igt_spin_factory).</summary>
public sealed record SpinnerOptions
{
    /// <summary>Context (0 = default).</summary>
    public int Context { get; init; }
    /// <summary>Engine.</summary>
    public EngineId Engine { get; init; } = EngineId.Rcs0;
    /// <summary>Leave out the arbitration point: the spinner cannot be preempted (IGT_SPIN_NO_PREEMPTION).</summary>
    public bool NoPreemption { get; init; }
    /// <summary>Put an invalid instruction in the loop: the engine faults (IGT_SPIN_INVALID_CS).</summary>
    public bool InvalidCs { get; init; }
    /// <summary>Export the out-fence as <see cref="Spinner.OutFence"/> (IGT_SPIN_FENCE_OUT).</summary>
    public bool FenceOut { get; init; }
    /// <summary>Other objects the spinner's execbuf lists (they stay busy while it spins).</summary>
    public IReadOnlyList<int> Objects { get; init; } = [];

    /// <summary>Fences the spinner waits for before starting.</summary>
    public IReadOnlyList<DmaFence> InFences { get; init; } = [];
}
