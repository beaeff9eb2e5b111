namespace Driver.Core.Errors;

/// <summary>
/// Linux errno values used by the simulated uAPI and by fence errors. Fence errors are stored negated
/// (<c>-EIO</c>), as the kernel stores them in <c>dma_fence.error</c>.
/// </summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>No such entry (unknown handle, context, fence).</summary>
    public const int ENOENT = 2;
    /// <summary>Interrupted.</summary>
    public const int EINTR = 4;
    /// <summary>I/O error: guilty request, wedged device, banned context.</summary>
    public const int EIO = 5;
    /// <summary>No such device or address (a GEM mmap of an object without shmem backing).</summary>
    public const int ENXIO = 6;
    /// <summary>Argument list too long (too many chained uAPI extensions).</summary>
    public const int E2BIG = 7;
    /// <summary>Bad file descriptor (a dma-buf fd that is no dma-buf).</summary>
    public const int EBADF = 9;
    /// <summary>Try again: innocent victim of a reset (non-fatal).</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Permission denied (an mmap offset another DRM file owns).</summary>
    public const int EACCES = 13;
    /// <summary>Bad address.</summary>
    public const int EFAULT = 14;
    /// <summary>Busy.</summary>
    public const int EBUSY = 16;
    /// <summary>No such device.</summary>
    public const int ENODEV = 19;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>Too many open files (no descriptor left for an out-fence).</summary>
    public const int EMFILE = 24;
    /// <summary>Inappropriate ioctl for device (an ioctl a sync_file does not know).</summary>
    public const int ENOTTY = 25;
    /// <summary>No space left (address space exhausted).</summary>
    public const int ENOSPC = 28;
    /// <summary>Resource deadlock would occur (fence freed with callbacks pending; a ww_mutex context must back off).</summary>
    public const int EDEADLK = 35;
    /// <summary>Timer expired (a bounded wait ran out, or amdgpu's timed-out job).</summary>
    public const int ETIME = 62;
    /// <summary>Connection timed out: waiting on a foreign fence timed out (non-fatal for i915).</summary>
    public const int ETIMEDOUT = 110;
    /// <summary>Operation already in progress: a ww_mutex already held by the locking acquire context.</summary>
    public const int EALREADY = 114;
    /// <summary>Operation not supported (a DRM feature the driver lacks, such as syncobjs).</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>Operation canceled (drm_sched karma, VRAM lost).</summary>
    public const int ECANCELED = 125;

    /// <summary>
    /// Whether a (negative) fence error is fatal. <c>-EAGAIN</c> and <c>-ETIMEDOUT</c> are not: a request that
    /// inherits one still runs, and a fatal error may later replace it (<c>set_error_once</c>).
    /// </summary>
    public static bool IsFatal(int error) => error < 0 && error != -EAGAIN && error != -ETIMEDOUT;

    /// <summary>The symbolic name for an errno value, positive or negative ("EIO"); numeric text if unknown.</summary>
    public static string Name(int errno) => Math.Abs(errno) switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        EIO => "EIO",
        ENXIO => "ENXIO",
        E2BIG => "E2BIG",
        EACCES => "EACCES",
        EMFILE => "EMFILE",
        ENOTTY => "ENOTTY",
        EOPNOTSUPP => "EOPNOTSUPP",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EBADF => "EBADF",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        EDEADLK => "EDEADLK",
        ETIME => "ETIME",
        ETIMEDOUT => "ETIMEDOUT",
        EALREADY => "EALREADY",
        ECANCELED => "ECANCELED",
        0 => "0",
        var n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
