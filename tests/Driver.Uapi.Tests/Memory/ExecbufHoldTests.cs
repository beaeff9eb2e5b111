using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Uapi.Tests.Reset;

namespace Driver.Uapi.Tests.Memory;

/// <summary>
/// eb_lookup_vmas takes a reference on every object it looks up, put by eb_release_vmas once the request is added:
/// an object whose last handle is closed while an execbuf is between its lookup and its submission is released only
/// after that submission, and then only once its work is done (i915_gem_close_object → the free worker).
/// </summary>
public sealed class ExecbufHoldTests
{
    [Fact]
    public void ABatchClosedWhileItsExecbufIsBuildingTheRequest_RunsAndIsReleasedAfterwards()
    {
        using var t = TestDevice.WithoutHeartbeat();
        GpuDevice dev = t.Dev;
        Assert.Equal(0, dev.OpenClient(out int c));
        var target = new TargetBuffer(dev, c);
        Assert.Equal(0, dev.CreateBuffer(c, DeviceMemory.PageSize, out int batch));
        Assert.Equal(0, dev.Write(c, batch, 0, new BatchBuilder().StoreDword(target.Slot(0), 0xC105ED).End().ToArray()));
        Assert.Equal(0, dev.LookupObject(c, batch, out BufferObject? bo));

        // The close lands while the request is being built: after the lookup, before the request is committed and
        // its fence is in the object's reservation (so the object looks idle).
        int closed = int.MinValue;
        dev.Gt.RequestCreated = _ =>
        {
            dev.Gt.RequestCreated = null;
            closed = dev.CloseBuffer(c, batch);
        };
        int ret = dev.Execbuf(new ExecbufArgs { Client = c, Context = 0, Engine = (int)EngineId.Rcs0, BatchHandle = batch },
            out DmaFence? fence);

        Assert.Equal(0, ret);
        Assert.Equal(0, closed);
        Assert.True(fence!.Wait(Bound.Long));
        Assert.Equal(1, fence.Status);
        Assert.Equal(0xC105EDu, target[0]);
        // Released once its work is done: unbound (and its pages freed) by the free worker.
        Poll.Until(() => bo!.Binding is null, "the closed batch object to be released after its request",
            bound: Bound.Long);
    }
}
