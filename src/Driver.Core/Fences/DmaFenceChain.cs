using System.Diagnostics;
using Driver.Core.Errors;

namespace Driver.Core.Fences;

/// <summary>
/// One point of a syncobj timeline (struct dma_fence_chain, drivers/dma-buf/dma-fence-chain.c): a fence that wraps the
/// point's own fence and links to the previous point (a chain node, or the plain fence a binary syncobj held). It
/// signals once its fence and every earlier point have — without an error, as dma_fence_chain_irq_work signals it.
/// Points are 64-bit (<see cref="Point"/>); the 32-bit <see cref="DmaFence.Seqno"/> is unused.
/// </summary>
public sealed class DmaFenceChain : DmaFence
{
    // The link to the previous point; garbage collection (Walk) swaps it past points whose fence signalled, by
    // compare-and-swap as dma_fence_chain_walk's cmpxchg, so concurrent walkers agree; null once all is signalled.
    private DmaFence? _prev;

    // +1 guard so that the members signalling during construction cannot signal the chain before both are hooked.
    private int _pending = 3;

    /// <summary>
    /// dma_fence_chain_init: links <paramref name="fence"/> at <paramref name="point"/> after <paramref name="prev"/>.
    /// The previous point's context is reused when <paramref name="point"/> is later than its point (and
    /// <see cref="PrevSeqno"/> is that point); otherwise the node starts a new context and its point is the larger of
    /// the two, so a timeline's head point never goes backwards.
    /// </summary>
    public DmaFenceChain(DmaFence? prev, DmaFence fence, ulong point)
        : base(NewContext(prev, point), 0)
    {
        ArgumentNullException.ThrowIfNull(fence);
        _prev = prev;
        Fence = fence;
        if (prev is DmaFenceChain prevChain)
        {
            if (point > prevChain.Point)
            {
                PrevSeqno = prevChain.Point;
            }
            else
            {
                point = Math.Max(prevChain.Point, point);
            }
        }

        Point = point;
        Hook(fence);
        if (prev is not null)
        {
            Hook(prev);
        }
        else
        {
            Complete();
        }

        Complete();
    }

    /// <summary>dma_fence_chain.fence: the point's own fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>The point (the chain fence's 64-bit seqno).</summary>
    public ulong Point { get; }

    /// <summary>dma_fence_chain.prev_seqno: the previous point when this one continued its context, else 0.</summary>
    public ulong PrevSeqno { get; }

    /// <summary>dma_fence_chain.prev as it stands now (garbage collected links skipped).</summary>
    public DmaFence? Prev => Volatile.Read(ref _prev);

    private static ulong NewContext(DmaFence? prev, ulong point) =>
        prev is DmaFenceChain c && point > c.Point ? c.FenceContext : ContextAlloc();

    /// <summary>
    /// dma_fence_chain_walk: the next fence to look at after <paramref name="fence"/>, dropping (by swapping the link
    /// past them) the previous points whose own fence signalled; null at the end of the chain or when
    /// <paramref name="fence"/> is no chain node.
    /// </summary>
    public static DmaFence? Walk(DmaFence? fence)
    {
        if (fence is not DmaFenceChain chain)
        {
            return null;
        }

        while (Volatile.Read(ref chain._prev) is { } prev)
        {
            DmaFence? replacement;
            if (prev is DmaFenceChain prevChain)
            {
                if (!prevChain.Fence.IsSignaled)
                {
                    return prev;
                }

                replacement = prevChain.Prev;
            }
            else
            {
                if (!prev.IsSignaled)
                {
                    return prev;
                }

                replacement = null;
            }

            Interlocked.CompareExchange(ref chain._prev, replacement, prev);
        }

        return null;
    }

    /// <summary>
    /// dma_fence_chain_find_seqno: point 0 leaves <paramref name="fence"/> as it is; otherwise
    /// <paramref name="fence"/> must be a chain whose point is at least <paramref name="seqno"/> (else -EINVAL, the
    /// fence unchanged), and becomes the oldest not yet garbage-collected node of the head's context still covering
    /// the point — null when every point up to it is signalled and collected.
    /// </summary>
    public static int FindSeqno(ref DmaFence? fence, ulong seqno)
    {
        if (seqno == 0)
        {
            return 0;
        }

        if (fence is not DmaFenceChain head || head.Point < seqno)
        {
            return -Errno.EINVAL;
        }

        DmaFence? iter = head;
        while (iter is not null)
        {
            if (iter is not DmaFenceChain c || c.FenceContext != head.FenceContext || c.PrevSeqno < seqno)
            {
                break;
            }

            iter = Walk(iter);
        }

        fence = iter;
        return 0;
    }

    /// <inheritdoc/>
    protected override void OnSignaled()
    {
        // Every earlier point signalled too: nothing behind this node is needed any more (what Walk would collect).
        Volatile.Write(ref _prev, null);
    }

    private void Hook(DmaFence member)
    {
        if (!member.AddCallback(new ActionFenceCallback(_ => Complete())))
        {
            Complete();
        }
    }

    private void Complete()
    {
        int left = Interlocked.Decrement(ref _pending);
        Debug.Assert(left >= 0, "a chain point completed more often than it has members");
        if (left == 0)
        {
            Signal();
        }
    }
}
