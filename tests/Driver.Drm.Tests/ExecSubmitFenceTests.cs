using System.Diagnostics;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Drm.I915;
using Driver.Drm.Tests.Support;
using Driver.Engines.Isa;
using static Driver.Drm.I915.Layout.ExecbufLayout;
using static Driver.Drm.Tests.Support.ExecBuilder;

namespace Driver.Drm.Tests;

/// <summary>
/// I915_EXEC_FENCE_SUBMIT through EXECBUFFER2_WR (i915_gem_do_execbuffer → i915_request_await_execution): the
/// sync_file in rsvd2 is awaited until its request starts, not until it ends; FENCE_IN with it, or a descriptor that
/// is no sync_file, is -EINVAL; a foreign fence is awaited to its signal.
/// </summary>
public class ExecSubmitFenceTests
{
    /// <summary>Where each batch's own page is softpinned: a page apiece, so no implicit sync joins the batches.</summary>
    private const uint PageAddress = 0x1000_0000;

    /// <summary>
    /// Submits <paramref name="dwords"/> + BATCH_BUFFER_END with <paramref name="page"/> softpinned at
    /// <paramref name="address"/> (written when <paramref name="write"/>); FENCE_OUT's descriptor in <paramref name="outFd"/>.
    /// </summary>
    private static int Submit(DrmHarness h, ulong flags, ulong rsvd2, out int outFd, uint ctx, uint page, uint address,
        bool write, params uint[] dwords)
    {
        uint batch = h.Create();
        h.Write(batch, 0, [.. dwords, Mi.BatchBufferEnd]);
        ArgBuffer a = Execbuf(h, flags | FenceOut, ctx, Object(page, ObjPinned | (write ? ObjWrite : 0), address), Object(batch));
        a.SetU64(Rsvd2, rsvd2);
        int ret = h.Ioctl(Requests.Execbuffer2Wr, a);
        outFd = ret == 0 ? (int)(a.U64(Rsvd2) >> 32) : -1;
        return ret;
    }

    [Fact]
    public void ASubmitFencedBatchRunsWhileTheBatchItNamesStillRuns()
    {
        // i915_request_await_execution: the second batch starts with the first — here while the first waits on a
        // semaphore only the CPU ends, on another engine.
        using var h = DrmHarness.WithoutHeartbeat();
        uint flag = h.Create();
        uint result = h.Create();
        Assert.Equal(0, Submit(h, RingRender, 0, out int spinFd, h.CreateContext(), flag, PageAddress, write: false,
            Mi.SemaphoreWait(PageAddress, CompareOp.Equal, 1)));
        DmaFence spin = h.Fence(spinFd);

        Assert.Equal(0, Submit(h, RingBlt | FenceSubmit, (uint)spinFd, out int partnerFd, h.CreateContext(), result,
            PageAddress + 0x1000, write: true, Mi.StoreDword(PageAddress + 0x1000, 0xd0df0d)));
        DmaFence partner = h.Fence(partnerFd);

        Assert.True(partner.Wait(Bound.Long), "the submit-fenced batch never ran");
        Assert.Equal(1, partner.Status);
        Assert.Equal(0xd0df0du, h.Read(result, 0, 1)[0]);
        Assert.False(spin.IsSignaled);

        h.CpuWrite(flag, 0, 1);
        Assert.True(spin.Wait(Bound.Long));
        Assert.Equal(1, spin.Status);
    }

    [Fact]
    public void ASubmitFenceOnAForeignFenceWaitsForItsSignal()
    {
        // i915_request_await_execution → i915_request_await_external: no execution to wait for, so the signal.
        using var h = DrmHarness.Fast();
        uint page = h.Create();
        var foreign = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = h.Caller.AddFence(foreign);
        Assert.Equal(0, Submit(h, FenceSubmit, (uint)fd, out int outFd, 0, page, PageAddress, write: true,
            Mi.StoreDword(PageAddress, 5)));
        DmaFence done = h.Fence(outFd);

        // (A PREAD now would wait for the batch, as it writes the page.)
        Assert.False(done.Wait(Bound.Short));
        foreign.Signal();
        Assert.True(done.Wait(Bound.Long));
        Assert.Equal(5u, h.Read(page, 0, 1)[0]);
    }

