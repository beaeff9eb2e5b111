namespace Driver.Core.Ggtt;

/// <summary>
/// An object that holds a fence register (a tiled buffer object with GTT mmaps). The register file asks it to let
/// go before the register is stolen for someone else.
/// </summary>
public interface IFenceOwner
{
    /// <summary>
    /// The register <paramref name="binding"/> is about to be taken away: revoke every user mapping that could
    /// still access through it (zap the CPU PTEs so the next access faults) and wait until no access that found a
    /// PTE present is still in flight (the TLB shootdown). Called under the register file's lock; must not call
    /// back into the register file.
    /// </summary>
    void RevokeFence(FenceBinding binding);
}
