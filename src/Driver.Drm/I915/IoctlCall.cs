namespace Driver.Drm.I915;

/// <summary>One ioctl as a handler sees it: the file, the kernel copy of its argument, the caller, the request.</summary>
public sealed class IoctlCall(DrmFile file, I915File state, ArgBuffer arg, IDrmCaller caller, uint request, ulong argument)
{
    /// <summary>The DRM file.</summary>
    public DrmFile File { get; } = file;

    /// <summary>The driver's per-file state.</summary>
    public I915File State { get; } = state;

    /// <summary>The argument (kdata), copied out by drm_ioctl after the handler when the ioctl is _IOR.</summary>
    public ArgBuffer Arg { get; } = arg;

    /// <summary>The calling process.</summary>
    public IDrmCaller Caller { get; } = caller;

    /// <summary>The user's request number (its direction bits decide what is copied back).</summary>
    public uint Request { get; } = request;

    /// <summary>The user address of the argument.</summary>
    public ulong Argument { get; } = argument;

    /// <summary>The GpuDevice client.</summary>
    public int Client => State.ClientId;

    /// <summary>Whether drm_ioctl copies the argument back to the caller (the user's request has _IOC_READ).</summary>
    public bool CopiesOut => (DrmIoctl.Dir(Request) & DrmIoctl.DirRead) != 0;
}
