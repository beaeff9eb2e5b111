using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// vgem_slow@nohang: a vgem fence nobody signals does not hang its waiters: it signals itself after the fence timeout
/// (10 s in vgem, 100 ms for this subtest's device) with no error (vgem_fence_timeout just signals), a later
/// VGEM_FENCE_SIGNAL reports -ETIMEDOUT (vgem_fence_signal_ioctl finds it signalled), and a batch gated on it runs.
/// </summary>
public sealed class VgemSlow : IIgtBinary
{
    private static readonly TimeSpan s_fenceTimeout = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc/>
    public string Name => "vgem_slow";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b) =>
        b.Subtest("nohang", NoHang, IgtExpectations.None, "Check that vgem fences time out", () => IgtContext.DefaultConfig with { VgemFenceTimeout = s_fenceTimeout });

    private static void NoHang(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int fd = t.Fd;
        int scratch = IgtGem.Create(t, dev, fd);
        t.AssertEq(dev.VgemFenceAttach(fd, scratch, GpuDevice.VgemFenceWrite, 0, out int fenceId), 0);
        t.AssertEq(dev.VgemFenceExport(fd, fenceId, out DmaFence? fence), 0);
        int batch = IgtGem.BatchEnd(t, dev, fd);
        DmaFence gated = IgtGem.Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)EngineId.Bcs0, BatchHandle = batch, Objects = [scratch] });
        t.Assert(IgtGem.Busy(t, dev, fd, scratch));
        t.Assert(IgtSync.Busy(gated));
        t.AssertEq(IgtGem.Wait(dev, fd, scratch, 2 * s_fenceTimeout + IgtTime.Forever), 0);
        t.AssertEq(IgtSync.Status(fence!), 1);
        t.AssertEq(IgtSync.Wait(gated, IgtTime.Forever), 0);
        t.AssertEq(IgtSync.Status(gated), 1);
        t.AssertEq(dev.VgemFenceSignal(fd, fenceId), -Errno.ETIMEDOUT);
        t.AssertEq(dev.VgemFenceSignal(fd, fenceId), -Errno.ENOENT);
    }
}
