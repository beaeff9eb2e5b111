using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>Pending → signalled exactly once, and what Status reads on the way.</summary>
public class DmaFenceSignalTests
{
    [Fact]
    public void NewFenceIsPendingWithStatusZero()
    {
        var f = new DmaFence(7, 3);
        Assert.False(f.IsSignaled);
        Assert.Equal(0, f.Status);
        Assert.Equal(0, f.Error);
        Assert.Equal(0, f.SignalTimestamp);
        Assert.Equal(7ul, f.FenceContext);
        Assert.Equal(3u, f.Seqno);
    }

    [Fact]
    public void SignalWithoutErrorReadsOne()
    {
        var f = new DmaFence();
        Assert.True(f.Signal());
        Assert.True(f.IsSignaled);
        Assert.Equal(1, f.Status);
        Assert.Equal(0, f.Error);
        Assert.NotEqual(0, f.SignalTimestamp);
    }

    [Fact]
    public void SecondSignalReturnsFalseAndChangesNothing()
    {
        var f = new DmaFence();
        Assert.True(f.SetError(-Errno.EIO));
        Assert.True(f.Signal());
        long stamp = f.SignalTimestamp;
        int calls = 0;
        // A callback offered after the signal is refused, and the refused signals below must not run it either.
        Assert.False(f.AddCallback(new ActionFenceCallback(_ => calls++)));
        Assert.False(f.Signal());
        Assert.False(f.Signal());
        Assert.Equal(-Errno.EIO, f.Status);
        Assert.Equal(-Errno.EIO, f.Error);
        Assert.Equal(stamp, f.SignalTimestamp);
        Assert.Equal(0, calls);
        // ...but every attempt is counted: a double completion cannot hide behind the once-only rule.
        Assert.Equal(3, f.SignalAttempts);
    }

    [Fact]
    public void SignalAttemptsCountTheSignalAndEveryRefusal()
    {
        var f = new DmaFence();
        Assert.Equal(0, f.SignalAttempts);
        Assert.True(f.SetError(-Errno.EIO));
        Assert.Equal(0, f.SignalAttempts);
        Assert.True(f.Signal());
        Assert.Equal(1, f.SignalAttempts);
        Assert.False(f.Signal());
        Assert.Equal(2, f.SignalAttempts);
    }

    [Fact]
    public void SecondSignalDoesNotRerunCallbacks()
    {
        var f = new DmaFence();
        int calls = 0;
        Assert.True(f.AddCallback(new ActionFenceCallback(_ => calls++)));
        Assert.True(f.Signal());
        Assert.False(f.Signal());
        Assert.Equal(1, calls);
    }

    [Fact]
    public void PendingFenceWithErrorStillReadsZero()
    {
        var f = new DmaFence();
        Assert.True(f.SetError(-Errno.EIO));
        Assert.Equal(0, f.Status);
        Assert.False(f.IsSignaled);
        Assert.Equal(-Errno.EIO, f.Error);
        Assert.True(f.Signal());
        Assert.Equal(-Errno.EIO, f.Status);
    }

    [Fact]
    public void ConcurrentSignallersHaveExactlyOneWinner()
    {
        for (int round = 0; round < 50; round++)
        {
            var f = new DmaFence();
            int callbacks = 0, winners = 0;
            f.AddCallback(new ActionFenceCallback(_ => Interlocked.Increment(ref callbacks)));
            using var start = new Barrier(4);
            TestThread[] threads = Enumerable.Range(0, 4).Select(i => TestThread.Start($"signaller {i}", () =>
            {
                Assert.True(start.SignalAndWait(Bound.Long));
                if (f.Signal())
                {
                    Interlocked.Increment(ref winners);
                }
            })).ToArray();
            TestThread.JoinAll(threads);

            Assert.Equal(1, winners);
            Assert.Equal(4, f.SignalAttempts);
            Assert.Equal(1, callbacks);
            Assert.Equal(1, f.Status);
        }
    }
}
