namespace Driver.Core.Ggtt;

/// <summary>The three ordered writes of a fence register update (i915 fence_write for gen6+).</summary>
public enum FenceWriteStep
{
    /// <summary>Low half written 0: the register is invalid while it changes.</summary>
    Invalidated,

    /// <summary>High half written (end address, pitch); still invalid.</summary>
    HighWritten,

    /// <summary>Low half written with start, tiling and VALID: the new value is live.</summary>
    LowWritten,
}
