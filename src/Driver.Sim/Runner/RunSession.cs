using Driver.Uapi;
using Serilog;

namespace Driver.Sim.Runner;

/// <summary>What every step runner of one run shares: the device, the opened clients, the seeded randomness, the bounds.</summary>
internal sealed class RunSession(GpuDevice device, ILogger log, int seed, TimeSpan drainTimeout, IReadOnlyDictionary<string, ClientHandle> clients)
{
    /// <summary>The device.</summary>
    public GpuDevice Device { get; } = device;

    /// <summary>The logger.</summary>
    public ILogger Log { get; } = log;

    /// <summary>Seed of the run.</summary>
    public int Seed { get; } = seed;

    /// <summary>Seeded randomness; used only while preparing (one thread), so the choices depend on the seed alone.</summary>
    public Random Random { get; } = new(seed);

    /// <summary>Unique store values.</summary>
    public UniqueValues Values { get; } = new(seed);

    /// <summary>Bound on every wait of the run.</summary>
    public TimeSpan DrainTimeout { get; } = drainTimeout;

    /// <summary>Clients by name.</summary>
    public IReadOnlyDictionary<string, ClientHandle> Clients { get; } = clients;

    /// <summary>The peer device (<c>peer</c>), or null.</summary>
    public GpuDevice? Peer { get; init; }

    /// <summary>Shared buffers by name.</summary>
    public IReadOnlyDictionary<string, SharedBuffer> SharedBuffers { get; init; } = new Dictionary<string, SharedBuffer>();

    /// <summary>The deadlock watchdog's reports so far (locked on itself).</summary>
    public List<string> Deadlocks { get; } = [];
}
