using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// ww_mutex through the lock validator: one class for every mutex, the acquire context as nest lock
/// (mutex_acquire_nest in __ww_mutex_lock), so locks of the class held together in one context are fine and a ww
/// lock taken without a context while another is held is recursive locking.
/// </summary>
public sealed class WwMutexLockdepTests
{
    /// <summary>ww_mutex_lock(lock, NULL) with another of the class held: "possible recursive locking detected".</summary>
    [Fact]
    public void WwLockOutsideAContext_WhileAnotherOfTheClassIsHeld_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);

        Assert.Equal(0, a.Lock(null));
        Assert.Equal(0, b.Lock(null));
        b.Unlock();
        a.Unlock();

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.RecursiveLocking, report.Kind);
        Assert.Equal(["resv_test_mutex"], report.Chain);
    }

    /// <summary>One lock in a context, the next outside it: the context does not cover the second, so it is reported.</summary>
    [Fact]
    public void WwLockOutsideTheContext_WhileOneInTheContextIsHeld_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);
        using var ctx = new WwAcquireContext(cls);

        Assert.Equal(0, a.Lock(ctx));
        Assert.Equal(0, b.Lock(null));
        b.Unlock();
        a.Unlock();
        ctx.Fini();

        Assert.Equal(LockdepReportKind.RecursiveLocking, Assert.Single(v.Reports).Kind);
    }

    /// <summary>
    /// Many ww locks of the class in one context, another lock in between, released in any order: no report, and
    /// the held stack is clean afterwards (a plain lock of the class then is fine).
    /// </summary>
    [Fact]
    public void SeveralWwLocksInOneContext_AreNotReported_AndReleaseCleanly()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        WwMutex[] m = [new(cls), new(cls), new(cls), new(cls)];
        var timeline = new DriverMutex(v.Class("timeline->mutex"));
        using var ctx = new WwAcquireContext(cls);

        Assert.Equal(0, m[0].Lock(ctx));
        Assert.Equal(0, m[1].Lock(ctx));
        Assert.True(m[2].TryLock(ctx));
        timeline.Lock();
        Assert.Equal(0, m[3].Lock(ctx));
        timeline.Unlock();
        // Released out of order, the merged entry's own instance first.
        m[0].Unlock();
        m[2].Unlock();
        m[3].Unlock();
        m[1].Unlock();
        ctx.Fini();
        Assert.Empty(v.Reports);

        // Nothing is left on the stack: a lone ww lock outside any context is fine, and so is thread exit.
        Assert.Equal(0, m[0].Lock(null));
        m[0].Unlock();
        v.ThreadExit();
        Assert.Empty(v.Reports);
    }

    /// <summary>A-then-B in one context, B-then-A in another: ww mutexes order themselves, so lockdep records no cycle.</summary>
    [Fact]
    public void AbBaInTwoContexts_IsNotACycle()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);

        foreach ((WwMutex first, WwMutex second) in new[] { (a, b), (b, a) })
        {
            TestThread.Run("txn", () =>
            {
                using var ctx = new WwAcquireContext(cls);
                Assert.Equal(0, first.Lock(ctx));
                Assert.Equal(0, second.Lock(ctx));
                second.Unlock();
                first.Unlock();
            });
        }

        Assert.Empty(v.Reports);
    }

    /// <summary>Two acquire contexts of one class nested on one thread: ww_acquire_init's mutex_acquire reports recursion.</summary>
    [Fact]
    public void TwoContextsOfOneClassOnOneThread_AreReported()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        using (var outer = new WwAcquireContext(cls))
        using (var inner = new WwAcquireContext(cls))
        {
            _ = inner;
            _ = outer;
        }

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.RecursiveLocking, report.Kind);
        Assert.Equal(["resv_test_acquire"], report.Chain);
    }

    /// <summary>
    /// The class is one node of the graph: a lock taken under a ww lock and a ww lock taken under that lock close a
    /// cycle (the rule that bans waiting for a reservation under a lock the reservation holder takes).
    /// </summary>
    [Fact]
    public void WwClassOrdersAgainstOtherLocks()
    {
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("resv_test", validator: v);
        var a = new WwMutex(cls);
        var other = new DriverMutex(v.Class("other->lock"));
        using (var ctx = new WwAcquireContext(cls))
        {
            Assert.Equal(0, a.Lock(ctx));
            other.Lock();
            other.Unlock();
            a.Unlock();
        }

        other.Lock();
        Assert.Equal(0, a.Lock(null));
        a.Unlock();
        other.Unlock();

        Assert.Equal(LockdepReportKind.CircularDependency, Assert.Single(v.Reports).Kind);
    }
}
