using System.Diagnostics;
using Driver.Sim.Validation;

namespace Driver.Sim.Tests.Validation;

public class LockdepCommandTests
{
    /// <summary>
    /// The 2018 splat from the driver's real paths (stop_machine() → cpus_read_lock() from the wedge of a failed full
    /// reset; a perf-like reader holding cpu_hotplug_lock across a GTT fault), and nothing from the epoch wedge with
    /// the revoke policy on the same threads. Runs gpusim in its own process: the demo reports on the default validator,
    /// which this test process keeps clean.
    /// </summary>
    [Fact]
    public async Task StopMachineSplatDemo_ReportsTheChainFromTheDriversPaths_AndNothingForEpochAndRevoke()
    {
        string gpusim = typeof(LockdepCommand).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(gpusim);
        psi.ArgumentList.Add("lockdep");
        psi.ArgumentList.Add("--demo");
        psi.ArgumentList.Add("stop-machine-splat");
        psi.Environment.Remove("GPUSIM_LOCKDEP_REPORTS");
        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(Bound.Long * 6), // a process start plus two devices
            "gpusim lockdep --demo stop-machine-splat did not finish");
        string text = await stdout;
        Assert.True(process.ExitCode == 0, text + await stderr);

        // The epoch/revoke run comes first and reports nothing.
        Assert.StartsWith("epoch wedge + revoke mmap policy: 0 report(s)", text, StringComparison.Ordinal);
        Assert.Contains("WARNING: possible circular locking dependency detected", text, StringComparison.Ordinal);
        Assert.Contains("i915_reset/", text, StringComparison.Ordinal);
        Assert.Contains(" (cpu_hotplug_lock), at: Driver.Core.Sync.StopMachine.Run", text, StringComparison.Ordinal);
        Assert.Contains("but task is already holding lock:\n (gt->reset.mutex)", text, StringComparison.Ordinal);
        // The chain of the splat: cpu_hotplug_lock → the mm's mmap_lock (perf-like reader, then the GTT fault) → ...
        Assert.Contains("(&mm->mmap_lock):\n       Driver.Reset.Mmap.GttMapping.Read", text, StringComparison.Ordinal);
        Assert.Contains("StopMachineReadSide.Publish", text, StringComparison.Ordinal);
        Assert.Contains("Chain exists of:\n  cpu_hotplug_lock --> ", text, StringComparison.Ordinal);
        Assert.Contains("stop-machine wedge + stop-machine mmap policy: 1 report(s)", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// The mixed reset-locking rules from the driver's real paths: the amdgpu-rule exporter's reset takes the shared
    /// dma_resv inside dma_fence_begin_signalling (amdgpu_device_gpu_recover → amdgpu_device_evict_resources), the
    /// i915-rule importer's set-domain waits on fences under it (i915_gem_object_wait under i915_gem_object_lock):
    /// lockdep reports dma_fence_map → reservation_ww_class_mutex against the existing reverse dependency (the rule
    /// dma_resv_lockdep primes). Each fix — both i915 (the reset takes no dma_resv), both amdgpu (no wait under
    /// it) — reports nothing on the same paths. Its own process: the demo reports on the default validator.
    /// </summary>
    [Fact]
    public async Task MixedResetRulesDemo_ReportsTheCycleFromTheSignallingAnnotations_AndEachFixIsSilent()
    {
        (int exit, string text) = await RunGpusim("lockdep", "--demo", "mixed-reset-rules");
        Assert.True(exit == 0, text);
        Assert.Contains("WARNING: possible circular locking dependency detected", text, StringComparison.Ordinal);
        Assert.Contains("gpu_recover/", text, StringComparison.Ordinal);
        Assert.Contains(" is trying to acquire lock:\n (reservation_ww_class_mutex), at: Driver.Core.Resv.DmaResv.LockResv", text, StringComparison.Ordinal);
        Assert.Contains("but task is already holding lock:\n (dma_fence_map), at: Driver.Reset.Recovery.GtReset.HandleError", text, StringComparison.Ordinal);
        Assert.Contains("Driver.Uapi.GpuDevice.EvictResources", text, StringComparison.Ordinal);
        Assert.Contains("-> #1 (dma_fence_map):\n       Driver.Uapi.GpuDevice.SetDomain", text, StringComparison.Ordinal);
        Assert.Contains("mixed rules (amdgpu exporter, i915 importer): 1 report(s)", text, StringComparison.Ordinal);
        Assert.Contains("safe: both i915 (the reset takes no dma_resv): 0 report(s)", text, StringComparison.Ordinal);
        Assert.Contains("safe: both amdgpu (no fence wait under dma_resv): 0 report(s)", text, StringComparison.Ordinal);
    }

    /// <summary>Runs gpusim in its own process without the suite's report file; returns the exit code and stdout+stderr.</summary>
    internal static async Task<(int Exit, string Text)> RunGpusim(params string[] args)
    {
        string gpusim = typeof(LockdepCommand).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(gpusim);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment.Remove("GPUSIM_LOCKDEP_REPORTS");
        using Process process = Process.Start(psi)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(Bound.Long * 6), $"gpusim {string.Join(' ', args)} did not finish");
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public void ReservationFenceWaitDemoReportsTheCycleThroughTheFenceMap()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(false, "reservation-fence-wait", output, TextWriter.Null));
        string text = output.ToString();
        Assert.Contains("dma_fence_map", text);
        Assert.Contains("reservation_ww_class_mutex", text);
    }

    [Fact]
    public void EpochWedgeDemoReportsNothing()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(false, "epoch-wedge", output, TextWriter.Null));
        Assert.Contains("reported nothing", output.ToString());
    }

    [Fact]
    public void ListAndUnknownDemo()
    {
        var output = new StringWriter();
        Assert.Equal(0, LockdepCommand.Run(true, null, output, TextWriter.Null));
        Assert.Equal(["stop-machine-splat", "reservation-fence-wait", "epoch-wedge", "mixed-reset-rules"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var err = new StringWriter();
        Assert.Equal(2, LockdepCommand.Run(false, "nope", TextWriter.Null, err));
        Assert.Contains("unknown demo 'nope'", err.ToString());
    }
}
