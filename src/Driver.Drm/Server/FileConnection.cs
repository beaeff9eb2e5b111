namespace Driver.Drm.Server;

/// <summary>
/// One DRM file's socket: the connection a client's open() made, shared by every copy of that fd. Its EOF is the
/// last copy closing (or the last holder dying), which releases the file once its requests in flight have answered,
/// as drm_release runs only after the last fput.
/// </summary>
internal sealed class FileConnection(int fd, DrmFile file, IDrmDriver driver)
{
    private readonly Lock _lock = new();
    private int _inFlight;
    private bool _eof;
    private bool _released;

    /// <summary>The server's end of the socket.</summary>
    public int Fd { get; } = fd;

    /// <summary>The file it is.</summary>
    public DrmFile File { get; } = file;

    /// <summary>The driver of the node it opened (the minor picks it).</summary>
    public IDrmDriver Driver { get; } = driver;

    /// <summary>A request of this file was queued to a channel.</summary>
    public void Begin()
    {
        // Orders against End/Eof: the count and the EOF flag decide the release together.
        lock (_lock)
        {
            _inFlight++;
        }
    }

    /// <summary>A request answered; true when the file is now to be released.</summary>
    public bool End()
    {
        lock (_lock)
        {
            _inFlight--;
            return ReleaseNow();
        }
    }

    /// <summary>The socket reached EOF; true when the file is now to be released.</summary>
    public bool Eof()
    {
        lock (_lock)
        {
            _eof = true;
            return ReleaseNow();
        }
    }

    private bool ReleaseNow()
    {
        if (!_eof || _inFlight > 0 || _released)
        {
            return false;
        }
        _released = true;
        return true;
    }
}
