using Driver.Core.Ggtt;
using Driver.Core.Locking;
using Driver.Engines.Gt;
using Driver.Reset.Mmap;
using Driver.Reset.Recovery;
using Driver.Uapi;

namespace Driver.Sim.Validation;

/// <summary>
/// The 2018 splat from the driver's own paths, on the default validator (primed like dma_resv_lockdep): a perf-like
/// reader copies from a GTT mmap while holding cpu_hotplug_lock for read (cpu_hotplug_lock → mmap_lock: the fault
/// runs under mmap_lock, and a fault may allocate, so mmap_lock → fs_reclaim → dma_fence_map); a GTT fault on another
/// thread; then a full reset that fails and wedges, the wedge running in the reset's signalling section under
/// gt->reset.mutex. Under the stop-machine design (stop-machine wedge, stop-machine mmap policy) the wedge calls
/// stop_machine(), i.e. cpus_read_lock(): the reset's section → cpu_hotplug_lock closes the cycle. The epoch wedge with
/// the revoke policy runs the same threads and takes no cpu_hotplug_lock: no report.
/// </summary>
public static class StopMachineSplatDemo
{
    /// <summary>The demo's name for <c>gpusim lockdep --demo</c>.</summary>
    public const string Name = "stop-machine-splat";

    /// <summary>Runs the scenario under one design and returns the reports it raised on the default validator.</summary>
    /// <param name="stopMachine">True: stop-machine wedge and mmap policy; false: epoch wedge and revoke policy.</param>
    public static IReadOnlyList<LockdepReport> Run(bool stopMachine)
    {
        LockValidator validator = Lockdep.Default;
        Lockdep.Enabled = true; // primes the kernel maps (mmap_lock → fs_reclaim → dma_fence_map)
        var reports = new List<LockdepReport>();
        void OnReport(LockdepReport r) { lock (reports) { reports.Add(r); } }
        validator.ReportAdded += OnReport;
        try
        {
            var fast = DeviceConfig.Fast(stopMachine ? WedgeStrategy.StopMachine : WedgeStrategy.Epoch);
            // The wedge's stop_machine takes cpu_hotplug_lock, as the kernel's does: that is the splat.
            using var dev = new GpuDevice(fast with
            {
                MmapResetPolicy = stopMachine ? MmapResetPolicy.StopMachine : MmapResetPolicy.Revoke,
            });
            dev.OpenClient(out int client);
            GttMapping perfBuffer = MapTiled(dev, client);
            GttMapping faulted = MapTiled(dev, client);

            // perf-like reader: get_online_cpus() held across a copy_to_user() that faults on a GTT mmap.
            DemoThread.Run("perf", () =>
            {
                using (validator.CpuHotplugLock.HoldRead())
                {
                    _ = perfBuffer.Read(0, out _);
                }
            });

            // i915_gem_fault on its own: mmap_lock → the driver's fault locks.
            DemoThread.Run("gem_mmap", () => _ = faulted.Read(0, out _));

            // The full reset fails, so it wedges: under the stop-machine design, stop_machine() from the reset.
            DemoThread.Run("i915_reset", () =>
            {
                dev.Reset.Faults.FailFullResets(GtReset.FullResetRetries + 1);
                dev.ForceFullReset("lockdep demo: the reset fails");
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

    private static GttMapping MapTiled(GpuDevice dev, int client)
    {
        if (dev.CreateBuffer(client, 8192, out int handle) != 0
            || dev.MapGtt(client, handle, TilingMode.X, 1024, out GttMapping? mapping) != 0)
        {
            throw new InvalidOperationException("demo: could not map a tiled buffer through the GTT");
        }

        return mapping!;
    }
}
