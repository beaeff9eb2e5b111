using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>dma_fence signalling annotations: waits inside sections and lock → fence wait → signalling → lock cycles.</summary>
public sealed class FenceAnnotationTests
{
    /// <summary>Fence wait inside signalling section: is reported.</summary>
    [Fact]
    public void FenceWaitInsideSignallingSection_IsReported()
    {
        var v = new LockValidator { Enabled = true };

        bool cookie = v.BeginSignalling();
        v.MightWaitOnFence();
        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.FenceWaitInSignallingSection, report.Kind);
        Assert.Equal([LockValidator.FenceMapClassName], report.Chain);
        Assert.Contains("WARNING: possible recursive locking detected", report.Text, StringComparison.Ordinal);
        Assert.Contains(" (dma_fence_map), at: ", report.Text, StringComparison.Ordinal);
        Assert.Contains("dma_fence wait inside a fence signalling section", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Nested signalling: is cookie safe.</summary>
    [Fact]
    public void NestedSignalling_IsCookieSafe()
    {
        var v = new LockValidator { Enabled = true };

        bool outer = v.BeginSignalling();
        bool inner = v.BeginSignalling();
        Assert.False(outer);
        Assert.True(inner);
        v.EndSignalling(inner);
        v.MightWaitOnFence(); // still inside the outer section
        v.EndSignalling(outer);
        Assert.Single(v.Reports);

        v.MightWaitOnFence(); // outside every section
        v.ThreadExit();
        Assert.Single(v.Reports);
    }

    /// <summary>Lock in signalling section: then fence wait under that lock: is a cycle.</summary>
    [Fact]
    public void LockInSignallingSection_ThenFenceWaitUnderThatLock_IsACycle()
    {
        var v = new LockValidator { Enabled = true };
        var resv = new DriverMutex(v.Class("reservation_ww_class_mutex"));

        TestThread.Run("reset", () =>
        {
            bool cookie = v.BeginSignalling();
            using (resv.Acquire())
            {
            }

            v.EndSignalling(cookie);
        });
        Assert.Empty(v.Reports);
        TestThread.Run("waiter", () =>
        {
            using (resv.Acquire())
            {
                v.MightWaitOnFence();
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["reservation_ww_class_mutex", LockValidator.FenceMapClassName], report.Chain);
    }

    /// <summary>Fence wait under lock: then that lock in signalling section: is a cycle.</summary>
    [Fact]
    public void FenceWaitUnderLock_ThenThatLockInSignallingSection_IsACycle()
    {
        var v = new LockValidator { Enabled = true };
        var resv = new DriverMutex(v.Class("reservation_ww_class_mutex"));

        using (resv.Acquire())
        {
            v.MightWaitOnFence();
        }

        bool cookie = v.BeginSignalling();
        using (resv.Acquire())
        {
        }

        v.EndSignalling(cookie);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal([LockValidator.FenceMapClassName, "reservation_ww_class_mutex"], report.Chain);
    }

    /// <summary>Cycle through another lock: is found.</summary>
    [Fact]
    public void CycleThroughAnotherLock_IsFound()
    {
        var v = new LockValidator { Enabled = true };
        var outer = new DriverMutex(v.Class("gt->reset.mutex"));
        var inner = new DriverSpinLock(v.Class("engine->sched.lock"));

        using (outer.Acquire())
        using (inner.Acquire())
        {
        }

        using (inner.Acquire())
        {
            v.MightWaitOnFence(); // inner → dma_fence_map
        }

        bool cookie = v.BeginSignalling();
        using (outer.Acquire()) // dma_fence_map → outer → inner → dma_fence_map
        {
        }

        v.EndSignalling(cookie);

        Assert.Equal([LockValidator.FenceMapClassName, "gt->reset.mutex", "engine->sched.lock"], Assert.Single(v.Reports).Chain);
    }

    /// <summary>End signalling without begin: reports bad unlock balance.</summary>
    [Fact]
    public void EndSignallingWithoutBegin_ReportsBadUnlockBalance()
    {
        var v = new LockValidator { Enabled = true };

        v.EndSignalling(false);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.BadUnlockBalance, report.Kind);
        Assert.Equal([LockValidator.FenceMapClassName], report.Chain);
    }

    /// <summary>Static shorthand: uses the default validator.</summary>
    [Fact]
    public void StaticShorthand_UsesTheDefaultValidator()
    {
        Assert.Same(LockValidator.Default, Lockdep.Default);
        Assert.Equal(LockValidator.Default.Enabled, Lockdep.Enabled);
        Assert.Same(LockValidator.Default.Class("tests.lockdep.shorthand"), new DriverMutex("tests.lockdep.shorthand").Class);
    }
}
