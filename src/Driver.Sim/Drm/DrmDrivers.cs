using System.CommandLine;
using System.Diagnostics;
using Driver.Drm;
using Driver.Drm.I915;
using Driver.Drm.SwSync;
using Driver.Drm.Vgem;
using Driver.Engines.Gt;
using Driver.Sim.Cli;
using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Drm;

/// <summary>The drivers <c>gpusim serve</c> and <c>gpusim igt-run</c> can put behind the shim (<c>--driver</c>).</summary>
internal static class DrmDrivers
{
    /// <summary>The names <c>--driver</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = ["i915", "probe"];

    /// <summary>The default <c>--driver</c>.</summary>
    public const string Default = "i915";

    /// <summary>
    /// The default <c>--memory-mb</c>: four times the GGTT (1 GiB, what GET_APERTURE and GTT_SIZE report). On
    /// integrated i915 objects are shmem, bounded by the host's RAM, not by a device budget, so IGT fills the GTT and
    /// more (the eviction tests: gem_softpin@evict-single-offset creates GTT / 4 MiB + 1 objects of 4 MiB, and a
    /// failed dynamic subtest leaves its objects to the next); QUERY_MEMORY_REGIONS reports this as the system
    /// region. The arena is a sparse memfd whose pages are allocated only when written (GEM_CREATE writes none), so
    /// a large one costs address space, not RAM.
    /// </summary>
    public const int DefaultMemoryMb = 4096;

    /// <summary>The least <c>--memory-mb</c>.</summary>
    public const int MinMemoryMb = 16;

    /// <summary>The most <c>--memory-mb</c> (64 GiB of address space in the server and its clients' mappings).</summary>
    public const int MaxMemoryMb = 65536;

    /// <summary>The <c>--memory-mb</c> option of <c>serve</c> and <c>igt-run</c>, range-checked while parsing.</summary>
    public static Option<int?> MemoryOption() => NumberOptions.Int("--memory-mb", MinMemoryMb, MaxMemoryMb,
        $"The device's memory, where GEM objects live (default {DefaultMemoryMb}; pages cost RAM only once written)", "MB");

    /// <summary>
    /// Creates the named driver (with its device of <paramref name="memoryMb"/> MiB of memory), or null with
    /// <paramref name="error"/> when there is no such driver. Dispose the result to close the device.
    /// </summary>
    public static DrmDriverInstance? Create(string name, int memoryMb, ILogger log, out string? error)
    {
        error = null;
        switch (name)
        {
            case "i915":
                {
                    Debug.Assert(memoryMb is >= MinMemoryMb and <= MaxMemoryMb, "--memory-mb is range-checked when parsed");
                    var device = new GpuDevice(new DeviceConfig { Gt = new GtConfig { MemoryBytes = (long)memoryMb << 20 } }, log);
                    var memoryMap = new ArenaGemMemoryMap();
                    var driver = new I915Driver(device, new I915DriverOptions { MemoryMap = memoryMap }, log);
                    // vgem as card1, its objects in the same system memory (the one arena the server hands out), so
                    // IGT's cork (a vgem fence on a dma-buf i915 imports) plugs i915's queues.
                    var vgem = new VgemDriver(device.Gt.Memory, memoryMap, log: log);
                    // sw_sync (/sys/kernel/debug/sync/sw_sync): IGT's fence cork and sw_sync tests make timelines there.
                    var swSync = new SwSyncDriver(log);
                    return new DrmDriverInstance(driver, device.Gt.Memory.ArenaFd, device,
                        new Dictionary<int, IDrmDriver> { [1] = vgem, [SwSyncDriver.Minor] = swSync });
                }
            case "probe":
                return new DrmDriverInstance(new ProbeDrmDriver(), -1, null);
            default:
                error = $"unknown --driver '{name}' (known: {string.Join(", ", Names)})";
                return null;
        }
    }
}
