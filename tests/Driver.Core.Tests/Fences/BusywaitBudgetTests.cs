using System.Diagnostics;
using Driver.Core.Fences;

namespace Driver.Core.Tests.Fences;

/// <summary>
/// __i915_spin_request spins only for a running request, so its budget counts from when the request runs; on hardware
/// that is at once, here the engine thread's wake-up comes first. A busywait that runs out asks when the fence's work
/// began and, if it began inside the budget, spins the budget again from then — once. Observed through the waiting
/// thread's counters and the number of times the fence was asked, never by timing: the answers are chosen so the
/// outcome does not depend on the machine's speed.
/// </summary>
public class BusywaitBudgetTests
{
    /// <summary>A thread waiting on <paramref name="f"/>; the counters it saw, read after it is joined.</summary>
    private static (TestThread Waiter, Func<FenceWaitCounters> Counters) StartWaiter(DmaFence f)
    {
        FenceWaitCounters counters = default;
        var waiter = TestThread.Start("waiter", () =>
        {
            Assert.True(f.Wait(Bound.Long));
            counters = DmaFence.CurrentThreadWaitCounters;
        });
        return (waiter, () => counters);
    }

    [Fact]
    public void AFenceWhoseWorkBeganDuringTheBudgetIsSpunOnFromThatMoment_AndASignalThenIsAHit()
    {
        // "Began" an hour from now: the renewed budget outlasts the test, so the signal certainly lands while it spins.
        long hour = 3600 * Stopwatch.Frequency;
        var f = new RunningSinceFence(1, now => now + hour);
        (TestThread waiter, Func<FenceWaitCounters> counters) = StartWaiter(f);
        Assert.True(f.Asked.Wait(Bound.Long), "the busywait never ran out and asked");
        f.Signal();
        waiter.Join();

        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 1, Sleeps: 0), counters());
        Assert.Equal(1, f.TimesAsked);
    }

    [Fact]
    public void AFenceWhoseWorkHasNotBegun_SleepsAfterOneBudget()
    {
        // 0: not running yet (the engine thread still waking): no renewal, the waiter sleeps and the signal wakes it.
        var f = new RunningSinceFence(1, _ => 0);
        (TestThread waiter, Func<FenceWaitCounters> counters) = StartWaiter(f);
        Poll.Until(() => f.Waiters == 1 && waiter.IsBlocked, "the waiter to sleep");
        f.Signal();
        waiter.Join();

        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 0, Sleeps: 1), counters());
        Assert.Equal(1, f.TimesAsked);
    }

    [Fact]
    public void TheBudgetIsRenewedOnceOnly()
    {
        // Began "just now" every time it is asked: the renewed budget (1 ms) runs out too, and is not renewed again.
        var f = new RunningSinceFence(1_000_000, now => now);
        (TestThread waiter, Func<FenceWaitCounters> counters) = StartWaiter(f);
        Poll.Until(() => f.Waiters == 1 && waiter.IsBlocked, "the waiter to sleep");
        f.Signal();
        waiter.Join();

        Assert.Equal(new FenceWaitCounters(Busywaits: 1, BusywaitHits: 0, Sleeps: 1), counters());
        Assert.Equal(1, f.TimesAsked);
    }
}
