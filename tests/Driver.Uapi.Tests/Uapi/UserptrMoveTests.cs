using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Resv;
using Driver.Core.Userptr;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>
/// A userptr object's pages are the process's own, not the driver's: it cannot be migrated. i915_gem_object_migrate
/// refuses with -EINVAL what i915_gem_object_can_migrate rejects, and userptr objects have no migrate op. A move would
/// point the object at device pages the process never sees, and hand the process's pages to the device allocator.
/// </summary>
public class UserptrMoveTests
{
    [Fact]
    public void MoveBuffer_OfAUserptrObject_IsEinval()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, 4096, 0, out int handle));
        UserptrObject u = t.Dev.GetUserptr(t.Client, handle)!;

        // A fence nobody signals keeps a wrongly accepted move's copy from ever running (it would free the process's
        // pages into device memory from a worker thread), so the failure is the assertion below, not a crash.
        var plug = new DmaFence(DmaFence.ContextAlloc(), 1);
        u.Object.Resv.LockResv(null);
        try
        {
            u.Object.Resv.ReserveFences(1);
            u.Object.Resv.AddFence(plug, DmaResvUsage.Bookkeep);
        }
        finally
        {
            u.Object.Resv.Unlock();
        }

        Assert.Equal(-Errno.EINVAL, t.Dev.MoveBuffer(t.Client, handle, out DmaFence? move));
        Assert.Null(move);
        plug.Signal();
    }
}
