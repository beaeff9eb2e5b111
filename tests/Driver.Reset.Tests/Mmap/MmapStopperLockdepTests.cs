using Driver.Core.Locking;
using Driver.Core.Sync;
using Driver.Reset.Mmap;

namespace Driver.Reset.Tests.Mmap;

/// <summary>
/// The stop-machine mmap policy's "world stopped" event as a cross-release completion: the reset thread waits for
/// the helper that runs stop_machine(), so it waits for what the helper holds when it signals the event
/// (cpu_hotplug_lock, taken by stop_machine's cpus_read_lock). Test lock classes of their own on the default
/// validator, each under an expect scope for its class, so the suite's report count stays 0.
/// </summary>
public sealed class MmapStopperLockdepTests
{
    private static readonly TimeSpan s_hold = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bad ordering: L is taken under cpu_hotplug_lock somewhere (a CPU-hotplug callback), and the reset stops the
    /// mmap users while holding L: the helper cannot get cpu_hotplug_lock while a hotplug holds it waiting for L, so
    /// the reset waits forever. L → &amp;mmap_stopper->stopped → cpu_hotplug_lock → L is reported.
    /// </summary>
    [Fact]
    public void StoppingTheMmapUsersUnderALockTakenUnderCpuHotplugLock_IsReported()
    {
        var l = new DriverMutex($"test_stopper_bad_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(l.ClassName), "a bad stop ordering on purpose");
        TestThread.Run("cpuhp", () =>
        {
            using (Lockdep.CpuHotplugLock.HoldRead())
            using (l.Acquire())
            {
            }
        });

        var stopper = new MmapStopper(new StopMachine($"mmap-{Guid.NewGuid():N}"), s_hold, Serilog.Core.Logger.None);
        TestThread.Run("reset", () =>
        {
            using (l.Acquire())
            {
                Assert.True(stopper.Stop(Bound.Long));
            }

            stopper.Resume();
        });

        LockdepReport report = Assert.Single(scope.Reports);
        Assert.Equal(LockdepReportKind.CircularDependency, report.Kind);
        Assert.Contains("&mmap_stopper->stopped", report.Chain);
        Assert.Contains(LockValidator.CpuHotplugLockClassName, report.Chain);
    }

    /// <summary>Good ordering: the reset holds a lock nothing takes under cpu_hotplug_lock; nothing is reported.</summary>
    [Fact]
    public void StoppingTheMmapUsersUnderAnUnrelatedLock_IsSilent()
    {
        var l = new DriverMutex($"test_stopper_good_{Guid.NewGuid():N}");
        using ExpectedReportScope scope = Lockdep.Default.ExpectReports(r => r.Chain.Contains(l.ClassName), "must stay empty");
        var stopper = new MmapStopper(new StopMachine($"mmap-{Guid.NewGuid():N}"), s_hold, Serilog.Core.Logger.None);

        TestThread.Run("reset", () =>
        {
            using (l.Acquire())
            {
                Assert.True(stopper.Stop(Bound.Long));
            }

            stopper.Resume();
        });

        Assert.Empty(scope.Reports);
        Assert.DoesNotContain(Lockdep.Default.Reports, r => r.Chain.Contains(l.ClassName));
    }
}
