using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Uapi;

namespace Driver.Igt.Lib;

/// <summary>
/// The gem ioctl wrappers of lib/ioctl_wrappers.c and lib/i915: the plain ones assert success (gem_execbuf), the
/// __-prefixed ones of IGT return the errno (here: <see cref="TryExecbuf"/> and the device's own methods).
/// </summary>
public static class IgtGem
{
    /// <summary>gem_create: a new object, asserted.</summary>
    public static int Create(IgtContext t, GpuDevice dev, int fd, long size = 4096)
    {
        t.AssertEq(dev.CreateBuffer(fd, size, out int handle), 0);
        return handle;
    }

    /// <summary>A 4 KiB object holding MI_BATCH_BUFFER_END at <paramref name="offset"/>: the nop batch.</summary>
    public static int BatchEnd(IgtContext t, GpuDevice dev, int fd, long size = 4096, long offset = 0)
    {
        int handle = Create(t, dev, fd, size);
        Write(t, dev, fd, handle, offset, [Mi.BatchBufferEnd]);
        return handle;
    }

    /// <summary>gem_write (pwrite): waits for the GPU to be done with the object first, as i915's pwrite does.</summary>
    public static void Write(IgtContext t, GpuDevice dev, int fd, int handle, long offset, ReadOnlySpan<uint> dwords)
    {
        Sync(t, dev, fd, handle);
        t.AssertEq(dev.Write(fd, handle, offset, dwords), 0);
    }

    /// <summary>gem_read (pread) of one dword, after the GPU is done with the object.</summary>
    public static uint Read(IgtContext t, GpuDevice dev, int fd, int handle, long offset)
    {
        Sync(t, dev, fd, handle);
        Span<uint> value = stackalloc uint[1];
        t.AssertEq(dev.Read(fd, handle, offset, value), 0);
        return value[0];
    }

    /// <summary>gem_close, asserted.</summary>
    public static void Close(IgtContext t, GpuDevice dev, int fd, int handle) => t.AssertEq(dev.CloseBuffer(fd, handle), 0);

    /// <summary>gem_execbuf: submits and asserts success; returns the out-fence.</summary>
    public static DmaFence Execbuf(IgtContext t, GpuDevice dev, ExecbufArgs args)
    {
        t.AssertEq(dev.Execbuf(args, out DmaFence? fence), 0);
        return fence!;
    }

    /// <summary>__gem_execbuf: the errno (0 or negative) and the out-fence when it succeeded.</summary>
    public static int TryExecbuf(GpuDevice dev, ExecbufArgs args, out DmaFence? fence) => dev.Execbuf(args, out fence);

    /// <summary>Submits a nop batch on <paramref name="engine"/> (gem_reset_stats' noop); returns the errno and the fence.</summary>
    public static int Noop(IgtContext t, GpuDevice dev, int fd, int ctx, EngineId engine, out DmaFence? fence)
    {
        int handle = BatchEnd(t, dev, fd);
        int err = dev.Execbuf(new ExecbufArgs { Client = fd, Context = ctx, Engine = (int)engine, BatchHandle = handle }, out fence);
        dev.CloseBuffer(fd, handle);
        return err;
    }

    /// <summary>gem_sync: waits until the object is idle; fails after <see cref="IgtTime.Forever"/>.</summary>
    public static void Sync(IgtContext t, GpuDevice dev, int fd, int handle)
    {
        int err = dev.Wait(fd, handle, IgtTime.Ns(IgtTime.Forever));
        t.AssertF(err == 0, $"gem_sync of handle {handle} failed: {Errno.Name(err)}");
    }

    /// <summary>gem_wait with a timeout: 0 when idle, -ETIME when still busy.</summary>
    public static int Wait(GpuDevice dev, int fd, int handle, TimeSpan timeout) => dev.Wait(fd, handle, Math.Max(0, IgtTime.Ns(timeout)));

