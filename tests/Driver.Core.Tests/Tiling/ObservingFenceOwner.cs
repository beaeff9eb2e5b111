using Driver.Core.Ggtt;

namespace Driver.Core.Tests.Tiling;

/// <summary>A fence owner that, when its register is taken, records what the hardware register held at that moment.</summary>
internal sealed class ObservingFenceOwner(FenceRegisterFile file) : IFenceOwner
{
    public FenceValue? SeenAtRevoke { get; private set; }

    public void RevokeFence(FenceBinding binding) => SeenAtRevoke = file.Read(binding.Index);
}
