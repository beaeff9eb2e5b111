using Driver.Core.Errors;
using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// ww_mutex semantics (kernel/locking/ww_mutex.h, Documentation/locking/ww-mutex-design): the older context wins,
/// the younger backs off with -EDEADLK and gets through with ww_mutex_lock_slow, -EALREADY, interruptible waits.
/// Every case runs under both algorithms: wound-wait (DEFINE_WW_CLASS, reservation_ww_class) and wait-die.
/// </summary>
public sealed class WwMutexTests
{
    /// <summary>
    /// O (older) holds A, Y (younger) holds B and wants A, O wants B. Wait-die: Y dies on contact with the older holder
    /// (__ww_mutex_check_kill). Wound-wait: O wounds Y (__ww_mutex_wound), which backs off at its wait. Either way O
    /// gets B without ever failing, and Y, after dropping B, sleeps in ww_mutex_lock_slow on A and then gets both.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OlderWins_YoungerGetsEdeadlk_AndSucceedsAfterTheSlowPath(bool waitDie)
    {
        var cls = new WwClass("test_ww_class", waitDie, new LockValidator { Enabled = true });
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);
        using var older = new WwAcquireContext(cls);
        using var youngerHoldsB = new ManualResetEventSlim();
        int firstTry = 0;
        WwMutex? contended = null;

        Assert.Equal(0, a.Lock(older));
        var y = TestThread.Start("younger", () =>
        {
            using var younger = new WwAcquireContext(cls);
            Assert.True(younger.Stamp > older.Stamp);
            Assert.Equal(0, b.Lock(younger));
            youngerHoldsB.Set();
            firstTry = a.Lock(younger);
            contended = younger.ContendingLock;
            Assert.Equal(1, younger.Acquired);
            // i915_gem_ww_ctx_backoff: drop everything, then sleep on the contended lock.
            b.Unlock();
            a.LockSlow(younger);
            Assert.Null(younger.ContendingLock);
            Assert.Equal(0, b.Lock(younger));
            Assert.Equal(2, younger.Acquired);
            b.Unlock();
            a.Unlock();
            younger.Fini();
        });

        Assert.True(youngerHoldsB.Wait(Bound.Long));
        // The older context waits for B and never gets -EDEADLK.
        Assert.Equal(0, b.Lock(older));
        Assert.Equal(2, older.Acquired);
        Assert.Same(older, b.Context);
        b.Unlock();
        a.Unlock();
        y.Join();