    /// <summary>gem_bo_busy.</summary>
    public static bool Busy(IgtContext t, GpuDevice dev, int fd, int handle)
    {
        t.AssertEq(dev.Busy(fd, handle, out bool busy), 0);
        return busy;
    }

    /// <summary>gem_context_create, asserted.</summary>
    public static int ContextCreate(IgtContext t, GpuDevice dev, int fd)
    {
        t.AssertEq(dev.CreateContext(fd, out int ctx), 0);
        return ctx;
    }

    /// <summary>gem_context_destroy, asserted.</summary>
    public static void ContextDestroy(IgtContext t, GpuDevice dev, int fd, int ctx) => t.AssertEq(dev.DestroyContext(fd, ctx), 0);

    /// <summary>gem_context_set_param, asserted.</summary>
    public static void SetParam(IgtContext t, GpuDevice dev, int fd, int ctx, ContextParam param, long value) =>
        t.AssertEq(dev.SetContextParam(fd, ctx, param, value), 0);

    /// <summary>A context that survives hangs and keeps quiet about them (gem_eio's context_create_safe).</summary>
    public static int ContextCreateSafe(IgtContext t, GpuDevice dev, int fd)
    {
        int ctx = ContextCreate(t, dev, fd);
        SetParam(t, dev, fd, ctx, ContextParam.Bannable, 0);
        return ctx;
    }

    /// <summary>
    /// gem_test_all_engines: a nop on every engine from a fresh client completes without error; the GPU is alive.
    /// </summary>
    public static void TestAllEngines(IgtContext t, GpuDevice dev)
    {
        int fd = t.OpenClient(dev);
        int handle = BatchEnd(t, dev, fd);
        var fences = new List<DmaFence>();
        foreach (EngineId e in EngineIds.All)
        {
            fences.Add(Execbuf(t, dev, new ExecbufArgs { Client = fd, Engine = (int)e, BatchHandle = handle }));
        }

        foreach (DmaFence f in fences)
        {
            t.AssertEq(IgtSync.Wait(f, IgtTime.Forever), 0);
            t.AssertEq(f.Status, 1);
        }
        t.AssertEq(dev.CloseClient(fd), 0);
    }

    /// <summary>gem_quiescent_gpu: waits (bounded) until no engine has work.</summary>
    public static void Quiescent(IgtContext t, GpuDevice dev)
    {
        DateTime deadline = DateTime.UtcNow + IgtTime.Forever;
        while (dev.Gt.Engines.Any(e => e.IsBusy))
        {
            t.AssertF(DateTime.UtcNow < deadline, "the GPU did not go idle");
            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// igt_store_word: a batch on <paramref name="engine"/> storing <paramref name="value"/> at dword
    /// <paramref name="index"/> of <paramref name="target"/> (written object), after <paramref name="inFence"/>.
    /// </summary>
    public static DmaFence StoreWord(IgtContext t, GpuDevice dev, int fd, int ctx, EngineId engine, DmaFence? inFence,
        int target, uint targetAddress, int index, uint value)
    {
        int batch = Create(t, dev, fd);
        Write(t, dev, fd, batch, 0, new BatchBuilder().StoreDword(targetAddress + (uint)index * 4, value).End().ToArray());
        DmaFence fence = Execbuf(t, dev, new ExecbufArgs
        {
            Client = fd,
            Context = ctx,
            Engine = (int)engine,
            BatchHandle = batch,
            WriteObjects = [target],
            InFences = inFence is null ? [] : [inFence],
        });
        Close(t, dev, fd, batch);
        return fence;
    }

    /// <summary>Binds an object and returns its GGTT address (the softpin offset IGT's allocator hands out).</summary>
    public static uint Offset(IgtContext t, GpuDevice dev, int fd, int handle)
    {
        t.AssertEq(dev.Bind(fd, handle, out uint offset), 0);
        return offset;
    }
}
