using Serilog;

namespace Driver.Drm.Server;

/// <summary>How a <see cref="DrmServer"/> is set up.</summary>
public sealed record DrmServerOptions
{
    /// <summary>The listening socket's path; null for one in the server's own temporary directory.</summary>
    public string? SocketPath { get; init; }

    /// <summary>
    /// Where the server makes its own directory (the virtual debugfs/sysfs tree, the socket); null for the system's
    /// temporary directory (TMPDIR). The shim's paths into the tree must stay under PATH_MAX, so a deep TMPDIR can
    /// be sidestepped here.
    /// </summary>
    public string? DirectoryRoot { get; init; }

    /// <summary>
    /// The shared memory arena's fd (a memfd that GEM memory lives in), sent to each client once so it can map GEM
    /// objects; -1 when the driver has none (a client's mmap of the device then fails with ENODEV).
    /// </summary>
    public int ArenaFd { get; init; } = -1;

    /// <summary>
    /// Further devices by the minor of their node (a card minor below 64, e.g. vgem as card1): an open of that minor
    /// is a file of that driver, and its ioctls and mmaps go there. Every other minor (card0, renderD128) is the main
    /// driver's. The server owns none of them.
    /// </summary>
    public IReadOnlyDictionary<int, IDrmDriver> MinorDrivers { get; init; } = new Dictionary<int, IDrmDriver>();

    /// <summary>Where requests and file lifecycles are logged (Debug: each file, Verbose: each ioctl).</summary>
    public ILogger Log { get; init; } = Serilog.Core.Logger.None;
}
