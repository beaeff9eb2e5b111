namespace Driver.Core.Locking;

/// <summary>Shorthand for <see cref="LockValidator.Default"/>, enabled at startup by GPUSIM_LOCKDEP=1.</summary>
public static class Lockdep
{
    /// <summary>The driver-wide validator.</summary>
    public static LockValidator Default => LockValidator.Default;

    /// <summary>Whether the driver-wide validator is on.</summary>
    public static bool Enabled
    {
        get => LockValidator.Default.Enabled;
        set
        {
            LockValidator.Default.Enabled = value;
            LockValidator.Default.PrimeKernelMaps();
        }
    }

    /// <summary>mmap_lock of the driver-wide validator.</summary>
    public static LockdepMap MmapLock => LockValidator.Default.MmapLock;

    /// <summary>i_mmap_rwsem of the driver-wide validator.</summary>
    public static LockdepMap IMmapRwsem => LockValidator.Default.IMmapRwsem;

    /// <summary>fs_reclaim of the driver-wide validator.</summary>
    public static LockdepMap FsReclaim => LockValidator.Default.FsReclaim;

    /// <summary>cpu_hotplug_lock of the driver-wide validator.</summary>
    public static LockdepMap CpuHotplugLock => LockValidator.Default.CpuHotplugLock;

    /// <summary><see cref="LockValidator.MightAlloc"/> on the driver-wide validator.</summary>
    public static void MightAlloc() => LockValidator.Default.MightAlloc();

    /// <summary><see cref="LockValidator.BeginSignalling"/> on the driver-wide validator.</summary>
    public static bool BeginSignalling() => LockValidator.Default.BeginSignalling();

    /// <summary><see cref="LockValidator.EndSignalling"/> on the driver-wide validator.</summary>
    public static void EndSignalling(bool cookie) => LockValidator.Default.EndSignalling(cookie);

    /// <summary><see cref="LockValidator.MightWaitOnFence"/> on the driver-wide validator.</summary>
    public static void MightWaitOnFence() => LockValidator.Default.MightWaitOnFence();
}
