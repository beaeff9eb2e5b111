using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// What the validator costs, read from its own counters (timings belong to bench/Driver.Bench): the graph work runs
/// once per distinct held-lock chain, every later acquisition with that chain is a cache hit, and a disabled
/// validator does no work at all.
/// </summary>
public sealed class ValidatorCostTests
{
    private const int Rounds = 10_000;

    [Fact]
    public void EachChainIsValidatedOnceAndThenOnlyHitsTheCache()
    {
        var v = new LockValidator { Enabled = true };
        var outer = new DriverMutex(v.Class("outer"));
        var inner = new DriverMutex(v.Class("inner"));

        outer.Lock();
        inner.Lock();
        inner.Unlock();
        outer.Unlock();
        // Two chains: (outer) and (outer, inner).
        Assert.Equal(2, v.ChainValidations);
        Assert.Equal(2, v.CachedChains);

        for (int i = 0; i < Rounds; i++)
        {
            outer.Lock();
            inner.Lock();
            inner.Unlock();
            outer.Unlock();
        }

        Assert.Equal(2, v.ChainValidations);
        Assert.Equal(2, v.CachedChains);

        // The other order is a new chain of its own: validated once, reported once, however often it recurs.
        for (int i = 0; i < Rounds; i++)
        {
            inner.Lock();
            outer.Lock();
            outer.Unlock();
            inner.Unlock();
        }

        Assert.Equal(4, v.ChainValidations);
        Assert.Single(v.Reports, r => r.Kind == LockdepReportKind.CircularDependency);
    }

    [Fact]
    public void ThreadsMeetingANewChainTogetherValidateItOnce()
    {
        const int Threads = 4;
        var v = new LockValidator { Enabled = true };
        var outer = new DriverMutex(v.Class("outer"));
        var inner = new DriverMutex(v.Class("inner"));
        using var start = new Barrier(Threads);

        TestThread[] threads = Enumerable.Range(0, Threads).Select(i => TestThread.Start($"locker {i}", () =>
        {
            Assert.True(start.SignalAndWait(Bound.Long));
            for (int n = 0; n < Rounds / Threads; n++)
            {
                using (outer.Acquire())
                using (inner.Acquire())
                {
                }
            }

            v.ThreadExit();
        })).ToArray();
        TestThread.JoinAll(threads);

        Assert.Equal(2, v.ChainValidations);
        Assert.Empty(v.Reports);
    }

    [Fact]
    public void ADisabledValidatorDoesNoWork()
    {
        var v = new LockValidator();
        var outer = new DriverMutex(v.Class("outer"));
        var inner = new DriverMutex(v.Class("inner"));

        for (int i = 0; i < Rounds; i++)
        {
            inner.Lock();
            outer.Lock();
            outer.Unlock();
            inner.Unlock();
            outer.Lock();
            inner.Lock();
            inner.Unlock();
            outer.Unlock();
        }

        Assert.Equal(0, v.ChainValidations);
        Assert.Equal(0, v.CachedChains);
        Assert.Empty(v.Reports);
    }
}
