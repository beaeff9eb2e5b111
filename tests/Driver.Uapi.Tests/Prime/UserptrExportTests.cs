using Driver.Core.Errors;
using Driver.Core.Prime;
using Driver.Core.Userptr;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// A userptr object cannot be exported: i915_gem_prime_export calls the object's dmabuf_export op, and
/// i915_gem_userptr_dmabuf_export refuses with -EINVAL. Its pages are the process's, replaced on every mmu
/// invalidation without a move_notify, so an importer would keep writing pages the process no longer maps.
/// </summary>
public class UserptrExportTests
{
    [Fact]
    public void PrimeHandleToFd_OfAUserptrObject_IsEinval()
    {
        using var t = TestDevice.WithoutHeartbeat();
        var mm = new CpuMm();
        long addr = mm.Mmap(1);
        Assert.Equal(0, t.Dev.Userptr(t.Client, mm, addr, 4096, 0, out int handle));

        Assert.Equal(-Errno.EINVAL, t.Dev.PrimeHandleToFd(t.Client, handle, out DmaBuf? buf));
        Assert.Null(buf);
    }
}
