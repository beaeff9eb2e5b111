using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Driver.Drm.Server;

/// <summary>
/// How the server learns that the last copy of a pipe fd it handed out is closed (the sync_file, dma-buf and syncobj
/// fds of <see cref="SyncFileTable"/> and <see cref="SyncobjFileTable"/>): the server keeps each pipe's write end, and
/// one epoll on one thread watches them all. A pipe's write end polls EPOLLERR once the pipe has no reader left
/// (pipe_poll), i.e. once every copy of the read end is closed in every process: close, exit, and dup, fork and
/// SCM_RIGHTS copies counting as the kernel's file refcount counts them. That is the file's release (sync_file_release,
/// dma_buf_release, drm_syncobj_file_release): the owner's release action runs (its table drops the entry and what the
/// entry held), then the write end is closed. Keeping the write end open until then keeps the pipe's inode
/// allocated, so an inode names at most one entry at a time: the table drops the entry before the close frees it.
/// </summary>
internal sealed unsafe class FdReleaseWatch : IDisposable
{
    private const ulong WakeId = 0; // the eventfd that stops the thread; watched pipes count from 1

    // Orders a registration against Dispose: none is added once Dispose has begun, so after the thread is joined
    // Dispose owns every entry still here.
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<ulong, (PipeWriteEnd End, Action Released)> _watched = new();
    private readonly TimeSpan _stopBound;
    private int _epoll = -1;
    private int _wake = -1;
    private Thread? _thread;
    private ulong _nextId = WakeId;
    private bool _disposed;
    private long _released;

    /// <summary>A watch whose thread starts at the first <see cref="Watch"/>; Dispose waits at most <paramref name="stopBound"/> for it.</summary>
    public FdReleaseWatch(TimeSpan? stopBound = null)
    {
        _stopBound = stopBound ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>Pipes watched now (handed out and not yet released).</summary>
    public int Count => _watched.Count;

    /// <summary>Releases seen so far (last copy of a read end closed).</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary>
    /// Watches <paramref name="end"/>: once no read end of its pipe is open anywhere, <paramref name="released"/> runs
    /// on the watch's thread and then the end is closed. Returns 0, or a negative errno (the end is then not watched
    /// and stays the caller's to close). The caller must still hold a read end, so the release cannot come before
    /// Watch returns.
    /// </summary>
    public int Watch(PipeWriteEnd end, Action released)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return -19; // ENODEV: the server is going away
            }
            if (_thread is null)
            {
                int started = Start();
                if (started < 0)
                {
                    return started;
                }
            }
            ulong id = ++_nextId;
            _watched[id] = (end, released);
            if (Control(LibC.EpollCtlAdd, end.Fd, LibC.EpollErr, id) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                _watched.TryRemove(id, out _);
                return -errno;
            }
            return 0;
        }
    }

    private int Start()
    {
        _epoll = LibC.epoll_create1(LibC.EpollCloexec);
        if (_epoll < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        _wake = LibC.eventfd(0, LibC.EfdCloexec);
        if (_wake < 0 || Control(LibC.EpollCtlAdd, _wake, LibC.EpollIn, WakeId) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (_wake >= 0)
            {
                LibC.close(_wake);
            }
            LibC.close(_epoll);
            (_epoll, _wake) = (-1, -1);
            return -errno;
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "drm-fd-release" };
        _thread.Start();
        return 0;
    }

    private int Control(int op, int fd, uint events, ulong id)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + LibC.EpollDataOffset) = id;
        return LibC.epoll_ctl(_epoll, op, fd, ev);
    }

    private void Loop()
    {
        const int Batch = 64;
        int size = LibC.EpollEventSize;
        byte* events = stackalloc byte[Batch * 16];
        while (true)
        {
            int n = LibC.epoll_wait(_epoll, events, Batch, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == LibC.Eintr)
                {
                    continue;
                }
                return; // EBADF/EINVAL: nothing this thread can wait on any more
            }
            bool stop = false;
            for (int i = 0; i < n; i++)
            {
                ulong id = *(ulong*)(events + (i * size) + LibC.EpollDataOffset);
                if (id == WakeId)
                {
                    stop = true;
                }
                else if (_watched.TryRemove(id, out (PipeWriteEnd End, Action Released) w))
                {
                    // Release order: the owner drops its entry while the end still holds the inode; the end leaves
                    // the epoll set before the close (a DEL after it could name a reused number); the close last.
                    w.Released();
                    Control(LibC.EpollCtlDel, w.End.Fd, 0, 0);
                    w.End.Close();
                    Interlocked.Increment(ref _released);
                }
            }
            if (stop)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Stops and joins the thread (at most the bound given at construction), then releases every pipe still watched
    /// (their readers, if any are left, see EOF). If the thread does not stop in time nothing is closed: a leak, not
    /// a close racing the thread's.
    /// </summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            thread = _thread;
        }
        if (thread is null)
        {
            return;
        }
        ulong one = 1;
        LibC.write(_wake, &one, 8);
        if (!thread.Join(_stopBound))
        {
            return;
        }
        foreach (ulong id in _watched.Keys)
        {
            if (_watched.TryRemove(id, out (PipeWriteEnd End, Action Released) w))
            {
                w.Released();
                w.End.Close(); // closing it drops it from the epoll set too
            }
        }
        LibC.close(_wake);
        LibC.close(_epoll);
    }
}