        Assert.Equal(-Errno.EDEADLK, firstTry);
        Assert.Same(a, contended);
        Assert.Empty(cls.MutexClass.Validator.Reports);
    }

    /// <summary>__ww_mutex_lock: a mutex the context already holds is -EALREADY, and stays held once.</summary>
    [Fact]
    public void LockingAMutexTheContextHolds_IsEalready()
    {
        var cls = new WwClass("test_ww_class", validator: new LockValidator { Enabled = true });
        var a = new WwMutex(cls);
        using var ctx = new WwAcquireContext(cls);

        Assert.Equal(0, a.Lock(ctx));
        Assert.Equal(-Errno.EALREADY, a.Lock(ctx));
        Assert.Equal(-Errno.EALREADY, a.LockInterruptible(ctx, CancellationToken.None));
        Assert.Equal(1, ctx.Acquired);
        a.Unlock();
        Assert.False(a.IsLocked);
        Assert.Equal(0, ctx.Acquired);
        ctx.Fini();
        Assert.Empty(cls.MutexClass.Validator.Reports);
    }

    /// <summary>ww_mutex_lock_interruptible / _slow_interruptible: a wait ended by a signal is -EINTR and leaves nothing held.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InterruptibleWait_IsEintr_WhenCancelled(bool slow)
    {
        var cls = new WwClass("test_ww_class", validator: new LockValidator { Enabled = true });
        var a = new WwMutex(cls);
        using var holder = new WwAcquireContext(cls);
        Assert.Equal(0, a.Lock(holder));
        using var cancel = new CancellationTokenSource();
        int result = 1;
        int acquiredAfter = -1;

        var t = TestThread.Start("interruptible", () =>
        {
            using var ctx = new WwAcquireContext(cls);
            result = slow ? a.LockSlowInterruptible(ctx, cancel.Token) : a.LockInterruptible(ctx, cancel.Token);
            acquiredAfter = ctx.Acquired;
            ctx.Fini();
        });

        Poll.Until(() => WaitersOf(cls) == 1, "the interruptible locker never slept");
        cancel.Cancel();
        t.Join();

        Assert.Equal(-Errno.EINTR, result);
        Assert.Equal(0, acquiredAfter);
        Assert.Same(holder, a.Context);
        a.Unlock();
        Assert.Empty(cls.MutexClass.Validator.Reports);
    }

    /// <summary>A pending signal does not stop an uncontended lock (the kernel only checks signals while sleeping).</summary>
    [Fact]
    public void CancelledToken_OnAFreeMutex_StillAcquires()
    {
        var cls = new WwClass("test_ww_class", validator: new LockValidator());
        var a = new WwMutex(cls);
        using var ctx = new WwAcquireContext(cls);
        Assert.Equal(0, a.LockInterruptible(ctx, new CancellationToken(canceled: true)));
        a.Unlock();
    }

    /// <summary>
    /// Wound-wait: the older context, holding C, wants A from the younger and wounds it (__ww_mutex_wound). The
    /// wounded context is not interrupted while it never has to wait: a free mutex is still granted; it backs off
    /// at its next contended lock (__ww_mutex_check_kill runs in the wait loop only).
    /// </summary>
    [Fact]
    public void WoundWait_WoundedContextBacksOffOnlyWhenItMustWait()
    {
        var cls = new WwClass("test_ww_class", validator: new LockValidator { Enabled = true });
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);
        var c = new WwMutex(cls);
        using var older = new WwAcquireContext(cls);
        using var youngerHoldsA = new ManualResetEventSlim();
        int free = 1;
        int contended = 1;
        Assert.Equal(0, c.Lock(older));

        var y = TestThread.Start("younger", () =>
        {
            using var younger = new WwAcquireContext(cls);
            Assert.Equal(0, a.Lock(younger));
            youngerHoldsA.Set();
            Poll.Until(() => younger.IsWounded, "the older context never wounded the younger");
            free = b.Lock(younger);
            contended = c.Lock(younger);
            b.Unlock();
            a.Unlock();
            c.LockSlow(younger);
            Assert.False(younger.IsWounded);
            c.Unlock();
            younger.Fini();
        });

        Assert.True(youngerHoldsA.Wait(Bound.Long));
        Assert.Equal(0, a.Lock(older));
        a.Unlock();
        c.Unlock();
        y.Join();

        Assert.Equal(0, free);
        Assert.Equal(-Errno.EDEADLK, contended);
        Assert.Empty(cls.MutexClass.Validator.Reports);
    }

    /// <summary>
    /// AB-BA and worse: N threads lock random sets of M mutexes in random order, each in its own context, backing off
    /// on -EDEADLK as i915_gem_ww_ctx_backoff does. Bounded in time; it must never deadlock (every thread finishes
    /// within the bound), never hand one mutex to two holders, and leave lockdep silent.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomOrderStress_NeverDeadlocks(bool waitDie)
    {
        const int Threads = 4;
        const int Mutexes = 6;
        var v = new LockValidator { Enabled = true };
        var cls = new WwClass("test_ww_class", waitDie, v);
        WwMutex[] locks = Enumerable.Range(0, Mutexes).Select(_ => new WwMutex(cls)).ToArray();
        int[] inside = new int[Mutexes];
        long backoffs = 0;
        long transactions = 0;
        DateTime stopAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(300);

        TestThread[] workers = Enumerable.Range(0, Threads).Select(n => TestThread.Start($"ww-{n}", () =>
        {
            var rng = new Random(n * 7919 + 1);
            for (int iteration = 0; iteration < 20_000 && DateTime.UtcNow < stopAt; iteration++)
            {
                int[] set = Enumerable.Range(0, Mutexes).OrderBy(_ => rng.Next()).Take(2 + rng.Next(Mutexes - 1)).ToArray();
                using var ctx = new WwAcquireContext(cls);
                var held = new List<WwMutex>();
                WwMutex? slow = null;
                while (true)
                {
                    if (slow is not null)
                    {
                        slow.LockSlow(ctx);
                        held.Add(slow);
                        slow = null;
                    }

                    foreach (int i in set)
                    {
                        int err = locks[i].Lock(ctx);
                        if (err == 0)
                        {
                            held.Add(locks[i]);
                        }
                        else if (err != -Errno.EALREADY)
                        {
                            Assert.Equal(-Errno.EDEADLK, err);
                            slow = locks[i];
                            break;
                        }
                    }

                    if (slow is null)
                    {
                        break;
                    }

                    Interlocked.Increment(ref backoffs);
                    foreach (WwMutex m in held)
                    {
                        m.Unlock();
                    }

                    held.Clear();
                }

                ctx.Done();
                foreach (int i in set)
                {
                    Assert.Equal(1, Interlocked.Increment(ref inside[i]));
                }

                Thread.Yield();
                foreach (int i in set)
                {
                    Assert.Equal(0, Interlocked.Decrement(ref inside[i]));
                }

                foreach (WwMutex m in held)
                {
                    m.Unlock();
                }

                ctx.Fini();
                Interlocked.Increment(ref transactions);
            }
        })).ToArray();

        TestThread.JoinAll(workers);
        Assert.True(Interlocked.Read(ref transactions) > 0);
        Assert.All(locks, m => Assert.False(m.IsLocked));
        Assert.Empty(v.Reports);
    }

    /// <summary>ww_mutex_lock_acquired's debug checks: after -EDEADLK the next lock must be the contended one, taken with nothing held.</summary>
    [Fact]
    public void AfterEdeadlk_TakingAnotherMutexFirst_IsAssertion()
    {
        var cls = new WwClass("test_ww_class", isWaitDie: true, validator: new LockValidator());
        var a = new WwMutex(cls);
        var b = new WwMutex(cls);
        var c = new WwMutex(cls);
        using var older = new WwAcquireContext(cls);
        Assert.Equal(0, a.Lock(older));
        TestThread.Run("younger", () =>
        {
            var younger = new WwAcquireContext(cls);
            Assert.Equal(0, b.Lock(younger));
            Assert.Equal(-Errno.EDEADLK, a.Lock(younger));
            b.Unlock();
            Assert.Throws<DebugAssertException>(() => c.Lock(younger));
        });
        a.Unlock();
        older.Fini();
    }

    private static int WaitersOf(WwClass cls)
    {
        lock (cls.Sync)
        {
            return cls.Waiters;
        }
    }
}
