using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>Correct locking that must produce no report: consistent order, trylocks, subclasses, out-of-order unlock, read re-entry, signalling sections.</summary>
public sealed class NoFalsePositiveTests
{
    /// <summary>Same order everywhere: under contention: reports nothing.</summary>
    [Fact]
    public void SameOrderEverywhere_UnderContention_ReportsNothing()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverSpinLock(v.Class("B"));
        var c = new DriverRwLock(v.Class("C"));
        var d = new DriverMutex(v.Class("D"));
        long counter = 0;

        var threads = Enumerable.Range(0, 4).Select(t => TestThread.Start($"worker{t}", () =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                using (a.Acquire())
                using (b.Acquire())
                {
                    Interlocked.Increment(ref counter);
                }

                // Skipping levels keeps the order: A → C, A → D, C → D are all consistent with A → B → C → D.
                using (a.Acquire())
                using (i % 2 == 0 ? c.Read() : default)
                using (d.Acquire())
                {
                    Interlocked.Increment(ref counter);
                }

                using (b.Acquire())
                using (c.Write())
                {
                    Interlocked.Increment(ref counter);
                }
            }

            v.ThreadExit();
        })).ToList();
        TestThread.JoinAll(threads);

        Assert.Equal(4 * 2_000 * 3, counter);
        Assert.Empty(v.Reports);
    }

    /// <summary>Trylock: in reverse order: adds no dependency.</summary>
    [Fact]
    public void Trylock_InReverseOrder_AddsNoDependency()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));

        TestThread.Run("try", () =>
        {
            a.Lock();
            Assert.True(b.TryLock());
            b.Unlock();
            a.Unlock();
        });
        TestThread.Run("block", () =>
        {
            b.Lock();
            a.Lock();
            a.Unlock();
            b.Unlock();
        });

        Assert.Empty(v.Reports);
    }

    /// <summary>Trylocked lock: still orders later acquisitions.</summary>
    [Fact]
    public void TrylockedLock_StillOrdersLaterAcquisitions()
    {
        var v = new LockValidator { Enabled = true };
        var b = new DriverMutex(v.Class("B"));
        var c = new DriverMutex(v.Class("C"));

        Assert.True(b.TryLock());
        c.Lock();
        c.Unlock();
        b.Unlock();
        TestThread.Run("reverse", () =>
        {
            c.Lock();
            b.Lock();
            b.Unlock();
            c.Unlock();
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(["C", "B"], report.Chain);
    }

    /// <summary>Locks below a trylock: also gain the dependency.</summary>
    [Fact]
    public void LocksBelowATrylock_AlsoGainTheDependency()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverSpinLock(v.Class("B"));
        var c = new DriverMutex(v.Class("C"));

        a.Lock();
        Assert.True(b.TryLock());
        c.Lock(); // records B → C and, past the trylock, A → C
        c.Unlock();
        b.Unlock();
        a.Unlock();
        c.Lock();
        a.Lock();
        a.Unlock();
        c.Unlock();

        Assert.Equal(["C", "A"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>Subclass nesting: of two instances of one class: is legal.</summary>
    [Fact]
    public void SubclassNesting_OfTwoInstancesOfOneClass_IsLegal()
    {
        var v = new LockValidator { Enabled = true };
        LockClass engine = v.Class("engine->sched.lock");
        var parent = new DriverMutex(engine);
        var child = new DriverMutex(engine);
        var parentSpin = new DriverSpinLock(v.Class("timeline->lock"));
        var childSpin = new DriverSpinLock(v.Class("timeline->lock"));

        for (int i = 0; i < 3; i++)
        {
            parent.Lock();
            child.Lock(1);
            parentSpin.Lock();
            childSpin.Lock(1);
            childSpin.Unlock();
            parentSpin.Unlock();
            child.Unlock();
            parent.Unlock();
        }

        Assert.Empty(v.Reports);
    }

    /// <summary>Out of order unlock: keeps tracking correct.</summary>
    [Fact]
    public void OutOfOrderUnlock_KeepsTrackingCorrect()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));
        var c = new DriverMutex(v.Class("C"));

        a.Lock();
        Assert.True(b.TryLock()); // no A → B: trylocks record nothing
        a.Unlock();               // not LIFO: B stays held, A does not
        c.Lock();                 // B → C; walking out past the trylock finds no A any more, so no A → C
        c.Unlock();
        b.Unlock();
        TestThread.Run("reverse", () =>
        {
            c.Lock();
            a.Lock();             // C → A: a cycle only if A → C had been recorded
            a.Unlock();
            c.Unlock();
        });
        v.ThreadExit();

        Assert.Empty(v.Reports);
    }

    /// <summary>Read reentry: of one rw lock: is not recursion.</summary>
    [Fact]
    public void ReadReentry_OfOneRwLock_IsNotRecursion()
    {
        var v = new LockValidator { Enabled = true };
        var rw = new DriverRwLock(v.Class("rw"));
        var other = new DriverRwLock(v.Class("rw"));

        using (rw.Read())
        using (rw.Read())
        using (other.Read())
        {
            Assert.True(rw.IsReadLockHeld);
        }

        Assert.Empty(v.Reports);
    }

    /// <summary>Signalling sections around a lock: in both orders: are not a cycle.</summary>
    [Fact]
    public void SignallingSectionsAroundALock_InBothOrders_AreNotACycle()
    {
        var v = new LockValidator { Enabled = true };
        var l = new DriverMutex(v.Class("engine->active.lock"));

        TestThread.Run("lock-then-signal", () =>
        {
            l.Lock();
            bool cookie = v.BeginSignalling();
            v.EndSignalling(cookie);
            l.Unlock();
        });
        TestThread.Run("signal-then-lock", () =>
        {
            bool cookie = v.BeginSignalling();
            l.Lock();
            l.Unlock();
            v.EndSignalling(cookie);
        });
        v.MightWaitOnFence(); // a wait holding nothing

        Assert.Empty(v.Reports);
    }

    /// <summary>Two validators on one thread: do not mix.</summary>
    [Fact]
    public void TwoValidatorsOnOneThread_DoNotMix()
    {
        var v1 = new LockValidator { Enabled = true };
        var v2 = new LockValidator { Enabled = true };
        var a1 = new DriverMutex(v1.Class("A"));
        var b2 = new DriverMutex(v2.Class("B"));
        var b1 = new DriverMutex(v1.Class("B"));

        a1.Lock();
        b2.Lock();
        b1.Lock();
        b1.Unlock();
        b2.Unlock();
        a1.Unlock();
        b2.Lock();
        b1.Lock();
        a1.Lock();   // v1: B → A closes A → B
        a1.Unlock();
        b1.Unlock();
        b2.Unlock();

        Assert.Equal(["B", "A"], Assert.Single(v1.Reports).Chain);
        Assert.Empty(v2.Reports);
    }
}
