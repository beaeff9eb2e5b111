using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>A disabled validator records nothing; toggling it causes no false reports; class lookup.</summary>
public sealed class DisabledValidatorTests
{
    /// <summary>Disabled validator: records nothing.</summary>
    [Fact]
    public void DisabledValidator_RecordsNothing()
    {
        var v = new LockValidator();
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverSpinLock(v.Class("B"));
        var rw = new DriverRwLock(v.Class("RW"));
        int raised = 0;
        v.ReportAdded += _ => raised++;

        Assert.False(v.Enabled);
        a.Lock();
        b.Lock();
        b.Unlock();
        a.Unlock();
        b.Lock();
        a.Lock();
        rw.EnterRead();
        rw.ExitRead();
        a.Unlock();
        b.Unlock();
        bool cookie = v.BeginSignalling();
        v.MightWaitOnFence();
        v.EndSignalling(cookie);
        Assert.Throws<SynchronizationLockException>(a.Unlock);
        a.Lock();
        v.ThreadExit();
        a.Unlock();

        Assert.True(cookie);
        Assert.Empty(v.Reports);
        Assert.Equal(0, raised);
    }

    /// <summary>Enabling while locks are held: causes no false reports.</summary>
    [Fact]
    public void EnablingWhileLocksAreHeld_CausesNoFalseReports()
    {
        var v = new LockValidator();
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));

        a.Lock();                 // taken while off: unknown to the validator
        v.Enabled = true;
        b.Lock();
        a.Unlock();               // released while on: not tracked, but owned, so no imbalance
        b.Unlock();
        b.Lock();
        v.Enabled = false;
        v.Enabled = true;         // b's entry is now stale
        a.Lock();                 // no B → A from a stale entry
        a.Unlock();
        b.Unlock();
        v.ThreadExit();

        Assert.Empty(v.Reports);
    }

    /// <summary>Class by name: is one object per name.</summary>
    [Fact]
    public void ClassByName_IsOneObjectPerName()
    {
        var v = new LockValidator();

        Assert.Same(v.Class("engine->sched.lock"), v.Class("engine->sched.lock"));
        Assert.NotSame(v.Class("a"), v.Class("b"));
        Assert.NotSame(v.Class("a"), new LockValidator().Class("a"));
        Assert.Same(v, v.Class("a").Validator);
        Assert.Equal("a", v.Class("a").Name);
    }
}
