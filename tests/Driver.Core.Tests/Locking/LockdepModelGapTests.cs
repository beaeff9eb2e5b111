using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// Deadlock orders the kernel's lockdep reports and the validator must too: a lock held around a fence signalling
/// section, a rwsem read re-entered with another lock between, a monitor re-taken after a wait under another lock.
/// Each is a real AB-BA on ordinary locks.
/// </summary>
public sealed class LockdepModelGapTests
{
    /// <summary>
    /// dma_fence_begin_signalling takes dma_fence_lockdep_map as a successful read trylock (lock_acquire(..., trylock 1,
    /// read 1, ...)): a trylock adds no dependency on itself, and check_prevs_add walks past it, so a lock X taken inside
    /// a section depends on the lock L held around the section (L → X). Then X → L elsewhere is the plain AB-BA.
    /// </summary>
    [Fact]
    public void LockHeldAroundASignallingSection_OrdersTheLocksTakenInside()
    {
        var v = new LockValidator { Enabled = true };
        var l = new DriverMutex(v.Class("gt->reset.mutex"));
        var x = new DriverMutex(v.Class("engine->active.lock"));

        TestThread.Run("l-signal-x", () =>
        {
            using (l.Acquire())
            {
                bool cookie = v.BeginSignalling();
                using (x.Acquire())
                {
                }

                v.EndSignalling(cookie);
            }
        });
        TestThread.Run("x-l", () =>
        {
            using (x.Acquire())
            using (l.Acquire())
            {
            }
        });

        // T1 holds L and waits for X; T2 holds X and waits for L.
        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["engine->active.lock", "gt->reset.mutex"], report.Chain);
    }

    /// <summary>
    /// check_deadlock lets a read re-enter a class held for read (it does not report recursion), but validate_chain still
    /// runs check_prevs_add for it: the lock held between the two reads gets its dependency. Two instances of one rwsem
    /// class: T1 reads R1, takes M, reads R2; T2 writes R2 and takes M. T1 holds M and waits for R2, T2 holds R2 and
    /// waits for M.
    /// </summary>
    [Fact]
    public void ReadReentryOfAClass_StillOrdersTheLockHeldBetween()
    {
        var v = new LockValidator { Enabled = true };
        var r1 = new DriverRwLock(v.Class("&vm->resv_rwsem"));
        var r2 = new DriverRwLock(v.Class("&vm->resv_rwsem"));
        var m = new DriverMutex(v.Class("&ctx->mutex"));

        TestThread.Run("r1-m-r2", () =>
        {
            using (r1.Read())
            using (m.Acquire())
            using (r2.Read())
            {
            }
        });
        TestThread.Run("r2w-m", () =>
        {
            using (r2.Write())
            using (m.Acquire())
            {
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains("&ctx->mutex", report.Chain);
        Assert.Contains("&vm->resv_rwsem", report.Chain);
    }

    /// <summary>
    /// A monitor wait releases M and takes it again while N (taken after M) is still held: N → M, against the M → N
    /// of the first acquisition. The kernel's equivalent (mutex_unlock, schedule, mutex_lock under another mutex) is a
    /// plain lock_acquire; a thread that takes M then N during the sleep deadlocks against the waker.
    /// </summary>
    [Fact]
    public void MonitorRetakenAfterAWait_IsOrderedAfterTheLocksStillHeld()
    {
        var v = new LockValidator { Enabled = true };
        var monitor = new DriverMonitor(v.Class("engine->park_wq"));
        var n = new DriverMutex(v.Class("engine->timeline.mutex"));

        using (monitor.Acquire())
        {
            n.Lock();
            monitor.Wait(1); // sleeps holding N, then re-takes the monitor under N
            n.Unlock();
        }

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains("engine->park_wq", report.Chain);
        Assert.Contains("engine->timeline.mutex", report.Chain);
    }
}
