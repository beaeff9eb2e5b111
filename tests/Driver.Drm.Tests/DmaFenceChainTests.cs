using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.Syncobj;

namespace Driver.Drm.Tests;

/// <summary>The timeline point (drivers/dma-buf/dma-fence-chain.c) and drm_syncobj_add_point.</summary>
public class DmaFenceChainTests
{
    [Fact]
    public void APointSignalsOnlyOnceItsFenceAndEveryEarlierPointHave()
    {
        // dma_fence_chain_signaled: every fence along the chain; signalled exactly once, without an error
        // (dma_fence_chain_irq_work), whichever order the fences signal in.
        var one = new DmaFence(DmaFence.ContextAlloc(), 1);
        var two = new DmaFence(DmaFence.ContextAlloc(), 1);
        var s = new DrmSyncobj();
        DmaFenceChain p1 = s.AddPoint(one, 1);
        DmaFenceChain p2 = s.AddPoint(two, 2);
        two.SetError(-Errno.EIO);
        two.Signal();
        Assert.False(p2.IsSignaled);
        Assert.False(p1.IsSignaled);
        one.Signal();
        Assert.True(p1.IsSignaled);
        Assert.True(p2.IsSignaled);
        Assert.Equal(1, p2.Status);
        Assert.Equal(1, p1.SignalAttempts);
        Assert.Equal(1, p2.SignalAttempts);
        Assert.True(p1.SignalTimestamp <= p2.SignalTimestamp);
    }

    [Fact]
    public void ALaterPointContinuesTheContextAnEarlierOneStartsANewOne()
    {
        // dma_fence_chain_init: a later point reuses the previous node's context and records its point as
        // prev_seqno; a point at or below the head's gets a new context and the head's point (max).
        var s = new DrmSyncobj();
        DmaFenceChain p3 = s.AddPoint(new DmaFence(), 3);
        DmaFenceChain p5 = s.AddPoint(new DmaFence(), 5);
        DmaFenceChain back = s.AddPoint(new DmaFence(), 2);
        Assert.Equal(p3.FenceContext, p5.FenceContext);
        Assert.Equal(3ul, p5.PrevSeqno);
        Assert.NotEqual(p5.FenceContext, back.FenceContext);
        Assert.Equal(5ul, back.Point);
        Assert.Equal(0ul, back.PrevSeqno);
        Assert.Same(back, s.Fence);
    }

    [Fact]
    public void FindSeqnoGivesTheNodeCoveringThePoint()
    {
        // dma_fence_chain_find_seqno: 0 keeps the fence; past the head -EINVAL (fence unchanged); a fence that is no
        // chain -EINVAL; else the oldest node of the context whose prev_seqno is below the point.
        var f1 = new DmaFence();
        var f3 = new DmaFence();
        var s = new DrmSyncobj();
        DmaFenceChain p1 = s.AddPoint(f1, 1);
        DmaFenceChain p3 = s.AddPoint(f3, 3);
        DmaFence? f = p3;
        Assert.Equal(0, DmaFenceChain.FindSeqno(ref f, 0));
        Assert.Same(p3, f);
        Assert.Equal(-Errno.EINVAL, DmaFenceChain.FindSeqno(ref f, 4));
        Assert.Same(p3, f);
        Assert.Equal(0, DmaFenceChain.FindSeqno(ref f, 2));
        Assert.Same(p3, f);
        f = p3;
        Assert.Equal(0, DmaFenceChain.FindSeqno(ref f, 1));
        Assert.Same(p1, f);
        var plain = new DmaFence();
        Assert.Equal(-Errno.EINVAL, DmaFenceChain.FindSeqno(ref plain, 1));
    }

    [Fact]
    public void SignalledPointsAreCollectedAndFoundAsNothing()
    {
        // dma_fence_chain_walk drops the links to signalled points; a point signalled and collected is found as NULL,
        // which drm_syncobj_find_fence answers with a signalled stub.
        var f1 = new DmaFence();
        var f2 = new DmaFence();
        var s = new DrmSyncobj();
        s.AddPoint(f1, 1);
        DmaFenceChain p2 = s.AddPoint(f2, 2);
        f1.Signal();
        DmaFence? f = p2;
        Assert.Equal(0, DmaFenceChain.FindSeqno(ref f, 1));
        Assert.Null(f);
        Assert.Null(p2.Prev);
        Assert.True(s.TryFindFence(1, out DmaFence? stub));
        Assert.True(stub!.IsSignaled);
        Assert.True(s.TryFindFence(2, out DmaFence? two));
        Assert.Same(p2, two);
        Assert.False(s.TryFindFence(3, out _));
    }

    [Fact]
    public void ALongTimelineSignalsInOrderWithoutRecursing()
    {
        // drm_syncobj_add_point thousands of times over pending fences, the first signalling last: every point signals
        // exactly once, after it (the chained callbacks run from the deferred queue, not nested).
        var first = new DmaFence();
        var s = new DrmSyncobj();
        var points = new List<DmaFenceChain> { s.AddPoint(first, 1) };
        for (ulong p = 2; p <= 20_000; p++)
        {
            var f = new DmaFence();
            points.Add(s.AddPoint(f, p));
            f.Signal();
        }

        Assert.All(points, p => Assert.False(p.IsSignaled));
        first.Signal();
        Assert.All(points, p => Assert.Equal(1, p.SignalAttempts));
        Assert.All(points, p => Assert.Equal(1, p.Status));
    }
}
