using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>The caller's memory through process_vm_readv and /proc/pid/mem: a bad user pointer is a fault, never a throw.</summary>
public sealed class ProcessCallerTests
{
    // x86-64's legacy vsyscall page: listed in /proc/pid/maps ("--xp"), but above TASK_SIZE_MAX.
    private const ulong Vsyscall = 0xffff_ffff_ff60_0000;

    [Fact]
    public void A_pointer_above_user_space_is_a_fault_even_where_maps_lists_it()
    {
        // copy_from_user: access_ok refuses any range past TASK_SIZE_MAX, so an ioctl pointing its argument there is
        // -EFAULT. process_vm_readv fails on it; the /proc/pid/mem fallback (for write-only user pages) must fail too
        // rather than throw, which the server would answer as -EIO and log as a driver bug.
        if (!OperatingSystem.IsLinux() || !File.ReadAllText("/proc/self/maps").Contains("[vsyscall]", StringComparison.Ordinal))
        {
            return; // no vsyscall mapping to point at on this kernel
        }

        using var watch = new FdReleaseWatch();
        var caller = new ProcessCaller(Environment.ProcessId, new SyncFileTable(watch));
        byte[] buffer = new byte[16];
        Assert.False(caller.TryRead(Vsyscall, buffer));
    }
}
