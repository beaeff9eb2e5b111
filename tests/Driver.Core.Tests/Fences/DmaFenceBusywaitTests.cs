using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// i915_request_wait's busywait (__i915_spin_request): a fence wait spins for max_busywait_duration_ns before it
/// sleeps. Observed through the waiting thread's <see cref="DmaFence.CurrentThreadWaitCounters"/>, never by timing.
/// </summary>
public class DmaFenceBusywaitTests
{
    [Fact]
    public void DefaultBusywaitIsEightMicroseconds()
    {
        // CONFIG_DRM_I915_MAX_REQUEST_BUSYWAIT defaults to 8000 ns.
        Assert.Equal(8_000, DmaFence.DefaultMaxBusywaitDurationNs);
    }

    [Fact]
    public void BusywaitZeroGoesStraightToSleep()
    {
        // __i915_spin_request is skipped when max_busywait_duration_ns is 0: the waiter sleeps at once.
        var f = new BusywaitFence(0);
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.True(f.Wait(Bound.Long));
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        Poll.Until(() => f.Waiters == 1 && waiter.IsBlocked, "the waiter to block");
        f.Signal();
        waiter.Join();
        Assert.Equal(new FenceWaitCounters(Busywaits: 0, BusywaitHits: 0, Sleeps: 1), counters);
    }

    [Fact]
    public void SignalDuringTheBusywaitReturnsWithoutSleeping()
    {
        // A busywait far longer than the test: the signal is certain to land while the waiter spins.
        var f = new BusywaitFence(Bound.LongNs * 10);
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.True(f.Wait(Bound.Long));
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        Assert.True(f.Spinning.Wait(Bound.Long), "the waiter never began its busywait");
        f.Signal();
        waiter.Join();
        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 1, Sleeps: 0), counters);
        Assert.Equal(0, f.Waiters);
    }

    [Fact]
    public void BusywaitThatExpiresSleepsAndIsWokenBySignal()
    {
        // The busywait ends (1 ns) before the signal: the waiter registers, sleeps, and the signal wakes it.
        var f = new BusywaitFence(1);
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.True(f.Wait(Bound.Long));
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        Poll.Until(() => f.Waiters == 1 && waiter.IsBlocked, "the waiter to block");
        f.Signal();
        waiter.Join();
        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 0, Sleeps: 1), counters);
    }

    [Fact]
    public void BusywaitNeverOutlastsTheWaitsTimeout()
    {
        // The spin is cut at the wait's own deadline: a pending fence with a huge busywait still times out.
        var f = new BusywaitFence(Bound.LongNs * 10);
        Assert.False(f.Wait(TimeSpan.FromMilliseconds(1)));
        Assert.False(f.IsSignaled);
    }

    [Fact]
    public void SignalledFenceCountsNothing()
    {
        // The fast path: no busywait, no sleep.
        var f = new DmaFence();
        f.Signal();
        FenceWaitCounters before = DmaFence.CurrentThreadWaitCounters;
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(before, DmaFence.CurrentThreadWaitCounters);
    }

    [Fact]
    public void ManyWaitersAndSignallersLoseNoWakeUp()
    {
        // No lost wake-up whatever the busywait: a signal that lands in the spin, between the spin and the
        // registration, or during the sleep must each end the wait. Bounded in rounds and time.
        long[] busywaits = [0, 1, 2_000, DmaFence.DefaultMaxBusywaitDurationNs];
        const int Fences = 32;
        const int Waiters = 4;
        DateTime stopAt = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        for (int round = 0; round < 200 && DateTime.UtcNow < stopAt; round++)
        {
            var fences = new DmaFence[Fences];
            for (int i = 0; i < Fences; i++)
            {
                fences[i] = new BusywaitFence(busywaits[(round + i) % busywaits.Length]);
            }

            int returned = 0;
            var threads = new List<TestThread>();
            for (int w = 0; w < Waiters; w++)
            {
                int offset = w;
                threads.Add(TestThread.Start($"waiter{w}", () =>
                {
                    for (int i = 0; i < Fences; i++)
                    {
                        DmaFence f = fences[(i + offset * 7) % Fences];
                        Assert.True(f.Wait(Bound.Long), $"wait on {f} was never woken");
                        Assert.True(f.IsSignaled);
                        Interlocked.Increment(ref returned);
                    }
                }));
            }
            for (int s = 0; s < 2; s++)
            {
                int first = s;
                threads.Add(TestThread.Start($"signaller{s}", () =>
                {
                    for (int i = first; i < Fences; i += 2)
                    {
                        Thread.SpinWait(100 * (i % 5));
                        Assert.True(fences[i].Signal());
                    }
                }));
            }
            TestThread.JoinAll(threads);
            Assert.Equal(Fences * Waiters, returned);
            Assert.All(fences, f =>
            {
                Assert.Equal(1, f.SignalAttempts);
                Assert.Equal(0, f.Waiters);
            });
        }
    }
}
