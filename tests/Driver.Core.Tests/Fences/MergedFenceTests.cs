using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>All-of merge: signals after every member; error = the first member error, of any kind (dma_fence_array).</summary>
public class MergedFenceTests
{
    [Fact]
    public void EmptyMergeIsSignalled()
    {
        var m = new MergedFence([]);
        Assert.True(m.IsSignaled);
        Assert.Equal(1, m.Status);
    }

    [Fact]
    public void SignalsOnlyAfterEveryMember()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        var c = new DmaFence();
        var m = new MergedFence([a, b, c]);
        Assert.Equal(3, m.Members.Count);
        a.Signal();
        c.Signal();
        Assert.False(m.IsSignaled);
        Assert.Equal(0, m.Status);
        b.Signal();
        Assert.True(m.IsSignaled);
        Assert.Equal(1, m.Status);
    }

    [Fact]
    public void MembersAlreadySignalledAtConstructionCount()
    {
        var a = new DmaFence();
        a.Signal();
        var b = new DmaFence();
        var m = new MergedFence([a, b]);
        Assert.False(m.IsSignaled);
        b.Signal();
        Assert.Equal(1, m.Status);

        var c = new DmaFence();
        c.SetError(-Errno.EIO);
        c.Signal();
        var all = new MergedFence([a, c]);
        Assert.True(all.IsSignaled);
        Assert.Equal(-Errno.EIO, all.Status);
    }

    [Fact]
    public void FirstFatalErrorWins()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        var c = new DmaFence();
        var m = new MergedFence([a, b, c]);
        b.SetError(-Errno.EIO);
        b.Signal();
        a.SetError(-Errno.ECANCELED);
        a.Signal();
        c.SetError(-Errno.EAGAIN);
        c.Signal();
        Assert.Equal(-Errno.EIO, m.Status);
    }

    /// <summary>
    /// dma_fence_array_set_pending_error: cmpxchg from PENDING_ERROR, so the first member error of any kind is the
    /// array's, a non-fatal -EAGAIN too (i915's fatal-error rule is i915_request_set_error_once's, not the array's).
    /// </summary>
    [Fact]
    public void FirstErrorWins_EvenANonFatalOne()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        var m = new MergedFence([a, b]);
        a.SetError(-Errno.EAGAIN);
        a.Signal();
        Assert.False(m.IsSignaled);
        b.SetError(-Errno.EIO);
        b.Signal();
        Assert.Equal(-Errno.EAGAIN, m.Status);
    }

    [Fact]
    public void NonFatalShowsWhenNoMemberFailedFatally()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        var m = new MergedFence([a, b]);
        a.Signal();
        b.SetError(-Errno.EAGAIN);
        b.Signal();
        Assert.Equal(-Errno.EAGAIN, m.Status);
    }

    [Fact]
    public void MergeOfMergesPropagates()
    {
        var a = new DmaFence();
        var b = new DmaFence();
        var inner = new MergedFence([a]);
        var outer = new MergedFence([inner, b]);
        b.Signal();
        Assert.False(outer.IsSignaled);
        a.SetError(-Errno.EIO);
        a.Signal();
        Assert.Equal(-Errno.EIO, outer.Status);
    }

    [Fact]
    public void MembersSignallingConcurrentlyStillSignalOnce()
    {
        for (int round = 0; round < 20; round++)
        {
            DmaFence[] members = Enumerable.Range(0, 8).Select(_ => new DmaFence()).ToArray();
            var m = new MergedFence(members);
            int callbacks = 0;
            m.AddCallback(new ActionFenceCallback(_ => Interlocked.Increment(ref callbacks)));
            Parallel.ForEach(members, f => f.Signal());
            Assert.True(m.Wait(Bound.Long));
            Assert.Equal(1, callbacks);
            Assert.Equal(1, m.Status);
        }
    }
}
