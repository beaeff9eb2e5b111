using System.Diagnostics;

namespace Driver.Drm.Server;

/// <summary>
/// The server's write end of a pipe it handed out (<see cref="FdReleaseWatch"/>). Its lock orders the one write a
/// sync_file makes when its fence signals (<see cref="WriteByte"/>, on the signalling thread) against the close at the
/// release (<see cref="Close"/>, on the watch's thread): the byte goes into this pipe before the close, or is not
/// written at all; never into a later file that reused the fd number.
/// </summary>
internal sealed unsafe class PipeWriteEnd(int fd)
{
    private readonly Lock _lock = new();
    private int _fd = fd; // -1 once closed; written under _lock

    /// <summary>The descriptor, for the watch's epoll registration (read before <see cref="Close"/>, by its caller).</summary>
    public int Fd => Volatile.Read(ref _fd);

    /// <summary>Whether the end is closed (its release ran).</summary>
    public bool IsClosed => Volatile.Read(ref _fd) < 0;

    /// <summary>
    /// Writes one byte (the pipe polls readable from then on), unless the end is closed already. Returns whether it
    /// wrote. The pipe holds far more than the one byte a sync_file ever gets: the write does not block.
    /// </summary>
    public bool WriteByte()
    {
        lock (_lock)
        {
            if (_fd < 0)
            {
                return false; // released first: every reader is gone, and the number may be someone else's now
            }
            byte b = 1;
            // EPIPE when the last reader closed and the watch has not seen it yet: nothing to do (SIGPIPE is ignored
            // by the runtime).
            return LibC.write(_fd, &b, 1) == 1;
        }
    }

    /// <summary>Closes the end, once: the pipe's inode is freed with it (when no reader is left).</summary>
    public void Close()
    {
        lock (_lock)
        {
            Debug.Assert(_fd >= 0, "a pipe write end closed twice");
            LibC.close(_fd);
            _fd = -1;
        }
    }
}
