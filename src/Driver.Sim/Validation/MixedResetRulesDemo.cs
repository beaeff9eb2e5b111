using Driver.Core.Hw;
using Driver.Core.Locking;
using Driver.Core.Prime;
using Driver.Core.Resv;
using Driver.Uapi;

namespace Driver.Sim.Validation;

/// <summary>
/// The mixed reset-locking rules from the driver's own paths, on the default validator: two devices of one process
/// share a buffer (exported by the first, imported by the second); the importer calls set-domain on the import
/// (i915's rule: i915_gem_object_wait under i915_gem_object_lock, i.e. dma_fence_wait with the dma_resv held) and
/// the exporter resets an engine (amdgpu's rule: amdgpu_device_gpu_recover, inside dma_fence_begin_signalling, takes
/// the shared dma_resv in amdgpu_device_evict_resources). No hang is needed: lockdep reports the cycle
/// dma_resv → dma_fence_map → dma_resv from the annotations alone. Each configuration runs on a validator reset in
/// between (<see cref="LockValidator.ResetGraph"/>: a fresh boot), so either fix is shown silent on its own.
/// </summary>
public static class MixedResetRulesDemo
{
    /// <summary>The demo's name for <c>gpusim lockdep --demo</c>.</summary>
    public const string Name = "mixed-reset-rules";

    /// <summary>
    /// Runs the paths with the exporter keeping <paramref name="exporter"/>'s rule and the importer
    /// <paramref name="importer"/>'s, on a freshly reset default validator; returns the reports raised.
    /// </summary>
    public static IReadOnlyList<LockdepReport> Run(ResetLockingRule exporter, ResetLockingRule importer)
    {
        LockValidator validator = Lockdep.Default;
        Lockdep.Enabled = true;
        validator.ResetGraph();
        var reports = new List<LockdepReport>();
        void OnReport(LockdepReport r) { lock (reports) { reports.Add(r); } }
        validator.ReportAdded += OnReport;
        try
        {
            using var exp = new GpuDevice(DeviceConfig.Fast() with { Name = ResetLockingRuleNames.Name(exporter) + "-exporter", ResetLockingRule = exporter });
            using var imp = new GpuDevice(DeviceConfig.Fast() with { Name = ResetLockingRuleNames.Name(importer) + "-importer", ResetLockingRule = importer });
            exp.OpenClient(out int expClient);
            imp.OpenClient(out int impClient);
            if (exp.CreateBuffer(expClient, 4096, out int shared) != 0
                || exp.PrimeHandleToFd(expClient, shared, out DmaBuf? buf) != 0
                || imp.PrimeFdToHandle(impClient, buf, out int imported) != 0)
            {
                throw new InvalidOperationException("demo: could not share a buffer between the two devices");
            }

            buf!.Close(); // the import holds the buffer from here

            // i915_gem_set_domain_ioctl on the import: the wait for the buffer's fences, under its dma_resv when the
            // importer keeps i915's rule.
            DemoThread.Run("set_domain", () =>
            {
                int err = imp.SetDomain(impClient, imported, write: true, timeoutNs: (long)DemoThread.Timeout.TotalNanoseconds);
                if (err != 0)
                {
                    throw new InvalidOperationException($"demo: set-domain failed with {err}");
                }
            });

            // The exporter's engine reset, a fence-signalling section: under amdgpu's rule it takes the shared
            // dma_resv to re-validate the buffer.
            // Kept awake: a reset of an engine asleep does nothing (intel_engine_pm_get_if_awake), and the demo's
            // engine has no work of its own.
            DemoThread.Run("gpu_recover", () =>
            {
                using (exp.Gt[EngineId.Rcs0].HoldAwake())
                {
                    exp.ForceReset(EngineId.Rcs0.Mask(), "lockdep demo: recover");
                }
            });
        }
        finally
        {
            validator.ReportAdded -= OnReport;
        }

        lock (reports)
        {
            return reports.ToArray();
        }
    }
}
