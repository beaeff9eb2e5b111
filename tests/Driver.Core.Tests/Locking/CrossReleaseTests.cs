using Driver.Core.Locking;
using Driver.Core.Sync;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// Waits whose other side runs on another thread: completions (cross-release's commit), grace periods (SRCU's
/// dep_map, synchronize_srcu annotated since 6.2) and lock hand-off (the 2009 IPI thread).
/// </summary>
public sealed class CrossReleaseTests
{
    /// <summary>wait_for_completion with A held, completer takes A before complete(): reported.</summary>
    [Fact]
    public void CompleterNeedsALockTheWaiterHolds_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("park_lock"));
        var done = new LockdepMap(v.Class("&engine->parked"));

        TestThread.Run("waiter", () =>
        {
            using (a.Acquire())
            {
                done.Wait();
            }
        });
        Assert.Empty(v.Reports);
        TestThread.Run("completer", () =>
        {
            using (a.Acquire())
            {
                done.Complete();
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["&engine->parked", "park_lock"], report.Chain);
    }

    /// <summary>The same, completion first: the waiter's wait closes the cycle.</summary>
    [Fact]
    public void WaitUnderALockTheCompleterHeld_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("park_lock"));
        var done = new LockdepMap(v.Class("&engine->parked"));

        TestThread.Run("completer", () =>
        {
            using (a.Acquire())
            {
                done.Complete();
            }
        });
        TestThread.Run("waiter", () =>
        {
            using (a.Acquire())
            {
                done.Wait();
            }
        });

        Assert.Equal(LockdepReportKind.CircularDependency, Assert.Single(v.Reports).Kind);
    }

    /// <summary>A completer holding only locks the waiter does not hold: silent.</summary>
    [Fact]
    public void CompleterWithUnrelatedLocks_IsSilent()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("park_lock"));
        var b = new DriverMutex(v.Class("engine->sched.lock"));
        var done = new LockdepMap(v.Class("&engine->parked"));

        TestThread.Run("completer", () =>
        {
            using (b.Acquire())
            {
                done.Complete();
            }
        });
        TestThread.Run("waiter", () =>
        {
            using (a.Acquire())
            {
                done.Wait();
            }
        });
        TestThread.Run("completer again", done.Complete);

        Assert.Empty(v.Reports);
    }

    /// <summary>synchronize_srcu with M held while a reader takes M inside its section: reported.</summary>
    [Fact]
    public void GracePeriodUnderALockReadersTake_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var epoch = new Epoch("&gt->reset.backoff_srcu", v);
        var m = new DriverMutex(v.Class("gt->reset.mutex"));

        TestThread.Run("reader", () =>
        {
            using (epoch.Read())
            using (m.Acquire())
            {
            }
        });
        Assert.Empty(v.Reports);
        using (m.Acquire())
        {
            epoch.Synchronize();
        }

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains("&gt->reset.backoff_srcu", report.Chain);
    }

    /// <summary>A grace period inside a signalling section while a reader waits on a fence: reported.</summary>
    [Fact]
    public void GracePeriodInSignallingSectionWhileReaderWaitsOnFence_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var epoch = new Epoch("&gt->reset.backoff_srcu", v);

        TestThread.Run("reader", () =>
        {
            epoch.ReadLock();
            v.MightWaitOnFence();
            epoch.ReadUnlock();
        });
        bool cookie = v.BeginSignalling();
        epoch.Synchronize();
        v.EndSignalling(cookie);

        Assert.Equal(LockdepReportKind.CircularDependency, Assert.Single(v.Reports).Kind);
    }

    /// <summary>Readers nesting, readers taking locks and grace periods with nothing held: silent.</summary>
    [Fact]
    public void GracePeriodWithNothingHeld_IsSilent()
    {
        var v = new LockValidator { Enabled = true };
        var epoch = new Epoch("&gt->reset.backoff_srcu", v);
        var m = new DriverMutex(v.Class("gt->reset.mutex"));

        using (epoch.Read())
        {
            epoch.ReadLock(); // srcu_read_lock nests
            using (m.Acquire())
            {
            }

            epoch.ReadUnlock();
        }

        epoch.Synchronize();
        using (m.Acquire())
        {
        }

        v.ThreadExit();
        Assert.Empty(v.Reports);
    }

    /// <summary>
    /// The 2009 scenario: smp_call_function_single takes the per-cpu lock, the IPI handler releases it after
    /// consuming the data. If the handler needs B before the release and someone holding B takes the per-cpu lock,
    /// neither can proceed: reported (the releaser's held locks are learnt at the hand-off release).
    /// </summary>
    [Fact]
    public void HandOffReleasedUnderALockItsTakerHolds_IsReported()
    {
        var v = new LockValidator { Enabled = true };
        var csdLock = new DriverMutex(v.Class("per_cpu(csd_lock)"));
        var b = new DriverMutex(v.Class("&rq->lock"));

        HandOffTicket ticket = default;
        TestThread.Run("caller", () => ticket = csdLock.LockForHandOff());
        TestThread.Run("ipi handler", () =>
        {
            using (b.Acquire())
            {
                csdLock.UnlockHandedOff(ticket);
            }
        });
        Assert.Empty(v.Reports);
        TestThread.Run("other caller", () =>
        {
            using (b.Acquire())
            using (csdLock.Acquire())
            {
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["&rq->lock", "per_cpu(csd_lock)"], report.Chain);
    }

    /// <summary>The 2009 scenario as proposed: the handler consumes and releases with nothing held: silent.</summary>
    [Fact]
    public void HandOffReleasedWithNothingHeld_IsSilent()
    {
        var v = new LockValidator { Enabled = true };
        var csdLock = new DriverMutex(v.Class("per_cpu(csd_lock)"));
        var b = new DriverMutex(v.Class("&rq->lock"));

        for (int i = 0; i < 3; i++)
        {
            HandOffTicket ticket = default;
            TestThread.Run("caller", () =>
            {
                using (b.Acquire())
                {
                    ticket = csdLock.LockForHandOff(); // b → csd_lock, the caller's own ordering
                }
            });
            TestThread.Run("ipi handler", () => csdLock.UnlockHandedOff(ticket));
        }

        using (b.Acquire())
        using (csdLock.Acquire())
        {
        }

        Assert.Empty(v.Reports);
    }
}