    [Fact]
    public void SubmitFenceErrnos()
    {
        // i915_gem_do_execbuffer: FENCE_IN and FENCE_SUBMIT both name rsvd2's sync_file, so both at once is -EINVAL;
        // sync_file_get_fence failing on a descriptor that is no sync_file is -EINVAL too.
        using var h = DrmHarness.Fast();
        uint page = h.Create();
        var gate = new DmaFence(DmaFence.ContextAlloc(), 1);
        int fd = h.Caller.AddFence(gate);
        Assert.Equal(-Errno.EINVAL, Submit(h, FenceIn | FenceSubmit, (uint)fd, out _, 0, page, PageAddress, write: false));
        Assert.Equal(-Errno.EINVAL, Submit(h, FenceSubmit, 12345, out _, 0, page, PageAddress, write: false));
        gate.Signal();
        Assert.Equal(0, Submit(h, FenceSubmit, (uint)fd, out int outFd, 0, page, PageAddress, write: false));
        Assert.True(h.Fence(outFd).Wait(Bound.Long));
    }

    [Fact]
    public void ASignalerCancelledByAWedgeEndsItsWaiterWithEio()
    {
        // The signaler is held on a gate; the waiter on its start. A wedge comes first: once the gate opens, the
        // signaler meets the nop handler (-EIO, never executed) and releases its waiter with that error, which the
        // nop handler cancels in turn. Every fence signals once, error first.
        using var h = DrmHarness.Fast();
        uint first = h.Create();
        uint second = h.Create();
        var gate = new DmaFence(DmaFence.ContextAlloc(), 1);
        int gateFd = h.Caller.AddFence(gate);
        Assert.Equal(0, Submit(h, FenceIn, (uint)gateFd, out int signalFd, h.CreateContext(), first, PageAddress,
            write: true, Mi.StoreDword(PageAddress, 1)));
        Assert.Equal(0, Submit(h, RingBlt | FenceSubmit, (uint)signalFd, out int waiterFd, h.CreateContext(), second,
            PageAddress + 0x1000, write: true, Mi.StoreDword(PageAddress + 0x1000, 2)));
        DmaFence signal = h.Fence(signalFd);
        DmaFence waiter = h.Fence(waiterFd);

        h.Dev.Wedge();
        gate.Signal();

        Assert.True(waiter.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, signal.Status);
        Assert.Equal(-Errno.EIO, waiter.Status);
        Assert.Equal(1, waiter.SignalAttempts);
        Assert.Equal(0u, h.Read(first, 0, 1)[0]);
        Assert.Equal(0u, h.Read(second, 0, 1)[0]);
    }

    [Fact]
    public void AWedgeCancellingALongSubmitFenceChainDoesNotNestALevelPerLink()
    {
        // i915 runs an execute callback from irq_work (irq_execute_cb), never on the signaler's stack. A signaler
        // cancelled by a wedge releases its FENCE_SUBMIT waiter as it signals; the waiter meets the nop handler and
        // signals at once, releasing the next: released inline, that nests one level per link, and a long enough
        // chain overflows the stack (fatal to the process). Released as a fence callback, the chain stays flat.
        int shallow = StackDepthAtTheEndOfASubmitChain(2);
        int deep = StackDepthAtTheEndOfASubmitChain(100);
        Assert.True(deep - shallow < 50, $"stack depth at the chain's end: {shallow} frames for 2 links, {deep} for 100");
    }

    /// <summary>
    /// A spinner and a signaler queued behind it on one context, then <paramref name="links"/> requests on contexts of
    /// their own, each FENCE_SUBMIT on the one before; a wedge cancels the lot. The stack depth at which the last
    /// request's fence callback runs.
    /// </summary>
    private static int StackDepthAtTheEndOfASubmitChain(int links)
    {
        using var h = DrmHarness.WithoutHeartbeat();
        uint flag = h.Create();
        uint ctx = h.CreateContext();
        Assert.Equal(0, Submit(h, RingRender, 0, out _, ctx, flag, PageAddress, write: false,
            Mi.SemaphoreWait(PageAddress, CompareOp.Equal, 1)));
        Assert.Equal(0, Submit(h, RingRender, 0, out int fd, ctx, flag, PageAddress, write: false));
        for (int i = 0; i < links; i++)
        {
            Assert.Equal(0, Submit(h, RingBlt | FenceSubmit, (uint)fd, out fd, h.CreateContext(), flag, PageAddress,
                write: false));
        }

        DmaFence last = h.Fence(fd);
        Assert.False(last.IsSignaled);
        int depth = 0;
        Assert.True(last.AddCallback(new ActionFenceCallback(_ => depth = new StackTrace().FrameCount)));
        h.Dev.Wedge();
        Assert.True(last.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, last.Status);
        return depth;
    }
}
