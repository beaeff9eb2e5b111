namespace Driver.Core.Fences;

/// <summary>
/// An intrusive callback node for <see cref="DmaFence.AddCallback"/>, like <c>struct dma_fence_cb</c>: the caller
/// owns the node, so adding a callback allocates nothing on the fence side. A node is on at most one fence at a time.
/// </summary>
public abstract class FenceCallback
{
    /// <summary>Next node in the fence's list; guarded by the fence's internal lock.</summary>
    internal FenceCallback? Next;

    /// <summary>The fence this node is queued on, or null; guarded by the fence's internal lock.</summary>
    internal DmaFence? Owner;

    /// <summary>
    /// Runs once, after the fence signalled, on the signalling thread, outside every fence-internal lock and inside a
    /// fence signalling section: it must not block on another fence.
    /// </summary>
    public abstract void Invoke(DmaFence fence);
}
