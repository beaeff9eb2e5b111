using Driver.Sim.Results;
using Driver.Sim.Runner;
using Driver.Sim.Scenarios;
using Driver.Sim.Scenarios.Model;
using Driver.Sim.Tests.Validation;

namespace Driver.Sim.Tests.Scenarios;

/// <summary>
/// The mixed reset-locking rules as a real run (scenarios/prime-mixed-reset-rules.json): the amdgpu-rule device's
/// reset (amdgpu_device_gpu_recover) blocks on the shared dma_resv in amdgpu_device_evict_resources while the
/// i915-rule peer holds it waiting on the hung fence (i915_gem_object_wait under i915_gem_object_lock); the watchdog
/// reports the waits-for chain and breaks the peer's wait with -EDEADLK, after which every fence signals. The safe
/// rule (scenarios/prime-safe-reset-rules.json) completes with nothing to report.
/// </summary>
[Collection(ScenarioCollection.Name)]
public class ResetLockingScenarioTests
{
    [Fact]
    public void MixedRules_TheRunDeadlocks_AndTheWatchdogReportsWhoWaitsForWhom()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("prime-mixed-reset-rules"));

        RunResult r = new ScenarioRunner(scenario).Run();

        Assert.True(r.Expect!.Passed, string.Join("; ", r.Expect.Failures));
        string report = Assert.Single(r.Deadlocks);
        Assert.Contains("waits-for cycle of 2 threads", report);
        Assert.Contains("(device i915-peer) holds dma_resv#", report);
        Assert.Contains("waits in i915_gem_object_wait on fence", report);
        Assert.Contains("(device amdgpu0) waits in amdgpu_device_evict_resources for the lock of dma_resv#", report);
        Assert.Contains("with -EDEADLK", report);
        // Every fence signals exactly once, error before signal: the hung spinner's with -EIO after the break.
        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.Equal(1, r.Fences.ErrorCount("EIO"));
        Assert.Equal(1, r.Workloads.Single(w => w.Name == "peer-set-domain").Fences.RejectedCount("EDEADLK"));
        Assert.False(r.Wedged);
    }

    [Fact]
    public void SafeRule_TheSameRunCompletes_WithEveryFenceSignalled()
    {
        Scenario scenario = ScenarioLoader.LoadFile(ScenarioFiles.Path("prime-safe-reset-rules"));

        RunResult r = new ScenarioRunner(scenario).Run();

        Assert.True(r.Expect!.Passed, string.Join("; ", r.Expect.Failures));
        Assert.Empty(r.Deadlocks);
        Assert.Equal(0, r.Fences.Unsignaled);
        Assert.Equal(1, r.Fences.ErrorCount("EIO"));
        Assert.Equal(0, r.Workloads.Single(w => w.Name == "peer-set-domain").Fences.RejectedCount("EDEADLK"));
        Assert.True(r.Passed);
    }

    /// <summary>`gpusim run` of the mixed scenario in its own process: the report is printed, the run passes its expectations, and the lock validator (on) counts no report it does not expect.</summary>
    [Fact]
    public async Task MixedRules_GpusimRunPrintsTheReport()
    {
        (int exit, string text) = await LockdepCommandTests.RunGpusim("run", "--scenario", ScenarioFiles.Path("prime-mixed-reset-rules"), "--lockdep");
        Assert.True(exit == 0, text);
        Assert.Contains("resv deadlock watchdog: waits-for cycle", text);
        Assert.Contains("breaking the wait of \"peer set_domain peer-set-domain\"", text);
        Assert.Contains("Lock validator: 0 report(s)", text);
    }
}
