using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Locking;
using Driver.Core.Memory;
using Driver.Engines.Gt;
using Driver.Reset.Hangcheck;
using Driver.Reset.Recovery;
using Serilog;

namespace Driver.Uapi;

/// <summary>
/// A simulated GPU device and its uAPI (the simulator's ioctls). Every entry point returns 0 or a negative errno,
/// as the kernel's ioctls do; bad input never throws out of here and never leaves the device unusable.
/// The other parts of this class hold the ioctls: objects (GpuDevice.Objects.cs), contexts (GpuDevice.Contexts.cs),
/// execution and waits (GpuDevice.Exec.cs), debug controls (GpuDevice.Debug.cs). docs/uapi.md maps each entry point
/// to its kernel function, rule by rule, with GpuSim's deliberate deviations.
/// </summary>
public sealed partial class GpuDevice : IDisposable
{
    /// <summary>Guards the client table (drm_device filelist); a leaf lock.</summary>
    private readonly DriverMutex _clientsLock = new("drm->filelist_mutex");
    private readonly Dictionary<int, Client> _clients = new();

    /// <summary>
    /// Clients whose close has begun and whose contexts are not all closed (and listed as orphans) yet: they have
    /// left <see cref="_clients"/>, but their timelines must stay reachable by <see cref="AllTimelines"/> meanwhile.
    /// Under <see cref="_clientsLock"/>.
    /// </summary>
    private readonly List<Client> _closingClients = new();
    private readonly ILogger _log;
    private int _disposed;

    /// <summary>Opens a device: builds the GT, starts engines, the reset worker and the heartbeat.</summary>
    public GpuDevice(DeviceConfig? config = null, ILogger? log = null)
    {
        Config = config ?? new DeviceConfig();
        if (Config.Lockdep)
        {
            Core.Locking.Lockdep.Enabled = true;
        }

        _log = log ?? Serilog.Core.Logger.None;
        Gt = new IntelGt(Config.Gt);
        Reset = new GtReset(Gt, Config.Reset, _log);
        Reset.ActiveTimelines = AllTimelines;
        if (Config.ResetLockingRule == Core.Resv.ResetLockingRule.Amdgpu)
        {
            Reset.EvictResources = EvictResources;
        }

        Worker = new ResetWorker(Reset);
        Heartbeat = new Heartbeat(Gt, Reset, Worker);
        Mmaps = CreateMmaps();
    }

    /// <summary>Configuration.</summary>
    public DeviceConfig Config { get; }

    /// <summary>The GT (engines, memory, GGTT).</summary>
    public IntelGt Gt { get; }

    /// <summary>Reset state, statistics, events, error states.</summary>
    public GtReset Reset { get; }

    /// <summary>The hang-recovery worker.</summary>
    public ResetWorker Worker { get; }

    /// <summary>The heartbeat hang detector.</summary>
    public Heartbeat Heartbeat { get; }

    /// <summary>Whether the device is wedged.</summary>
    public bool IsWedged => Reset.IsWedged;

    /// <summary>Opens a client (like opening the DRM device node). Returns 0.</summary>
    public int OpenClient(out int clientId, bool privileged = false, string? name = null)
    {
        int id = Gt.NextClientId();
        var client = new Client(id, name ?? $"client{id}", privileged, Gt.StatusPages);
        // proto_context_create (the default context too): persistent by default only while enable_hangcheck is on.
        client.DefaultContext.Persistent = EnableHangcheck;
        using (_clientsLock.Acquire())
        {
            _clients.Add(id, client);
        }

        clientId = id;
        return 0;
    }

    /// <summary>Test hook: runs in CloseClient once the client has left the open files, before its contexts are closed.</summary>
    public Action<int>? CloseClientAfterRemove { get; set; }

