using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Ioctl;

/// <summary>
/// EXECBUFFER2 (i915_gem_execbuffer2_ioctl / i915_gem_do_execbuffer): each rule, and the order the kernel checks
/// them in (an argument that breaks two rules gets the earlier one's errno).
/// </summary>
public class ExecbufIoctlTests
{
    private const int NoHandle = 555;
    private const int NoContext = 77;

    private static (TestDevice Device, TestBuffer Batch) Open()
    {
        var t = TestDevice.Fast();
        TestBuffer batch = t.NewBuffer();
        batch.Write(new BatchBuilder().End());
        return (t, batch);
    }

    private static ExecbufArgs Args(TestDevice t, int batch) => new() { Client = t.Client, Engine = 0, BatchHandle = batch };

    [Fact]
    public void MissingArgumentsAreEfault()
    {
        // i915_gem_execbuffer2_ioctl: a failed copy_from_user of the arguments or the object list is -EFAULT.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EFAULT, t.Dev.Execbuf(null!, out DmaFence? f));
            Assert.Null(f);
            Assert.Equal(-Errno.EFAULT, t.Dev.Execbuf(Args(t, batch.Handle) with { Objects = null! }, out _));
            Assert.Equal(-Errno.EFAULT, t.Dev.Execbuf(Args(t, batch.Handle) with { WriteObjects = null! }, out _));
            Assert.Equal(-Errno.EFAULT, t.Dev.Execbuf(Args(t, batch.Handle) with { InFences = null! }, out _));
            t.AssertWorks();
        }
    }

    [Fact]
    public void UnknownFlagsAreEinvalBeforeTheContextIsLookedUp()
    {
        // i915_gem_check_execbuffer (__I915_EXEC_ILLEGAL_FLAGS) runs before eb_select_context.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, NoHandle) with { Context = NoContext, Flags = (ExecFlags)2 }, out _));
        }
    }

    [Fact]
    public void MisalignedBatchOffsetIsEinvalBeforeAnyLookup()
    {
        // i915_gem_check_execbuffer: a misaligned batch_start_offset is -EINVAL before anything is looked up
        // (the kernel wants 8 bytes; GpuSim dwords, see docs/uapi.md).
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, NoHandle) with { Context = NoContext, BatchOffset = 2 }, out _));
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, NoHandle) with { Context = NoContext, BatchOffset = -8 }, out _));
        }
    }

    [Fact]
    public void BadInFenceIsEinvalBeforeTheContextIsLookedUp()
    {
        // i915_gem_do_execbuffer: sync_file_get_fence failing is -EINVAL, before eb_select_context.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { Context = NoContext, InFences = [null!] }, out _));
        }
    }

    [Fact]
    public void UnknownContextIsEnoentBeforeABadEngineIsEinval()
    {
        // i915_gem_do_execbuffer: eb_select_context (-ENOENT) precedes eb_select_engine (-EINVAL).
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, batch.Handle) with { Context = NoContext, Engine = 99 }, out _));
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, NoHandle) with { Engine = 99 }, out _));
        }
    }

    [Fact]
    public void WedgedIsEioBeforeHandlesAreLookedUp()
    {
        // eb_select_engine: "ABI: Before userspace accesses the GPU (e.g. execbuffer), report EIO if the GPU is
        // already wedged" — before eb_lookup_vmas, so an unknown handle on a wedged device is -EIO.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            t.Dev.Wedge();
            Assert.Equal(-Errno.EIO, t.Dev.Execbuf(Args(t, NoHandle), out _));
            Assert.Equal(-Errno.EIO, t.Dev.Execbuf(Args(t, batch.Handle), out DmaFence? f));
            Assert.Null(f);
            // The engine check still comes first.
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { Engine = -1 }, out _));
        }
    }

    [Fact]
    public void UnknownHandleIsEnoent()
    {
        // eb_lookup_vmas: an unknown handle anywhere in the list is -ENOENT.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, NoHandle), out _));
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, batch.Handle) with { WriteObjects = [NoHandle] }, out _));
        }
    }

    [Fact]
    public void AnObjectListedTwiceIsEinval()
    {
        // eb_validate_vma: "Object [handle %d, index %d] appears more than once in object list" is -EINVAL.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            TestBuffer data = t.NewBuffer();
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { Objects = [data.Handle, data.Handle] }, out _));
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { Objects = [batch.Handle] }, out _));
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { Objects = [data.Handle], WriteObjects = [data.Handle] }, out _));
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { WriteObjects = [data.Handle, data.Handle] }, out _));
            Assert.Equal(0, t.Dev.Busy(t.Client, data.Handle, out bool busy));
            Assert.False(busy);
            t.AssertWorks();
        }
    }

    [Fact]
    public void AWrittenBatchIsEinval()
    {
        // eb_lookup_vmas: "Attempting to use self-modifying batch buffer" (the batch with EXEC_OBJECT_WRITE) is -EINVAL.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { WriteObjects = [batch.Handle] }, out _));
        }
    }

    [Theory]
    [InlineData(4096L)]
    [InlineData(8192L)]
    [InlineData(1L << 32)]
    public void BatchOffsetPastTheObjectIsEinvalAfterTheHandleLookup(long offset)
    {
        // eb_lookup_vmas: "Attempting to use out-of-bounds batch" (range_overflows_t) is -EINVAL, checked once the
        // batch is found: an unknown batch handle with such an offset is -ENOENT.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(-Errno.EINVAL, t.Dev.Execbuf(Args(t, batch.Handle) with { BatchOffset = offset }, out _));
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, NoHandle) with { BatchOffset = offset }, out _));
        }
    }

    [Fact]
    public void BannedContextIsEioAfterTheHandleLookup()
    {
        // eb_pin_engine (in eb_relocate_parse, after eb_lookup_vmas): a banned context is -EIO.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
            GpuContext context = t.Dev.Clients.Single(c => c.Id == t.Client).GetContext(ctx);
            t.Dev.Reset.Bans.BanContext(context, "test");
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, NoHandle) with { Context = ctx }, out _));
            Assert.Equal(-Errno.EIO, t.Dev.Execbuf(Args(t, batch.Handle) with { Context = ctx }, out DmaFence? f));
            Assert.Null(f);
            t.AssertWorks();
        }
    }

    [Fact]
    public void DestroyedContextIsEnoent()
    {
        // eb_select_context: i915_gem_context_lookup of a destroyed context is -ENOENT.
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            Assert.Equal(0, t.Dev.CreateContext(t.Client, out int ctx));
            Assert.Equal(0, t.Dev.DestroyContext(t.Client, ctx));
            Assert.Equal(-Errno.ENOENT, t.Dev.Execbuf(Args(t, batch.Handle) with { Context = ctx }, out _));
        }
    }

    [Fact]
    public void GoodExecbufReturnsAFenceThatSignalsOk()
    {
        (TestDevice t, TestBuffer batch) = Open();
        using (t)
        {
            TestBuffer data = t.NewBuffer();
            TestBuffer written = t.NewBuffer();
            Assert.Equal(0, t.Dev.Execbuf(Args(t, batch.Handle) with { Objects = [data.Handle], WriteObjects = [written.Handle], Flags = ExecFlags.NoCapture }, out DmaFence? f));
            Assert.True(f!.Wait(Bound.Long));
            Assert.Equal(1, f.Status);
        }
    }
}
