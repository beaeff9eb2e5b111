using Driver.Core.Fences;
using Driver.Uapi;

namespace Driver.Igt.Lib;

/// <summary>
/// igt_cork (lib/igt_dummyload.c): holds back work until unplugged, built on a vgem fence attached for writing to
/// an object. IGT_CORK_HANDLE uses the object (batches using it wait by implicit synchronisation); IGT_CORK_FENCE
/// its exported fence (an explicit in-fence).
/// </summary>
public sealed class IgtCork
{
    private readonly IgtContext _t;
    private readonly GpuDevice _dev;
    private readonly int _fd;
    private readonly int _fenceId;

    private IgtCork(IgtContext t, GpuDevice dev, int fd, int handle, int fenceId, DmaFence fence)
    {
        _t = t;
        _dev = dev;
        _fd = fd;
        Handle = handle;
        _fenceId = fenceId;
        Fence = fence;
    }

    /// <summary>The corked object.</summary>
    public int Handle { get; }

    /// <summary>The cork's fence.</summary>
    public DmaFence Fence { get; }

    /// <summary>igt_cork_plug.</summary>
    public static IgtCork Plug(IgtContext t, GpuDevice dev, int fd)
    {
        int handle = IgtGem.Create(t, dev, fd);
        t.AssertEq(dev.VgemFenceAttach(fd, handle, GpuDevice.VgemFenceWrite, 0, out int fenceId), 0);
        t.AssertEq(dev.VgemFenceExport(fd, fenceId, out DmaFence? fence), 0);
        return new IgtCork(t, dev, fd, handle, fenceId, fence!);
    }

    /// <summary>igt_cork_unplug: signals the fence; the held work goes ahead.</summary>
    public void Unplug() => _t.AssertEq(_dev.VgemFenceSignal(_fd, _fenceId), 0);
}
