using Driver.Core.Errors;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>Bounded waits, synchronous and asynchronous: a timeout is not an error.</summary>
public class DmaFenceWaitTests
{
    [Fact]
    public void WaitTimesOutOnPendingFenceWithoutError()
    {
        var f = new DmaFence();
        Assert.False(f.Wait(Bound.Short));
        Assert.False(f.Wait(0));
        Assert.False(f.IsSignaled);
        Assert.Equal(0, f.Status);
        Assert.Equal(0, f.Error);
    }

    [Fact]
    public void WaitReturnsTrueOnSignalledFence()
    {
        var f = new DmaFence();
        f.Signal();
        Assert.True(f.Wait(0));
        Assert.True(f.Wait(TimeSpan.Zero));
    }

    [Fact]
    public void WaitReturnsTrueForFailedFenceAndStatusCarriesTheError()
    {
        var f = new DmaFence();
        f.SetError(-Errno.EIO);
        f.Signal();
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, f.Status);
    }

    [Fact]
    public async Task WaitWakesWhenAnotherThreadSignals()
    {
        var f = new DmaFence();
        Task<bool> waiter = Task.Run(() => f.Wait(Bound.Long));
        // Blocked, not still spinning: the signal must wake a sleeper.
        Poll.Until(() => f.Waiters == 1, "the waiter to block");
        f.Signal();
        Assert.True(await waiter.WaitAsync(Bound.Long));
    }

    [Fact]
    public async Task LongWaitsAreNotTreatedAsExpired()
    {
        // A timeout too large to add to the clock must mean "a very long time", not "already expired".
        foreach (TimeSpan timeout in new[] { TimeSpan.MaxValue, Timeout.InfiniteTimeSpan })
        {
            var f = new DmaFence();
            Task<bool> waiter = Task.Run(() => f.Wait(timeout));
            // Once it blocks, the waiter must stay blocked (a negative check, bounded short); then the signal wakes it.
            Poll.Until(() => f.Waiters == 1 || waiter.IsCompleted, "the waiter to block");
            await Task.WhenAny(waiter, Task.Delay(Bound.Short));
            Assert.False(waiter.IsCompleted, $"Wait({timeout}) returned before the signal");
            f.Signal();
            Assert.True(await waiter.WaitAsync(Bound.Long));
        }
    }

    [Fact]
    public void ManyWaitersAllWake()
    {
        var f = new DmaFence();
        const int N = 8;
        bool[] results = new bool[N];
        TestThread[] waiters = Enumerable.Range(0, N).Select(i => TestThread.Start($"waiter {i}", () => results[i] = f.Wait(Bound.Long))).ToArray();
        // Every waiter blocked, so that the signal has sleepers to wake rather than spinners that see it.
        Poll.Until(() => f.Waiters == N, $"{N} waiters to block", () => $"{f.Waiters} blocked");
        f.Signal();
        TestThread.JoinAll(waiters);

        Assert.All(results, Assert.True);
    }

    [Fact]
    public async Task WaitAsyncCompletesOnSignal()
    {
        var f = new DmaFence();
        Task<bool> wait = f.WaitAsync(Bound.Long);
        Assert.False(wait.IsCompleted);
        f.SetError(-Errno.EAGAIN);
        f.Signal();
        Assert.True(await wait);
        Assert.Equal(-Errno.EAGAIN, f.Status);
    }

    [Fact]
    public async Task WaitAsyncOnSignalledFenceIsTrue()
    {
        var f = new DmaFence();
        f.Signal();
        Assert.True(await f.WaitAsync(TimeSpan.Zero));
    }

    [Fact]
    public async Task WaitAsyncTimesOutWithoutError()
    {
        var f = new DmaFence();
        Assert.False(await f.WaitAsync(Bound.Short));
        Assert.Equal(0, f.Status);
        Assert.Equal(0, f.Error);
        // The timed-out waiter's callback was removed: signalling later runs nothing stale and still works.
        Assert.True(f.Signal());
        Assert.Equal(1, f.Status);
    }

    [Fact]
    public async Task WaitAsyncHonoursCancellation()
    {
        var f = new DmaFence();
        using var cts = new CancellationTokenSource();
        Task<bool> wait = f.WaitAsync(Bound.Long, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.False(f.IsSignaled);
        Assert.Equal(0, f.Status);
        Assert.True(f.Signal());
    }

    [Fact]
    public async Task WaitAsyncWithCancelledTokenOnSignalledFenceIsTrue()
    {
        var f = new DmaFence();
        f.Signal();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.True(await f.WaitAsync(Bound.Long, cts.Token));
    }
}
