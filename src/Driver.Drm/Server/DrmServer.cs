using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Serilog;

namespace Driver.Drm.Server;

/// <summary>
/// The server end of the DRM shim (native/drm-shim; protocol in docs/drm-shim.md): a SOCK_SEQPACKET unix socket where
/// each connection is either one open() of the device node (a <see cref="DrmFile"/>, released at the socket's EOF,
/// so dup, fork and SCM_RIGHTS share it by the kernel's own fd rules) or one client thread's reply channel. Requests
/// run on the channel's worker, so a blocking ioctl holds up only its own thread. The caller's memory is reached with
/// process_vm_readv/writev; fence fds are pipes (<see cref="SyncFileTable"/>); debugfs/sysfs are a real directory
/// tree (<see cref="VirtualTree"/>). The server does not own the driver.
/// </summary>
public sealed unsafe class DrmServer : IDisposable
{
    private const int Enoent = 2, Eio = 5, Efault = 14, Enomem = 12, Einval = 22, Enodev = 19;
    private const int MaxWrite = 1 << 20;

    private readonly IDrmDriver _driver;
    private readonly DrmServerOptions _options;
    private readonly ILogger _log;
    private readonly FdReleaseWatch _fdReleases = new();
    private readonly SyncFileTable _syncFiles;
    private readonly SyncobjFileTable _syncobjFiles;
    private readonly VirtualTree _tree;
    private readonly UeventMonitors _uevents;
    private readonly ConcurrentDictionary<ulong, ReplyChannel> _channels = new();
    private readonly HashSet<int> _connections = [];
    private readonly Lock _connectionsLock = new();
    private readonly int _listenFd;
    private readonly Thread _acceptThread;
    private readonly string _directory;
    private long _nextToken;
    private int _openFiles;
    private int _disposed;

