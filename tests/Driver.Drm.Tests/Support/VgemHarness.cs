using Driver.Drm.I915;
using Driver.Drm.I915.Layout;
using Driver.Drm.Vgem;
using Driver.Drm.Vgem.Layout;

namespace Driver.Drm.Tests.Support;

/// <summary>
/// An i915 harness and a vgem card beside it (its objects in the same device memory, as the server sets them up),
/// one process holding a file of each: the caller is the i915 harness's, so dma-buf descriptors pass between them.
/// </summary>
public sealed class VgemHarness : IDisposable
{
    private VgemHarness(DrmHarness i915, TimeSpan? fenceTimeout)
    {
        I915 = i915;
        Vgem = new VgemDriver(i915.Dev.Gt.Memory, new FakeMemoryMap(), fenceTimeout);
        File = Vgem.Open(Caller.Pid);
    }

    /// <summary>The i915 side.</summary>
    public DrmHarness I915 { get; }

    /// <summary>The vgem driver.</summary>
    public VgemDriver Vgem { get; }

    /// <summary>The vgem file.</summary>
    public DrmFile File { get; }

    /// <summary>The process making the calls.</summary>
    public FakeCaller Caller => I915.Caller;

    /// <summary>A fast i915 device and a vgem card whose fences time out after <paramref name="fenceTimeout"/> (10 s).</summary>
    public static VgemHarness Fast(TimeSpan? fenceTimeout = null) => new(DrmHarness.Fast(), fenceTimeout);

    /// <summary>A vgem ioctl on <see cref="File"/> (or <paramref name="file"/>) with <paramref name="arg"/> in user memory, read back after.</summary>
    public int Ioctl(uint request, ArgBuffer arg, DrmFile? file = null)
    {
        ArgumentNullException.ThrowIfNull(arg);
        ulong at = Caller.Put(arg.Data);
        int ret = Vgem.Ioctl(file ?? File, request, at, Caller);
        Caller.CompleteCall(ret);
        Caller.Get(at, arg.Data.Length).CopyTo(arg.Data, 0);
        return ret;
    }

    /// <summary>MODE_CREATE_DUMB of width × height × bpp; returns the argument after the call.</summary>
    public (int Ret, ArgBuffer Arg) CreateDumb(uint width, uint height, uint bpp, DrmFile? file = null)
    {
        ArgBuffer a = DrmHarness.Arg(VgemLayout.CreateDumbSize);
        a.SetU32(VgemLayout.CreateDumbWidth, width);
        a.SetU32(VgemLayout.CreateDumbHeight, height);
        a.SetU32(VgemLayout.CreateDumbBpp, bpp);
        int ret = Ioctl(Requests.CreateDumb, a, file);
        return (ret, a);
    }

    /// <summary>vgem_create of a 1×1×32 object (asserts success); returns the handle.</summary>
    public uint Create(DrmFile? file = null)
    {
        (int ret, ArgBuffer a) = CreateDumb(1, 1, 32, file);
        Assert.Equal(0, ret);
        return a.U32(VgemLayout.CreateDumbHandle);
    }

    /// <summary>VGEM_FENCE_ATTACH; returns the result and the fence id.</summary>
    public (int Ret, uint Fence) Attach(uint handle, uint flags, uint pad = 0)
    {
        ArgBuffer a = DrmHarness.Arg(VgemLayout.FenceAttachSize);
        a.SetU32(VgemLayout.AttachHandle, handle);
        a.SetU32(VgemLayout.AttachFlags, flags);
        a.SetU32(VgemLayout.AttachPad, pad);
        int ret = Ioctl(Requests.VgemFenceAttach, a);
        return (ret, a.U32(VgemLayout.AttachOutFence));
    }

    /// <summary>VGEM_FENCE_SIGNAL; returns the result.</summary>
    public int Signal(uint fence, uint flags = 0)
    {
        ArgBuffer a = DrmHarness.Arg(VgemLayout.FenceSignalSize);
        a.SetU32(VgemLayout.SignalFence, fence);
        a.SetU32(VgemLayout.SignalFlags, flags);
        return Ioctl(Requests.VgemFenceSignal, a);
    }

    /// <summary>PRIME_HANDLE_TO_FD on vgem; returns the result and the descriptor.</summary>
    public (int Ret, int Fd) Export(uint handle, uint flags = 0)
    {
        ArgBuffer a = DrmHarness.Arg(PrimeLayout.Size);
        a.SetU32(PrimeLayout.Handle, handle);
        a.SetU32(PrimeLayout.Flags, flags);
        a.SetS32(PrimeLayout.Fd, -1);
        int ret = Ioctl(Requests.PrimeHandleToFd, a);
        return (ret, a.S32(PrimeLayout.Fd));
    }

    /// <summary>PRIME_FD_TO_HANDLE of <paramref name="fd"/> on the i915 file; returns the result and the handle.</summary>
    public (int Ret, uint Handle) ImportToI915(int fd)
    {
        ArgBuffer a = DrmHarness.Arg(PrimeLayout.Size);
        a.SetS32(PrimeLayout.Fd, fd);
        int ret = I915.Ioctl(Requests.PrimeFdToHandle, a);
        return (ret, a.U32(PrimeLayout.Handle));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Vgem.Release(File);
        Vgem.Dispose();
        I915.Dispose();
    }
}
