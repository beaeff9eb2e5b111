using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>Circular dependency detection: exact chains, kernel layout, de-duplication, report publication.</summary>
public sealed class CircularDependencyTests
{
    /// <summary>AB-BA across threads: reports the two-lock cycle in the kernel layout.</summary>
    [Fact]
    public void AbBa_AcrossThreads_ReportsTwoLockCycleWithKernelLayout()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));

        TestThread.Run("worker-ab", () =>
        {
            using (a.Acquire())
            using (b.Acquire())
            {
            }
        });
        Assert.Empty(v.Reports);

        TestThread.Run("worker-ba", () =>
        {
            using (b.Acquire())
            using (a.Acquire())
            {
            }
        });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal("possible circular locking dependency detected", report.Title);
        Assert.Equal(["B", "A"], report.Chain);
        Assert.StartsWith("worker-ba/", report.ThreadName, StringComparison.Ordinal);

        string text = report.Text;
        Assert.StartsWith(
            "======================================================\n" +
            "WARNING: possible circular locking dependency detected\n" +
            "------------------------------------------------------\n" +
            "worker-ba/", text, StringComparison.Ordinal);
        Assert.Contains(" is trying to acquire lock:\n (A), at: ", text, StringComparison.Ordinal);
        Assert.Contains("but task is already holding lock:\n (B), at: ", text, StringComparison.Ordinal);
        Assert.Contains("which lock already depends on the new lock.", text, StringComparison.Ordinal);
        Assert.Contains("the existing dependency chain (in reverse order) is:\n\n-> #1 (B):\n", text, StringComparison.Ordinal);
        Assert.Contains("\n-> #0 (A):\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Chain exists of:", text, StringComparison.Ordinal);
        Assert.Contains(
            "       CPU0                    CPU1\n" +
            "       ----                    ----\n" +
            "  lock(B);\n" +
            "                               lock(A);\n" +
            "                               lock(B);\n" +
            "  lock(A);\n" +
            "\n *** DEADLOCK ***\n", text, StringComparison.Ordinal);
        Assert.Contains("1 lock held by worker-ba/", text, StringComparison.Ordinal);
        // The traces name the code that recorded each dependency, not the validator's own frames.
        Assert.Contains(nameof(AbBa_AcrossThreads_ReportsTwoLockCycleWithKernelLayout), text, StringComparison.Ordinal);
        Assert.DoesNotContain("LockValidator.", text, StringComparison.Ordinal);
    }

    /// <summary>Three lock cycle: reports chain exists of.</summary>
    [Fact]
    public void ThreeLockCycle_ReportsChainExistsOf()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));
        var c = new DriverMutex(v.Class("C"));

        Nest(a, b);
        Nest(b, c);
        Assert.Empty(v.Reports);
        Nest(c, a);

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(["C", "A", "B"], report.Chain);
        Assert.Contains("Chain exists of:\n  A --> B --> C\n", report.Text, StringComparison.Ordinal);
        Assert.Contains("-> #2 (C):", report.Text, StringComparison.Ordinal);
        Assert.Contains("-> #1 (B):", report.Text, StringComparison.Ordinal);
        Assert.Contains("-> #0 (A):", report.Text, StringComparison.Ordinal);
        Assert.Contains("  lock(C);\n                               lock(B);\n                               lock(C);\n  lock(A);\n", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Five lock cycle: through spin and rw locks: reports exact chain.</summary>
    [Fact]
    public void FiveLockCycle_ThroughSpinAndRwLocks_ReportsExactChain()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("a"));
        var b = new DriverSpinLock(v.Class("b"));
        var c = new DriverRwLock(v.Class("c"));
        var d = new DriverMutex(v.Class("d"));
        var e = new DriverSpinLock(v.Class("e"));

        TestThread.Run("t1", () => { a.Lock(); b.Lock(); b.Unlock(); a.Unlock(); });
        TestThread.Run("t2", () => { b.Lock(); c.EnterWrite(); c.ExitWrite(); b.Unlock(); });
        TestThread.Run("t3", () => { c.EnterRead(); d.Lock(); d.Unlock(); c.ExitRead(); });
        TestThread.Run("t4", () => { d.Lock(); e.Lock(); e.Unlock(); d.Unlock(); });
        Assert.Empty(v.Reports);
        TestThread.Run("t5", () => { e.Lock(); a.Lock(); a.Unlock(); e.Unlock(); });

        LockdepReport report = Assert.Single(v.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Equal(["e", "a", "b", "c", "d"], report.Chain);
        Assert.Contains("Chain exists of:\n  a --> d --> e\n", report.Text, StringComparison.Ordinal);
    }

    /// <summary>Same cycle provoked repeatedly: is reported once.</summary>
    [Fact]
    public void SameCycleProvokedRepeatedly_IsReportedOnce()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));
        int raised = 0;
        v.ReportAdded += _ => Interlocked.Increment(ref raised);

        for (int i = 0; i < 3; i++)
        {
            TestThread.Run($"ab{i}", () => Nest(a, b));
            TestThread.Run($"ba{i}", () => Nest(b, a));
        }

        Assert.Single(v.Reports);
        Assert.Equal(1, raised);
    }

    /// <summary>Report added: is raised outside the validators lock.</summary>
    [Fact]
    public void ReportAdded_IsRaisedOutsideTheValidatorsLock()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));
        LockdepReport? seen = null;
        int reportsSeenFromOtherThread = -1;
        v.ReportAdded += r =>
        {
            seen = r;
            // If the graph lock were held here, this other thread would block on it and the join would time out.
            TestThread.Run("reader", () => reportsSeenFromOtherThread = v.Reports.Count);
        };

        Nest(a, b);
        Nest(b, a);

        Assert.NotNull(seen);
        Assert.Equal(1, reportsSeenFromOtherThread);
        Assert.Same(seen, Assert.Single(v.Reports));
    }

    /// <summary>Clear reports: empties the list but keeps dependencies known.</summary>
    [Fact]
    public void ClearReports_EmptiesTheListButKeepsDependenciesKnown()
    {
        var v = new LockValidator { Enabled = true };
        var a = new DriverMutex(v.Class("A"));
        var b = new DriverMutex(v.Class("B"));
        Nest(a, b);
        Nest(b, a);
        IReadOnlyList<LockdepReport> snapshot = v.Reports;

        v.ClearReports();

        Assert.Empty(v.Reports);
        Assert.Single(snapshot);
        Nest(b, a);
        Assert.Empty(v.Reports);
    }

    private static void Nest(DriverMutex outer, DriverMutex inner)
    {
        outer.Lock();
        inner.Lock();
        inner.Unlock();
        outer.Unlock();
    }
}
