using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>
/// PREAD and PWRITE synchronise with the GPU before they copy: i915_gem_pread_ioctl waits for the object's last
/// writer (i915_gem_object_wait without I915_WAIT_ALL), i915_gem_pwrite_ioctl for every user (I915_WAIT_ALL), so a
/// pread after an execbuf that writes the object sees the batch's stores, and a pwrite is never overwritten by an
/// earlier batch. (The binary uAPI's GemReadWrite does this; GpuDevice.Read/Write copied at once.)
/// </summary>
public class PreadPwriteSyncTests
{
    [Fact]
    public void PreadWaitsForTheLastGpuWriter()
    {
        using var t = TestDevice.Fast();
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        DmaFence writer = ExecWriter(t, target, 0xc0ffee, gate);
        uint seen = 0;
        int err = int.MinValue;

        var reader = TestThread.Start("pread", () =>
        {
            Span<uint> dword = stackalloc uint[1];
            err = t.Dev.Read(t.Client, target.Handle, 0, dword);
            seen = dword[0];
        });

        // The writer is held on its in-fence: the pread must still be waiting for it.
        Assert.False(reader.TryJoin(Bound.Short), $"pread returned {err} (0x{seen:x}) before the batch writing the object ran");
        gate.Signal();
        reader.Join();
        Assert.True(writer.Wait(Bound.Long));
        Assert.Equal(0, err);
        Assert.Equal(0xc0ffeeu, seen);
    }

    [Fact]
    public void PwriteWaitsForAnEarlierGpuWriterSoItsDataIsTheLastWord()
    {
        using var t = TestDevice.Fast();
        TestBuffer target = t.NewBuffer();
        var gate = new DmaFence();
        DmaFence writer = ExecWriter(t, target, 1, gate);
        int err = int.MinValue;

        var pwrite = TestThread.Start("pwrite", () => err = t.Dev.Write(t.Client, target.Handle, 0, [2u]));

        Assert.False(pwrite.TryJoin(Bound.Short), $"pwrite returned {err} before the earlier batch writing the object ran");
        gate.Signal();
        pwrite.Join();
        Assert.True(writer.Wait(Bound.Long));
        Assert.Equal(0, err);
        Assert.Equal(2u, target[0]);
    }

    [Fact]
    public void AnInterruptedPwriteOrPreadIsEintrAndCopiesNothing()
    {
        // i915_gem_object_wait is interruptible: a signal while PWRITE/PREAD waits for the GPU ends the ioctl with
        // -EINTR (-ERESTARTSYS to the syscall layer) before any byte is copied.
        using var t = TestDevice.Fast();
        TestBuffer target = t.NewBuffer();
        target[0] = 7;
        var gate = new DmaFence();
        DmaFence writer = ExecWriter(t, target, 9, gate);
        using var signal = new CancellationTokenSource();
        int writeErr = int.MinValue, readErr = int.MinValue;
        uint[] read = [0xdead];

        var pwrite = TestThread.Start("pwrite", () => writeErr = t.Dev.Write(t.Client, target.Handle, 0, [2u], signal.Token));
        var pread = TestThread.Start("pread", () => readErr = t.Dev.Read(t.Client, target.Handle, 0, read, signal.Token));
        Assert.False(pwrite.TryJoin(Bound.Short), $"pwrite returned {writeErr} before the batch writing the object ran");
        signal.Cancel();
        pwrite.Join();
        pread.Join();

        Assert.Equal(-Errno.EINTR, writeErr);
        Assert.Equal(-Errno.EINTR, readErr);
        Assert.Equal(0xdeadu, read[0]);
        Assert.Equal(7u, target[0]);
        gate.Signal();
        Assert.True(writer.Wait(Bound.Long));
        Assert.Equal(9u, target[0]);
    }

    private static DmaFence ExecWriter(TestDevice t, TestBuffer target, uint value, DmaFence gate)
    {
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().StoreDword(target.At(0), value).End());
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = 0,
            BatchHandle = batch.Handle,
            InFences = [gate],
            WriteObjects = [target.Handle],
        }, out DmaFence? fence));
        return fence!;
    }
}
