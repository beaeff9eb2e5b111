using Driver.Drm;

namespace Driver.Sim.Drm;

/// <summary>A driver for the shim's server, the arena fd its clients map (-1 for none) and the device it owns.</summary>
internal sealed class DrmDriverInstance(IDrmDriver driver, int arenaFd, IDisposable? device) : IDisposable
{
    /// <summary>The driver.</summary>
    public IDrmDriver Driver { get; } = driver;

    /// <summary>The shared memory arena's fd, or -1.</summary>
    public int ArenaFd { get; } = arenaFd;

    /// <inheritdoc/>
    public void Dispose()
    {
        Driver.Dispose();
        device?.Dispose();
    }
}