    /// <summary>
    /// Closes a client: its contexts are closed (non-persistent ones lose their work with -EIO, persistent work keeps
    /// running) and its objects released once idle. ENOENT for an unknown client.
    /// </summary>
    public int CloseClient(int clientId)
    {
        Client? client;
        using (_clientsLock.Acquire())
        {
            if (!_clients.Remove(clientId, out client))
            {
                return -Errno.ENOENT;
            }

            // In the same critical section as the removal: an unwedge or unload listing the timelines in flight
            // (AllTimelines) finds this client's through the open files or through here until its contexts are
            // closed and listed as orphans, as the kernel's stay on gt->timelines.active_list throughout.
            _closingClients.Add(client);
        }

        try
        {
            CloseClientAfterRemove?.Invoke(clientId);
            client.Close();
            foreach (GpuContext ctx in client.Contexts)
            {
                CloseContext(ctx);
            }
        }
        finally
        {
            using (_clientsLock.Acquire())
            {
                _closingClients.Remove(client);
            }
        }

        CloseVgemFences(clientId);
        // Closing the file drops every handle it still had, as drm_gem_release does: each object is released once
        // idle. Without this every object of a closed client kept its pages and GGTT range for the device's life (a
        // long soak, closing clients with objects open, grew by megabytes a minute towards ENOMEM).
        foreach (BufferObject bo in client.RemoveAllObjects())
        {
            ReleaseWhenUnheld(bo);
        }

        return 0;
    }

    /// <summary>Snapshot of open clients.</summary>
    public IReadOnlyList<Client> Clients
    {
        get
        {
            using (_clientsLock.Acquire())
            {
                return _clients.Values.OrderBy(c => c.Id).ToArray();
            }
        }
    }

    /// <summary>A snapshot of <see cref="_closingClients"/>.</summary>
    private Client[] ClosingClients()
    {
        using (_clientsLock.Acquire())
        {
            return [.. _closingClients];
        }
    }

    private Client GetClient(int clientId)
    {
        // drm_ioctl → drm_dev_is_unplugged: every ioctl of a device being torn down fails with -ENODEV (a file's
        // release still works: CloseClient does not come here). Racy by design, as the kernel's check is outside its
        // SRCU section too: what slips past it is submitted after the unload wedge and meets the nop handler.
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new DriverException(Errno.ENODEV, "the device is closed");
        }

        using (_clientsLock.Acquire())
        {
            return _clients.TryGetValue(clientId, out Client? c) ? c : throw DriverException.NoEnt($"no client {clientId}");
        }
    }

    /// <summary>
    /// Every timeline that may have work in flight (i915's gt->timelines.active_list): the open files' contexts' and
    /// those of closed contexts with work still in flight (<see cref="_orphans"/>): a file's close leaves their
    /// requests to finish, so the unwedge must wait for them and the unload cancel them as well.
    /// </summary>
    private IEnumerable<Timeline> AllTimelines()
    {
        foreach (GpuContext ctx in Clients.Concat(ClosingClients()).SelectMany(c => c.Contexts).Concat(Orphans()))
        {
            foreach (Timeline tl in ctx.Timelines)
            {
                yield return tl;
            }
        }
    }

    /// <summary>Cancels work still in flight, then stops the heartbeat, the worker and the engines.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CloseAllVgemFences();
        // Cancel what is in flight first, as i915 wedges on driver unload (intel_gt_driver_unregister →
        // intel_gt_set_wedged_on_fini): a batch that never ends would keep its engine thread from stopping (the
        // command streamer only leaves a batch through a reset), and a request still held on an in-fence (a sw_sync
        // or vgem fence, a foreign fence's timeout) would be released later onto a stopped engine and never signal;
        // wedged, it meets the nop handler instead. Always, as in i915: an ioctl that passed its -ENODEV check
        // (GetClient) before _disposed was set may still be submitting, and whatever it submits after this meets the
        // nop handler, not a stopped engine. With nothing in flight when looked at, the wedge is quiet (logged at
        // debug level, no event raised): a teardown, not a recovery.
        bool busy = Gt.Engines.Any(e => e.IsBusy) || AllTimelines().Any(tl => tl.IsLastPending);
        Reset.SetWedgedOnFini(busy ? "device closed with work in flight" : "device closed", quiet: !busy);

        Heartbeat.Dispose();
        Worker.Dispose();
        if (!Reset.FlushCaptures(TimeSpan.FromSeconds(10)))
        {
            Reset.Log.Warning("device closed with an error capture still copying");
        }

        DisposeVulkanEngines();
        Gt.Dispose();
    }
}