    /// <summary>Creates the socket and the virtual file tree and starts accepting clients.</summary>
    public DrmServer(IDrmDriver driver, DrmServerOptions? options = null)
    {
        _driver = driver;
        _options = options ?? new DrmServerOptions();
        _log = _options.Log;
        _syncFiles = new SyncFileTable(_fdReleases);
        _syncobjFiles = new SyncobjFileTable(_fdReleases);
        _directory = _options.DirectoryRoot is { } under
            ? Directory.CreateDirectory(Path.Combine(under, "gpusim-drm-" + Path.GetRandomFileName())).FullName
            : Directory.CreateTempSubdirectory("gpusim-drm-").FullName;
        try
        {
            // A client that dropped root (IGT's igt_drop_root in a fork child) still reaches its device, as a device
            // node open for it stays usable: the directory (0700 as created) is searchable and the socket writable
            // by all.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite
                    | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                    | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            string root = Path.Combine(_directory, "tree");
            if (Encoding.UTF8.GetByteCount(root) >= ShimProtocol.PathMax)
            {
                throw new InvalidOperationException(
                    $"temporary directory path too long for the shim: {root} (set TMPDIR, or DrmServerOptions.DirectoryRoot, to a shorter one)");
            }
            _tree = new VirtualTree(driver, root, line => _log.Information("kmsg: {Line}", line));
            _uevents = new UeventMonitors(driver, CloseConnection);
            SocketPath = _options.SocketPath ?? Path.Combine(_directory, "drm.sock");
            _listenFd = Listen(SocketPath);
        }
        catch
        {
            // A server that could not start leaves nothing behind: no directory, no uevent subscription.
            _uevents?.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }

            throw;
        }

        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "drm-accept" };
        _acceptThread.Start();
    }

    /// <summary>The socket clients connect to (the shim's GPUSIM_DRM_SOCKET).</summary>
    public string SocketPath { get; }

    /// <summary>The virtual file tree (debugfs, sysfs, module parameters) the shim rewrites paths into.</summary>
    public string TreeRoot => _tree.Root;

    /// <summary>DRM files open now (opened and not yet released).</summary>
    public int OpenFiles => Volatile.Read(ref _openFiles);

    /// <summary>udev monitors connected now (shim processes listening for the device's uevents).</summary>
    public int UeventMonitors => _uevents.Count;

    /// <summary>Uevent messages delivered to monitors so far.</summary>
    public long UeventsSent => _uevents.Sent;

    /// <summary>sync_file fds handed out so far.</summary>
    public int SyncFilesCreated => _syncFiles.Count;

    /// <summary>sync_file fds live now: handed out, and a copy still open in some process.</summary>
    public int SyncFilesLive => _syncFiles.LiveCount;

    /// <summary>syncobj fds handed out so far.</summary>
    public int SyncobjFilesCreated => _syncobjFiles.Count;

    /// <summary>syncobj fds live now: handed out, and a copy still open in some process.</summary>
    public int SyncobjFilesLive => _syncobjFiles.LiveCount;

    /// <summary>dma-buf fds handed out so far (PRIME_HANDLE_TO_FD).</summary>
    public int DmaBufsCreated => _syncFiles.DmaBufCount;

    /// <summary>dma-buf fds live now: handed out, and a copy still open in some process.</summary>
    public int DmaBufsLive => _syncFiles.LiveDmaBufCount;

    private static int Listen(string path)
    {
        byte[] name = Encoding.UTF8.GetBytes(path);
        if (name.Length >= 108)
        {
            throw new IOException($"socket path too long (at most 107 bytes): {path}");
        }
        if (LibC.IsSocket(path))
        {
            File.Delete(path); // a stale socket of an earlier server
        }
        else if (File.Exists(path) || Directory.Exists(path))
        {
            // Anything else there is the user's: bind() would fail with EADDRINUSE, said plainly instead.
            throw new IOException($"cannot listen on {path}: it exists and is not a socket");
        }
        int fd = LibC.socket(LibC.AfUnix, LibC.SockSeqPacket | LibC.SockCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"socket: errno {Marshal.GetLastPInvokeError()}");
        }
        byte* address = stackalloc byte[110];
        new Span<byte>(address, 110).Clear();
        *(ushort*)address = LibC.AfUnix;
        name.CopyTo(new Span<byte>(address + 2, 108));
        if (LibC.bind(fd, address, (uint)(2 + name.Length + 1)) < 0 || LibC.listen(fd, 128) < 0)
        {
            int err = Marshal.GetLastPInvokeError();
            LibC.close(fd);
            throw new IOException($"cannot listen on {path}: errno {err}");
        }
        // connect() needs write permission on the socket file, for unprivileged clients too.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead |
                UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        }
        return fd;
    }

    private void AcceptLoop()
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            int fd = LibC.accept4(_listenFd, null, null, LibC.SockCloexec);
            if (fd < 0)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }
                int err = Marshal.GetLastPInvokeError();
                if (err is not (LibC.Eintr or 103 or 24 or 23)) // ECONNABORTED, EMFILE, ENFILE: keep going
                {
                    _log.Error("drm server: accept failed, errno {Errno}", err);
                    return;
                }
                continue;
            }
            // Before any reply: each later request then says which process sent it (a DRM file's requests name a
            // channel, which must be the sender's own).
            LibC.PassCredentials(fd);
            lock (_connectionsLock)
            {
                _connections.Add(fd);
            }
            new Thread(() => Serve(fd)) { IsBackground = true, Name = "drm-conn" }.Start();
        }
    }

    private void Serve(int fd)
    {
        byte[] buffer = new byte[ShimProtocol.RequestSize + 1];
        int n = LibC.Receive(fd, buffer);
        // The pid is the connecting process's (drm_file_alloc's task_tgid(current); copy_from_user and capable() act on
        // the calling task), never the one the message names: the socket is open to every uid, and a claimed pid would
        // have the server read, write and vouch for a process the client does not own.
        int peer = LibC.PeerPid(fd);
        ShimRequest? first = n > 0 && peer > 0 && ShimProtocol.Parse(buffer.AsSpan(0, n)) is { } claimed
            ? claimed with { Pid = peer } : null;
        switch (first)
        {
            case { Op: ShimProtocol.OpFile } r:
                ServeFile(fd, r, buffer);
                break;
            case { Op: ShimProtocol.OpChannel } r:
                ServeChannel(fd, r, buffer);
                break;
            case { Op: ShimProtocol.OpUeventMonitor }:
                _uevents.Serve(fd);
                break;
            default:
                CloseConnection(fd);
                break;
        }
    }

    private void ServeFile(int fd, ShimRequest open, byte[] buffer)
    {
        // The minor picks the device (drm_minor_acquire): a further card of its own driver, card0 and renderD128 the
        // main one; a node nobody serves does not exist.
        int minor = (int)open.Request;
        IDrmDriver? driver = _options.MinorDrivers.TryGetValue(minor, out IDrmDriver? other) ? other
            : minor is 0 or 128 ? _driver : null;
        if (driver is null)
        {
            LibC.SendWithFds(fd, ShimProtocol.Reply(-Enoent), []);
            CloseConnection(fd);
            return;
        }
        DrmFile file;
        try
        {
            file = driver.Open(open.Pid, minor);
        }
        catch (Exception e)
        {
            _log.Error(e, "drm server: open by pid {Pid} failed", open.Pid);
            LibC.SendWithFds(fd, ShimProtocol.Reply(-Enodev), []);
            CloseConnection(fd);
            return;
        }
        Interlocked.Increment(ref _openFiles);
        _log.Debug("drm server: pid {Pid} opened minor {Minor}: client {Client}", open.Pid, open.Request, file.ClientId);
        var conn = new FileConnection(fd, file, driver);
        int[] arena = _options.ArenaFd >= 0 ? [_options.ArenaFd] : [];
        LibC.SendWithFds(fd, ShimProtocol.Reply(0, fdCount: arena.Length), arena);
        while (true)
        {
            int n = LibC.Receive(fd, buffer, out int sender);
            if (n <= 0)
            {
                break; // EOF: the last copy of the fd closed
            }
            if (ShimProtocol.Parse(buffer.AsSpan(0, n)) is not { Op: ShimProtocol.OpIoctl or ShimProtocol.OpMmap } r)
            {
                _log.Warning("drm server: malformed request on a file of pid {Pid}", open.Pid);
                continue;
            }
            // An ioctl runs for the task that made it and returns to it: a token naming another process's channel
            // (SCM_CREDENTIALS says who sent the request) names no channel of the sender's.
            ReplyChannel? channel = _channels.TryGetValue(r.Token, out ReplyChannel? named) && named.Pid == sender ? named : null;
            if (named is not null && channel is null)
            {
                _log.Warning("drm server: pid {Sender} named the channel of pid {Owner}: dropped", sender, named.Pid);
            }
            conn.Begin();
            if (channel is null || !channel.Post(r, conn))
            {
                // The asking thread's channel is gone (it exited): nobody waits for the answer.
                if (conn.End())
                {
                    Release(conn);
                }
            }
        }
        if (conn.Eof())
        {
            Release(conn);
        }
    }

    private void Release(FileConnection conn)
    {
        try
        {
            conn.Driver.Release(conn.File);
        }
        catch (Exception e)
        {
            _log.Error(e, "drm server: release of client {Client} failed", conn.File.ClientId);
        }
        Interlocked.Decrement(ref _openFiles);
        _log.Debug("drm server: client {Client} released", conn.File.ClientId);
        CloseConnection(conn.Fd);
    }

    private void ServeChannel(int fd, ShimRequest hello, byte[] buffer)
    {
        var channel = new ReplyChannel(fd, (ulong)Interlocked.Increment(ref _nextToken), hello.Pid);
        _channels[channel.Token] = channel;
        var worker = new Thread(() => Work(channel)) { IsBackground = true, Name = $"drm-chan-{hello.Pid}/{hello.Tid}" };
        worker.Start();
        LibC.SendWithFds(fd, ShimProtocol.Reply(0, token: channel.Token, root: _tree.Root), []);
        while (true)
        {
            int n = LibC.Receive(fd, buffer);
            if (n <= 0)
            {
                break;
            }
            ShimRequest? parsed = ShimProtocol.Parse(buffer.AsSpan(0, n));
            if (parsed is { Op: ShimProtocol.OpInterrupt } irq)
            {
                channel.Interrupt(irq.Seq); // read here, not queued: the worker is busy with the request it names
            }
            else if (parsed is { Op: ShimProtocol.OpSyncIoctl or ShimProtocol.OpVfileOpen or ShimProtocol.OpVfileWrite } r)
            {
                channel.Post(r, null);
            }
        }
        _channels.TryRemove(channel.Token, out _);
        // EOF: the thread has exited or its process died; whatever it was waiting in must not wait on for it.
        channel.Die();
        channel.Complete();
        worker.Join(); // the worker sends on fd: close it only after
        channel.Dispose();
        CloseConnection(fd);
    }

    private void Work(ReplyChannel channel)
    {
        foreach ((ShimRequest claimed, FileConnection? file) in channel.Take())
        {
            // Whatever pid the request names, it runs for the thread whose channel answers it (the connecting process).
            ShimRequest r = claimed with { Pid = channel.Pid };
            var caller = new ProcessCaller(r.Pid, _syncFiles, _syncobjFiles) { SignalPending = channel.Begin(r.Seq) };
            IReadOnlyList<ArenaRun>? runs = null;
            IDisposable? mapping = null;
            int[] fds = [];
            int status;
            try
            {
                status = Handle(r, file, caller, out runs, out mapping);
            }
            catch (Exception e)
            {
                _log.Error(e, "drm server: request {Op} {Request:x} of pid {Pid} threw", r.Op, r.Request, r.Pid);
                status = -Eio;
            }
            finally
            {
                channel.End();
            }
            ulong sharedAt = 0;
            if (caller.Shared is { } shared)
            {
                // GEM_USERPTR: the runs go over the caller's range (the reply's token field names it), and the hold
                // rides as the mapping's token, as an mmap's does. A call that failed after sharing keeps nothing.
                if (status >= 0)
                {
                    (sharedAt, runs, mapping) = (shared.Address, shared.Runs, shared.Hold);
                }
                else
                {
                    shared.Hold.Dispose();
                }
            }
            List<ulong> patches = [];
            if (status >= 0)
            {
                fds = [.. caller.Installed.Select(i => i.Fd)];
                patches = [.. caller.Installed.Select(i => i.Patch)];
            }
            if (r.Op == ShimProtocol.OpMmap && r.Request != 0 && status >= 0 && _options.ArenaFd >= 0)
            {
                fds = [_options.ArenaFd];
                patches = [0];
            }
            int token = mapping is null ? -1 : MappingWatch.Start(mapping, _log);
            if (token >= 0)
            {
                // The mapping's token rides last; the shim keeps it open for as long as the range is mapped.
                fds = [.. fds, token];
                patches = [.. patches, 0];
            }
            LibC.SendWithFds(channel.Fd, ShimProtocol.Reply(status, patches, token: sharedAt, runs: runs), fds);
            if (token >= 0)
            {
                LibC.close(token);
            }
            caller.CloseInstalled();
            if (file is not null && file.End())
            {
                Release(file);
            }
        }
    }

    private int Handle(ShimRequest r, FileConnection? file, ProcessCaller caller, out IReadOnlyList<ArenaRun>? runs, out IDisposable? mapping)
    {
        runs = null;
        mapping = null;
        switch (r.Op)
        {
            case ShimProtocol.OpIoctl:
                {
                    int status = file!.Driver.Ioctl(file.File, r.Request, r.Arg, caller);
                    _log.Verbose("drm server: pid {Pid}/{Tid} ioctl {Request:x8} = {Status}", r.Pid, r.Tid, r.Request, status);
                    return status;
                }
            case ShimProtocol.OpMmap:
                {
                    int status = file!.Driver.Mmap(file.File, r.Arg, r.Length, out IReadOnlyList<ArenaRun> found, out IDisposable? hold);
                    _log.Verbose("drm server: pid {Pid} mmap {Offset:x}+{Length:x} = {Status}", r.Pid, r.Arg, r.Length, status);
                    if (status < 0)
                    {
                        return status;
                    }
                    if (found.Count > ShimProtocol.MaxRuns)
                    {
                        hold?.Dispose();
                        return -Enomem;
                    }
                    runs = found;
                    mapping = hold;
                    return status;
                }
            case ShimProtocol.OpSyncIoctl:
                return _driver.SyncFileIoctl(r.Fd, r.Request, r.Arg, caller);
            case ShimProtocol.OpVfileOpen:
                return _tree.Open(r.Path, (int)r.Request);
            case ShimProtocol.OpVfileWrite:
                {
                    if (r.Length > MaxWrite)
                    {
                        return -Einval;
                    }
                    byte[] data = new byte[r.Length];
                    if (!caller.TryRead(r.Arg, data))
                    {
                        return -Efault;
                    }
                    int status = _tree.Write(r.Path, data);
                    _log.Debug("drm server: pid {Pid} wrote {Path} = {Status}", r.Pid, r.Path, status);
                    return status;
                }
            default:
                return -Einval;
        }
    }

    private void CloseConnection(int fd)
    {
        // Under the lock: Dispose's shutdown must never reach a number that was closed and reused.
        lock (_connectionsLock)
        {
            _connections.Remove(fd);
            LibC.close(fd);
        }
    }

    /// <summary>
    /// Stops accepting, shuts every connection down (their files are released as at a client's exit) and removes
    /// the socket and the tree. Does not dispose the driver.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _uevents.Dispose();
        LibC.shutdown(_listenFd, LibC.ShutRdWr); // wakes accept4
        _acceptThread.Join(TimeSpan.FromSeconds(5));
        LibC.close(_listenFd);
        lock (_connectionsLock)
        {
            foreach (int fd in _connections)
            {
                LibC.shutdown(fd, LibC.ShutRdWr); // each reader sees EOF and cleans up
            }
        }
        SpinWait.SpinUntil(() => OpenFiles == 0, TimeSpan.FromSeconds(5));
        // After the files: a request still running may hand out one more pipe, refused once the watch is disposed.
        _log.Information("drm server: fds handed out: {SyncFiles} sync_file, {DmaBufs} dma-buf, {Syncobjs} syncobj; "
            + "still open at exit: {LiveSyncFiles}, {LiveDmaBufs}, {LiveSyncobjs}", SyncFilesCreated, DmaBufsCreated,
            SyncobjFilesCreated, SyncFilesLive, DmaBufsLive, SyncobjFilesLive);
        _fdReleases.Dispose();
        try
        {
            File.Delete(SocketPath);
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException e)
        {
            _log.Warning("drm server: could not remove {Dir}: {Message}", _directory, e.Message);
        }
    }
}
