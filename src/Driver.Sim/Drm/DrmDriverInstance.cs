using Driver.Drm;
using Driver.Uapi;

namespace Driver.Sim.Drm;

/// <summary>
/// A driver for the shim's server, the arena fd its clients map (-1 for none), the device it owns, and further
/// drivers by node minor (vgem as card1 beside i915).
/// </summary>
internal sealed class DrmDriverInstance(IDrmDriver driver, int arenaFd, GpuDevice? device,
    IReadOnlyDictionary<int, IDrmDriver>? minorDrivers = null) : IDisposable
{
    /// <summary>The driver.</summary>
    public IDrmDriver Driver { get; } = driver;

    /// <summary>The shared memory arena's fd, or -1.</summary>
    public int ArenaFd { get; } = arenaFd;

    /// <summary>The simulated device behind the driver (owned: closed with this); null for a driver without one.</summary>
    public GpuDevice? Device { get; } = device;

    /// <summary>Further drivers by the minor of their node (the server's <c>MinorDrivers</c>).</summary>
    public IReadOnlyDictionary<int, IDrmDriver> MinorDrivers { get; } = minorDrivers ?? new Dictionary<int, IDrmDriver>();

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (IDrmDriver other in MinorDrivers.Values)
        {
            other.Dispose();
        }
        Driver.Dispose();
        Device?.Dispose();
    }
}
