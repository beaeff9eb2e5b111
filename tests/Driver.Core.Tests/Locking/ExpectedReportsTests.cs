using Driver.Core.Locking;

namespace Driver.Core.Tests.Locking;

/// <summary>
/// Expect scopes (the known splats a run produces on purpose, kept out of the report count) and ResetGraph (a fresh
/// boot for demos comparing designs in one process), on private validators.
/// </summary>
public sealed class ExpectedReportsTests
{
    private static void AbBa(LockValidator v, string a, string b)
    {
        var la = new DriverMutex(v.Class(a));
        var lb = new DriverMutex(v.Class(b));
        TestThread.Run("ab", () =>
        {
            using (la.Acquire())
            using (lb.Acquire())
            {
            }
        });
        TestThread.Run("ba", () =>
        {
            using (lb.Acquire())
            using (la.Acquire())
            {
            }
        });
    }

    [Fact]
    public void AMatchingReport_GoesToTheScope_NotToReportsNorReportAdded()
    {
        var v = new LockValidator { Enabled = true };
        int raised = 0;
        v.ReportAdded += _ => Interlocked.Increment(ref raised);

        using (ExpectedReportScope scope = v.ExpectReports(r => LockValidator.IsCycleThrough(r, "A", "B"), "test"))
        {
            AbBa(v, "A", "B");
            LockdepReport report = Assert.Single(scope.Reports);
            Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
            Assert.Same(report, Assert.Single(scope.Known));
        }

        Assert.Empty(v.Reports);
        Assert.Equal(0, raised);
        Assert.Single(v.ExpectedHistory);
    }

    [Fact]
    public void AReportTheScopeDoesNotName_StillCounts_AndSoDoesOneAfterTheScopeClosed()
    {
        var v = new LockValidator { Enabled = true };
        using (v.ExpectReports(r => LockValidator.IsCycleThrough(r, "A", "B"), "test"))
        {
            AbBa(v, "C", "D");
        }

        AbBa(v, "A", "B");

        Assert.Equal(2, v.Reports.Count);
        Assert.Empty(v.ExpectedHistory);
    }

    /// <summary>Lockdep reports a cycle once per boot: a later scope finds it in Known, not in Reports.</summary>
    [Fact]
    public void ASecondScope_KnowsTheCycleAnEarlierScopeAbsorbed()
    {
        var v = new LockValidator { Enabled = true };
        using (v.ExpectReports(r => LockValidator.IsCycleThrough(r, "A", "B"), "first"))
        {
            AbBa(v, "A", "B");
        }

        using ExpectedReportScope second = v.ExpectReports(r => LockValidator.IsCycleThrough(r, "A", "B"), "second");
        AbBa(v, "A", "B");

        Assert.Empty(second.Reports);
        Assert.Single(second.Known);
    }

    /// <summary>lockdep_reset as a reboot: the same cycle is reported again afterwards, and the kernel maps are primed again.</summary>
    [Fact]
    public void ResetGraph_ForgetsDependenciesAndReports_SoTheSameCycleIsReportedAgain()
    {
        var v = new LockValidator { Enabled = true };
        v.PrimeKernelMaps();
        AbBa(v, "A", "B");
        Assert.Single(v.Reports);

        v.ResetGraph();
        Assert.Empty(v.Reports);
        Assert.True(v.IsPrimed);
        AbBa(v, "A", "B");

        Assert.Single(v.Reports);
    }
}
