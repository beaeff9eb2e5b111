using Driver.Core.Locking;
using Driver.Sim.Validation;

namespace Driver.Sim.Tests.Validation;

/// <summary>
/// The 2018 stop_machine splat in this very test process, from the driver's paths, under the expectation every test
/// and run using a stop-machine design carries (KnownSplats): stop_machine() takes cpu_hotplug_lock always (no
/// configuration leaves the annotation out), so the stop-machine wedge inside the reset (under gt->reset.mutex, in the
/// fence-signalling section) beside a GTT fault under cpu_hotplug_lock closes the cycle; the expectation keeps it out
/// of the suite's report count, and the test asserts that the validator has it.
/// </summary>
[Collection(Scenarios.ScenarioCollection.Name)]
public class KnownSplatsTests
{
    [Fact]
    public void StopMachineWedgeBesideStopMachineMmapPolicy_ProducesThe2018Splat_UnderItsExpectation()
    {
        ExpectedReportScope expected = KnownSplats.StopMachine2018();

        // The epoch wedge with the revoke policy on the same threads: nothing (and nothing expected either).
        IReadOnlyList<LockdepReport> epoch = StopMachineSplatDemo.Run(stopMachine: false);
        IReadOnlyList<LockdepReport> stop = StopMachineSplatDemo.Run(stopMachine: true);

        Assert.Empty(epoch);
        // Absorbed by the expectation, never raised: the suite's count (GPUSIM_LOCKDEP_REPORTS) stays 0.
        Assert.DoesNotContain(stop, KnownSplats.IsStopMachine2018);
        // Known to the validator: this run reported it, or an earlier test of this process did (once per boot).
        // The cpu_hotplug_lock form: the mmap-side form (a revoke-policy fault beside a stop-machine-policy reset)
        // may be known too, from another test of this process.
        LockdepReport splat = Assert.Single(expected.Known
            .Where(r => KnownSplats.IsStopMachine2018(r) && r.Chain.Contains(LockValidator.CpuHotplugLockClassName)).Take(1));
        Assert.Contains(LockValidator.CpuHotplugLockClassName, splat.Chain);
        Assert.Contains(LockValidator.MmapLockClassName, splat.Chain);
        Assert.Contains("Driver.Core.Sync.StopMachine.Run", splat.Text, StringComparison.Ordinal);
    }
}
