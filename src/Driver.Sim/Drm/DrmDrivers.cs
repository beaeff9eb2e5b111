using Driver.Drm;
using Driver.Drm.I915;
using Driver.Drm.SwSync;
using Driver.Drm.Vgem;
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
    /// Creates the named driver (with its device), or null with <paramref name="error"/> when there is no such
    /// driver. Dispose the result to close the device.
    /// </summary>
    public static DrmDriverInstance? Create(string name, ILogger log, out string? error)
    {
        error = null;
        switch (name)
        {
            case "i915":
                {
                    var device = new GpuDevice(new DeviceConfig(), log);
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
