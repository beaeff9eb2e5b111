namespace Driver.Core.Fences;

/// <summary>A <see cref="FenceCallback"/> wrapping a delegate, for code off the hot path.</summary>
public sealed class ActionFenceCallback(Action<DmaFence> action) : FenceCallback
{
    /// <inheritdoc/>
    public override void Invoke(DmaFence fence) => action(fence);
}
