namespace Driver.Core.Ggtt;

/// <summary>The software copy of one fence register: its owner, the binding handed out, and LRU age.</summary>
internal sealed class FenceSlot
{
    /// <summary>Holder of the register, or null when free.</summary>
    public IFenceOwner? Owner;

    /// <summary>What the owner was given (and what <see cref="FenceRegisterFile.RestoreAll"/> rewrites); null when free.</summary>
    public FenceBinding? Binding;

    /// <summary>Value of the register file's use clock at the last assignment or touch (smaller = older).</summary>
    public long LastUse;
}
