using Driver.Core.Ggtt;

namespace Driver.Core.Tests.Tiling;

/// <summary>A fence owner that records the registers taken from it.</summary>
internal sealed class RecordingFenceOwner(string name) : IFenceOwner
{
    public List<int> Revoked { get; } = new();

    public void RevokeFence(FenceBinding binding) => Revoked.Add(binding.Index);

    public override string ToString() => name;
}
