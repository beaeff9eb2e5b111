using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Uapi;

/// <summary>Bad arguments are -EINVAL (or the errno the ioctl documents) and the device keeps working.</summary>
public class InvalidArgumentTests
{
    private static (TestDevice Device, TestBuffer Batch) Open()
    {
        var t = TestDevice.Fast();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().End());
        return (t, batch);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    public void BadEngineIsEinval(int engine)
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs { Client = t.Client, Engine = engine, BatchHandle = batch.Handle }, out DmaFence? f));
            Assert.Null(f);
            t.AssertWorks();
        }
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(2L)]
    [InlineData(-4L)]
    [InlineData(4096L)]
    [InlineData(4100L)]
    [InlineData(1L << 32)]
    [InlineData((1L << 32) + 8)]
    [InlineData(long.MaxValue - 3)]
    [InlineData(long.MinValue)]
    public void BadBatchOffsetIsEinval(long offset)
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs
            {
                Client = t.Client,
                Engine = 0,
                BatchHandle = batch.Handle,
                BatchOffset = offset,
            }, out DmaFence? f));
            Assert.Null(f);
            Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
            t.AssertWorks();
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(int.MinValue)]
    [InlineData(3)]
    public void UnknownExecFlagsAreEinval(int flags)
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs
            {
                Client = t.Client,
                Engine = 0,
                BatchHandle = batch.Handle,
                Flags = (ExecFlags)flags,
            }, out _));
            Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
            {
                Client = t.Client,
                Engine = 0,
                BatchHandle = batch.Handle,
                Flags = ExecFlags.NoCapture,
            }, out DmaFence? f));
            Assert.True(f!.Wait(Bound.Long));
            Assert.Equal(1, f.Status);
            t.AssertWorks();
        }
    }

    [Fact]
    public void NullInFenceIsEinval()
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs
            {
                Client = t.Client,
                Engine = 0,
                BatchHandle = batch.Handle,
                InFences = [new DmaFence(), null!],
            }, out _));
            t.AssertWorks();
        }
    }

    [Fact]
    public void WaitFlagsAreEinval()
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            // i915_gem_wait_ioctl: flags must be 0. (A negative timeout is not an error: it waits for as long as it
            // takes; see Ioctl/GemWaitIoctlTests.)
            long timeout = 0;
            Assert.Equal(-Errno.EINVAL, t.Dev.Wait(t.Client, batch.Handle, ref timeout, 1));
            t.AssertWorks();
        }
    }

    [Theory]
    [InlineData(ContextParam.Priority, 1024L)]
    [InlineData(ContextParam.Priority, -1024L)]
    [InlineData(ContextParam.Priority, long.MinValue)]
    [InlineData((ContextParam)0, 0L)]
    [InlineData((ContextParam)99, 1L)]
    public void BadContextParamOrValueIsEinval(ContextParam param, long value)
    {
        (TestDevice? t, TestBuffer _) = Open();
        using (t)
        {
            Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
            Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Priority, out long before));
            Assert.Equal(-Errno.EINVAL, t.Dev.SetContextParam(t.Client, ctx, param, value));
            Assert.Equal(0, t.Dev.GetContextParam(t.Client, ctx, ContextParam.Priority, out long after));
            Assert.Equal(before, after);
            t.AssertWorks(Driver.Core.Hw.EngineId.Rcs0, ctx);
        }
    }

    [Fact]
    public void UnknownContextParamCannotBeRead()
    {
        (TestDevice? t, TestBuffer _) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.GetContextParam(t.Client, 0, (ContextParam)99, out long v));
            Assert.Equal(0, v);
        }
    }

    [Fact]
    public void GoodContextParamsRoundTrip()
    {
        (TestDevice? t, TestBuffer _) = Open();
        using (t)
        {
            Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Recoverable, 0));
            Assert.Equal(0, t.Dev.GetContextParam(t.Client, 0, ContextParam.Recoverable, out long rec));
            Assert.Equal(0, rec);
            Assert.Equal(0, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, -5));
            Assert.Equal(0, t.Dev.GetContextParam(t.Client, 0, ContextParam.Priority, out long prio));
            Assert.Equal(-5, prio);
            // Raising priority or opting out of bans needs privilege.
            Assert.Equal(-Errno.EPERM, t.Dev.SetContextParam(t.Client, 0, ContextParam.Priority, 1));
            Assert.Equal(-Errno.EPERM, t.Dev.SetContextParam(t.Client, 0, ContextParam.Bannable, 0));
        }
    }

    [Fact]
    public void DestroyingTheDefaultContextIsEnoent()
    {
        (TestDevice? t, TestBuffer _) = Open();
        using (t)
        {
            // i915_gem_context_destroy_ioctl: ctx_id 0 (the default context) is -ENOENT.
            Assert.Equal(-Errno.ENOENT, t.Dev.DestroyContext(t.Client, 0));
            t.AssertWorks(Driver.Core.Hw.EngineId.Rcs0, 0);
        }
    }

    [Theory]
    [InlineData(1u, 0u)]
    [InlineData(0x80000000u, 0u)]
    [InlineData(0u, 1u)]
    public void ResetStatsWithFlagsOrPadIsEinval(uint flags, uint pad)
    {
        (TestDevice? t, TestBuffer _) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.GetResetStats(t.Client, 0, out _, flags, pad));
            Assert.Equal(0, t.Dev.GetResetStats(t.Client, 0, out ResetStats stats));
            Assert.Equal(new ResetStats(0, 0, 0), stats);
            t.AssertWorks();
        }
    }

    [Fact]
    public void ManyBadCallsInARowLeaveTheDeviceWorking()
    {
        (TestDevice? t, TestBuffer? batch) = Open();
        using (t)
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs { Client = t.Client, Engine = -i - 1, BatchHandle = batch.Handle }, out _));
                Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(new ExecbufArgs { Client = t.Client, Engine = 0, BatchHandle = batch.Handle, BatchOffset = 4 * i + 2 }, out _));
                Assert.Equal(-Errno.EINVAL, t.Dev.CreateBuffer(t.Client, -i, out _));
            }
            t.AssertWorks();
        }
    }
}
