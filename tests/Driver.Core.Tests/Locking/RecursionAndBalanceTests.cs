using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>Recursive locking, bad unlock balance and locks held at thread exit.</summary>
public sealed class RecursionAndBalanceTests
{
    /// <summary>Two instances of one class: without subclass: report recursive locking.</summary>
    [Fact]
    public void TwoInstancesOfOneClass_WithoutSubclass_ReportRecursiveLocking()
    {
        var v = new LockValidator { Enabled = true };
        var first = new DriverMutex(v.Class("obj->lock"));
        var second = new DriverMutex(v.Class("obj->lock"));

        first.Lock();
        second.Lock();
        second.Unlock();
        first.Unlock();

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.RecursiveLocking, report.Kind);
        Assert.Equal("possible recursive locking detected", report.Title);
        Assert.Equal(["obj->lock"], report.Chain);
        Assert.StartsWith(
            "============================================\n" +
            "WARNING: possible recursive locking detected\n" +
            "--------------------------------------------\n", report.Text, StringComparison.Ordinal);
        Assert.Contains("  lock(obj->lock);\n  lock(obj->lock);\n\n *** DEADLOCK ***", report.Text, StringComparison.Ordinal);
        Assert.Contains("May be due to missing lock nesting notation", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Same subclass twice: is still recursion.</summary>
    [Fact]
    public void SameSubclassTwice_IsStillRecursion()
    {
        var v = new LockValidator { Enabled = true };
        var first = new DriverSpinLock(v.Class("obj->lock"));
        var second = new DriverSpinLock(v.Class("obj->lock"));

        first.Lock(1);
        second.Lock(1);
        second.Unlock();
        first.Unlock();

        Assert.Equal(["obj->lock/1"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>Mutex relocked by its owner: is reported and refused.</summary>
    [Fact]
    public void MutexRelockedByItsOwner_IsReportedAndRefused()
    {
        var v = new LockValidator { Enabled = true };
        var m = new DriverMutex(v.Class("m"));

        m.Lock();
        Assert.Throws<LockRecursionException>(() => m.Lock());
        Assert.False(m.TryLock());
        Assert.True(m.IsHeldByCurrentThread);
        m.Unlock();

        Assert.False(m.IsHeldByCurrentThread);
        Assert.Equal(LockdepReportKind.RecursiveLocking, Assert.Single(v.Reports).Kind);
        v.ThreadExit();
        Assert.Single(v.Reports); // the refused acquisition left nothing held behind
    }

    /// <summary>Spin lock relocked by its owner: is reported and refused.</summary>
    [Fact]
    public void SpinLockRelockedByItsOwner_IsReportedAndRefused()
    {
        var v = new LockValidator { Enabled = true };
        var s = new DriverSpinLock(v.Class("s"));

        s.Lock();
        Assert.Throws<LockRecursionException>(() => s.Lock());
        s.Unlock();

        Assert.Equal(LockdepReportKind.RecursiveLocking, Assert.Single(v.Reports).Kind);
    }

    /// <summary>Rw lock write inside read: is reported and refused.</summary>
    [Fact]
    public void RwLockWriteInsideRead_IsReportedAndRefused()
    {
        var v = new LockValidator { Enabled = true };
        var rw = new DriverRwLock(v.Class("rw"));

        rw.EnterRead();
        Assert.Throws<LockRecursionException>(() => rw.EnterWrite());
        Assert.False(rw.TryEnterWrite());
        rw.ExitRead();

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.RecursiveLocking, report.Kind);
        Assert.Equal(["rw"], report.Chain);
    }

    /// <summary>Unlock of a mutex not held: reports bad unlock balance and throws.</summary>
    [Fact]
    public void UnlockOfAMutexNotHeld_ReportsBadUnlockBalanceAndThrows()
    {
        var v = new LockValidator { Enabled = true };
        var m = new DriverMutex(v.Class("m"));

        Assert.Throws<SynchronizationLockException>(m.Unlock);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.BadUnlockBalance, report.Kind);
        Assert.Equal("bad unlock balance detected!", report.Title);
        Assert.Equal(["m"], report.Chain);
        Assert.Contains(" is trying to release lock (m) at:\n", report.Text, StringComparison.Ordinal);
        Assert.Contains("but there are no more locks to release!", report.Text, StringComparison.Ordinal);
        Assert.Contains("no locks held by ", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Unlock of a lock held by another thread: reports bad unlock balance.</summary>
    [Fact]
    public void UnlockOfALockHeldByAnotherThread_ReportsBadUnlockBalance()
    {
        var v = new LockValidator { Enabled = true };
        var s = new DriverSpinLock(v.Class("s"));
        var rw = new DriverRwLock(v.Class("rw"));
        s.Lock();

        TestThread.Run("intruder", () =>
        {
            Assert.Throws<SynchronizationLockException>(s.Unlock);
            Assert.Throws<SynchronizationLockException>(rw.ExitRead);
            Assert.Throws<SynchronizationLockException>(rw.ExitWrite);
        });
        s.Unlock();

        Assert.Equal(["s", "rw"], v.Reports.Select(r => Assert.Single(r.Chain)));
        Assert.All(v.Reports, r => Assert.Equal(LockdepReportKind.BadUnlockBalance, r.Kind));
    }

    /// <summary>Thread exit: with locks held: reports them outermost first.</summary>
    [Fact]
    public void ThreadExit_WithLocksHeld_ReportsThemOutermostFirst()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverSpinLock(v.Class("B"));

        TestThread.Run("leaky", () =>
        {
            a.Lock();
            b.Lock();
            v.ThreadExit();
            b.Unlock();
            a.Unlock();
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.HeldLockAtThreadExit, report.Kind);
        Assert.Equal("lock held when returning to user space!", report.Title);
        Assert.Equal(["A", "B"], report.Chain);
        Assert.Contains("leaky/", report.Text, StringComparison.Ordinal);
        Assert.Contains(" is leaving the kernel with locks still held!\n2 locks held by leaky/", report.Text, StringComparison.Ordinal);
        Assert.Contains(" #0: (A), at: ", report.Text, StringComparison.Ordinal);
        Assert.Contains(" #1: (B), at: ", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Thread exit: with nothing held: reports nothing.</summary>
    [Fact]
    public void ThreadExit_WithNothingHeld_ReportsNothing()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));

        TestThread.Run("clean", () =>
        {
            using (a.Acquire())
            {
            }

            v.ThreadExit();
        });

        Assert.Empty(v.Reports);
    }
}
