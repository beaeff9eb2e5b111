using System.Text;

namespace Driver.Drm.Server;

/// <summary>
/// The udev monitors of shim processes (docs/drm-shim.md, "uevents"): each is a connection whose first request was
/// UEVENT_MONITOR, acknowledged once it is registered (so a uevent raised after the client's
/// udev_monitor_enable_receiving returned reaches it). Each device uevent goes to every monitor as one message in the
/// kernel's netlink format ("ACTION@DEVPATH\0KEY=VALUE\0...", as kobject_uevent_env builds it), with SEQNUM counted
/// here as the kernel's uevent_seqnum is. Sends never block the raising (reset) thread: a monitor whose buffer is
/// full loses the uevent, as a netlink listener does (ENOBUFS).
/// </summary>
internal sealed class UeventMonitors : IDisposable
{
    private const int MsgDontWait = 0x40;

    /// <summary>The kernel's UEVENT_BUFFER_SIZE: no uevent is longer.</summary>
    public const int BufferSize = 2048;

    private readonly Action<int> _close;
    private readonly IDisposable? _subscription;

    /// <summary>
    /// Guards <see cref="_fds"/>, and is held across each send and each close, so a send never reaches an fd number
    /// that was closed and reused. Taken on the raising thread below no driver lock (the event stream calls
    /// subscribers after releasing its own).
    /// </summary>
    private readonly Lock _lock = new();
    private readonly List<int> _fds = [];
    private long _seqnum;
    private long _sent;

    /// <summary>Subscribes to <paramref name="driver"/>'s uevents when it sends any; <paramref name="close"/> closes a connection.</summary>
    public UeventMonitors(IDrmDriver driver, Action<int> close)
    {
        _close = close;
        _subscription = (driver as IDrmUeventSource)?.SubscribeUevents(Broadcast);
    }

    /// <summary>Monitors registered now.</summary>
    public int Count { get { lock (_lock) { return _fds.Count; } } }

    /// <summary>Uevent messages delivered so far (one per monitor per uevent).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Serves one monitor connection until its EOF: registers it, acknowledges, waits, unregisters.</summary>
    public void Serve(int fd)
    {
        lock (_lock)
        {
            _fds.Add(fd);
        }
        LibC.SendWithFds(fd, ShimProtocol.Reply(0), []);
        byte[] buffer = new byte[ShimProtocol.RequestSize + 1];
        while (LibC.Receive(fd, buffer) > 0)
        {
            // Nothing is asked on a monitor after the first request: ignore, and wait for EOF.
        }
        lock (_lock)
        {
            _fds.Remove(fd);
            _close(fd);
        }
    }

    /// <summary>The kernel's netlink message for <paramref name="uevent"/> with sequence number <paramref name="seqnum"/>.</summary>
    public static byte[] Format(DrmUevent uevent, long seqnum)
    {
        var sb = new StringBuilder();
        sb.Append(uevent.Action).Append('@').Append(uevent.DevPath).Append('\0');
        sb.Append("ACTION=").Append(uevent.Action).Append('\0');
        sb.Append("DEVPATH=").Append(uevent.DevPath).Append('\0');
        sb.Append("SUBSYSTEM=").Append(uevent.Subsystem).Append('\0');
        foreach ((string key, string value) in uevent.Environment)
        {
            sb.Append(key).Append('=').Append(value).Append('\0');
        }
        sb.Append("SEQNUM=").Append(seqnum).Append('\0');
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private unsafe void Broadcast(DrmUevent uevent)
    {
        byte[] message = Format(uevent, Interlocked.Increment(ref _seqnum));
        if (message.Length > BufferSize)
        {
            return; // kobject_uevent_env: -ENOMEM, nothing sent
        }
        lock (_lock)
        {
            fixed (byte* p = message)
            {
                foreach (int fd in _fds)
                {
                    // A monitor whose buffer is full (or whose peer is gone) misses this uevent.
                    if (LibC.send(fd, p, (nuint)message.Length, MsgDontWait | LibC.MsgNoSignal) == message.Length)
                    {
                        Interlocked.Increment(ref _sent);
                    }
                }
            }
        }
    }

    /// <summary>Stops listening to the driver (the connections are shut down with the server's).</summary>
    public void Dispose() => _subscription?.Dispose();
}
