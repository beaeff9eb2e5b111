using Driver.Core.Errors;
using Driver.Igt.Lib;
using Driver.Uapi;

namespace Driver.Igt.Subtests;

/// <summary>
/// vgem_basic's fence subtests: the external (vgem) fence primitive refuses bad flags and padding (-EINVAL), unknown
/// handles and fences (-ENOENT) and conflicting fences (-EBUSY); a signalled fence's id is gone (-ENOENT).
/// </summary>
public sealed class VgemBasic : IIgtBinary
{
    /// <inheritdoc/>
    public string Name => "vgem_basic";

    /// <inheritdoc/>
    public void Register(IgtBinaryBuilder b)
    {
        b.Subtest("bad-flag", BadFlag, IgtExpectations.None, "Fence attach with unknown flags is rejected");
        b.Subtest("bad-pad", BadPad, IgtExpectations.None, "Fence attach with a non-zero pad is rejected");
        b.Subtest("bad-handle", BadHandle, IgtExpectations.None, "Fence attach to an unknown object is rejected");
        b.Subtest("bad-fence", BadFence, IgtExpectations.None, "Signalling an unknown or already signalled fence is rejected");
        b.Subtest("busy-fence", BusyFence, IgtExpectations.None, "An unsignalled fence keeps its object busy and blocks conflicting fences");
    }

    private static void BadFlag(IgtContext t)
    {
        int handle = IgtGem.Create(t, t.Device, t.Fd);
        t.AssertEq(t.Device.VgemFenceAttach(t.Fd, handle, ~GpuDevice.VgemFenceWrite, 0, out _), -Errno.EINVAL);
        t.AssertEq(t.Device.VgemFenceAttach(t.Fd, handle, ~0u, 0, out _), -Errno.EINVAL);
        t.AssertEq(t.Device.VgemFenceSignal(t.Fd, 1, 1), -Errno.EINVAL);
    }

    private static void BadPad(IgtContext t)
    {
        int handle = IgtGem.Create(t, t.Device, t.Fd);
        t.AssertEq(t.Device.VgemFenceAttach(t.Fd, handle, 0, 1, out _), -Errno.EINVAL);
    }

    private static void BadHandle(IgtContext t) =>
        t.AssertEq(t.Device.VgemFenceAttach(t.Fd, unchecked((int)0xdeadbeef), 0, 0, out _), -Errno.ENOENT);

    private static void BadFence(IgtContext t)
    {
        GpuDevice dev = t.Device;
        t.AssertEq(dev.VgemFenceSignal(t.Fd, unchecked((int)0xdeadbeef)), -Errno.ENOENT);
        t.AssertEq(dev.VgemFenceSignal(t.Fd, 0), -Errno.ENOENT);
        int handle = IgtGem.Create(t, dev, t.Fd);
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, 0, 0, out int fence), 0);
        t.AssertEq(dev.VgemFenceSignal(t.Fd, fence), 0);
        t.AssertEq(dev.VgemFenceSignal(t.Fd, fence), -Errno.ENOENT);
    }

    private static void BusyFence(IgtContext t)
    {
        GpuDevice dev = t.Device;
        int handle = IgtGem.Create(t, dev, t.Fd);
        t.Assert(!IgtGem.Busy(t, dev, t.Fd, handle));
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, GpuDevice.VgemFenceWrite, 0, out int fence), 0);
        t.Assert(IgtGem.Busy(t, dev, t.Fd, handle));
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, GpuDevice.VgemFenceWrite, 0, out _), -Errno.EBUSY);
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, 0, 0, out _), -Errno.EBUSY);
        t.AssertEq(IgtGem.Wait(dev, t.Fd, handle, TimeSpan.Zero), -Errno.ETIME);
        t.AssertEq(dev.VgemFenceSignal(t.Fd, fence), 0);
        t.Assert(!IgtGem.Busy(t, dev, t.Fd, handle));
        // Readers share: two read fences at once, and a writer must wait for both.
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, 0, 0, out int r1), 0);
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, 0, 0, out int r2), 0);
        t.AssertEq(dev.VgemFenceAttach(t.Fd, handle, GpuDevice.VgemFenceWrite, 0, out _), -Errno.EBUSY);
        t.AssertEq(dev.VgemFenceSignal(t.Fd, r1), 0);
        t.Assert(IgtGem.Busy(t, dev, t.Fd, handle));
        t.AssertEq(dev.VgemFenceSignal(t.Fd, r2), 0);
        t.Assert(!IgtGem.Busy(t, dev, t.Fd, handle));
    }
}
