using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Core.Requests;
using Driver.Core.Resv;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// Dynamic dma-buf between two devices of one process: export (drm_gem_prime_handle_to_fd), import through a
/// dynamic attachment (dma_buf_dynamic_attach), the exporter's move under the reservation lock with move_notify and
/// a KERNEL fence, and implicit sync across the devices through the one shared reservation.
/// </summary>
public class DmaBufTests
{
    /// <summary>
    /// drm_gem_prime_import: the import is the exporter's pages and the exporter's dma_resv (obj->resv =
    /// dma_buf->resv): a store by the importer lands in the exporter's object, and its fence is in the shared
    /// reservation as WRITE. Exporting again gives the same dma-buf (obj->dma_buf).
    /// </summary>
    [Fact]
    public void Import_SharesThePagesAndTheReservation()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        Assert.Same(p.Shared.Object.Resv, p.Imported.Object.Resv);
        Assert.Equal(0, p.Exporter.Dev.PrimeHandleToFd(p.Exporter.Client, p.Shared.Handle, out DmaBuf? again));
        Assert.Same(p.Buf, again);
        Assert.Equal(0, p.Importer.Dev.PrimeHandleToFd(p.Importer.Client, p.Imported.Handle, out DmaBuf? reexport));
        Assert.Same(p.Buf, reexport);

        DmaFence w = PrimeTestPair.Exec(p.Importer, EngineId.Bcs0, new BatchBuilder().StoreDword(p.Imported.At(3), 0xab).End(), p.Imported, write: true);
        Assert.Contains(p.Shared.Object.Resv.Fences(DmaResvUsage.Write), e => e.Fence == w && e.Usage == DmaResvUsage.Write);
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(1, w.Status);
        Assert.Equal(0xabu, p.Shared[3]);
    }

    /// <summary>drm_gem_prime_fd_to_handle: no dma-buf is -EBADF; GpuSim refuses a self-import (-EINVAL).</summary>
    [Fact]
    public void FdToHandle_RefusesNoBufferAndSelfImport()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        Assert.Equal(-Errno.EBADF, p.Importer.Dev.PrimeFdToHandle(p.Importer.Client, null, out _));
        Assert.Equal(-Errno.EINVAL, p.Exporter.Dev.PrimeFdToHandle(p.Exporter.Client, p.Buf, out _));
        Assert.Equal(-Errno.EINVAL, p.Importer.Dev.MoveBuffer(p.Importer.Client, p.Imported.Handle, out _));
    }

    /// <summary>
    /// i915_request_await_object across devices (dma_resv_usage_rw): a writer on the importer awaits a reader still
    /// running on the exporter — the write-after-read reproducer with the reader and the writer on two devices.
    /// </summary>
    [Fact]
    public void WriteAfterRead_AcrossDevices_TheImportersWriterWaitsForTheExportersReader()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        using var reader = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { Objects = [p.Shared.Handle] });
        Assert.True(reader.WaitStarted(Bound.Long));
        var w = (Request)PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(0), 0x77).End(), p.Imported, write: true);

        Assert.Contains(reader.Fence, w.InFences);
        Assert.False(w.IsSubmitted);
        Assert.Equal(0u, p.Shared[0]);
        Assert.Equal(0, p.Exporter.Dev.Busy(p.Exporter.Client, p.Shared.Handle, out bool busy));
        Assert.True(busy);

        reader.End();
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(1, w.Status);
        Assert.Equal(0x77u, p.Shared[0]);
        Assert.True(w.StartedTimestamp >= reader.Fence.SignalTimestamp);
    }

    /// <summary>
    /// dma_buf_move_notify asserts the reservation lock (dma_resv_assert_held): every importer is told of the move
    /// with the lock held, and the KERNEL fence is in the reservation once the lock is released.
    /// </summary>
    [Fact]
    public void MoveNotify_RunsUnderTheReservationLock()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        var probe = new LockProbe();
        DmaBufAttachment attach = p.Buf.DynamicAttach(probe);

        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        Assert.Equal(1, probe.Calls);
        Assert.Equal(1, probe.CallsUnderLock);
        Assert.True(probe.SawNoKernelFence, "move_notify came after the KERNEL fence was published");
        Assert.Equal(1, p.Import.MoveNotifies);
        Assert.Equal(0, p.Import.NotifiedWithoutLock);
        Assert.True(move!.Wait(Bound.Long));
        Assert.Equal(1, move.Status);
        Assert.Contains(p.Shared.Object.Resv.Fences(DmaResvUsage.Kernel), e => e.Fence == move);

        // dma_buf_detach: a detached attachment is not notified again.
        p.Buf.Detach(attach);
        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? second));
        Assert.True(second!.Wait(Bound.Long));
        Assert.Equal(1, probe.Calls);
        Assert.Equal(2, p.Import.MoveNotifies);
    }

    /// <summary>
    /// dma_buf_map_attachment for a dynamic importer: a mapping made while a move runs is the destination, usable only
    /// after the reservation's KERNEL fence. The importer's write, submitted during the move, is held on the move
    /// fence, then lands in the new pages after the copy (which kept the old contents); the exporter sees both.
    /// </summary>
    [Fact]
    public void NewMapping_IsUsedOnlyAfterTheKernelFenceSignals()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        p.Shared[0] = 5;
        PageList oldPages = p.Shared.Object.Pages;
        using var reader = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { Engine = EngineId.Vcs0, Objects = [p.Shared.Handle] });
        Assert.True(reader.WaitStarted(Bound.Long));

        // The move awaits the running reader: it cannot copy yet.
        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        Assert.Equal(-Errno.EBUSY, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out _));
        Assert.Equal(1, p.Import.MoveNotifies);
        var w = (Request)PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(1), 0x77).End(), p.Imported, write: true);

        // Mapped again (the destination), held on the KERNEL fence; the object stays on the old pages, which the
        // reader may still use, until the move's copy is made.
        Assert.Equal(2, p.Import.Maps);
        Assert.Same(oldPages, p.Imported.Object.Pages);
        Assert.Contains(move!, w.InFences);
        Assert.False(move!.IsSignaled);
        Assert.False(w.IsSubmitted);

        reader.End();
        Assert.True(w.Wait(Bound.Long));
        Assert.True(move.IsSignaled);
        Assert.True(w.StartedTimestamp >= move.SignalTimestamp);
        Assert.Equal(1, w.Status);
        Assert.Same(p.Shared.Object.Pages, p.Imported.Object.Pages);
        Assert.Equal(5u, p.Shared[0]);
        Assert.Equal(0x77u, p.Shared[1]);
        Assert.Equal(0u, oldPages[0].ReadDword(1));

        // The exporter's own GGTT binding followed the move: its GPU reads the new contents (a stale PTE would show
        // the old page's 0 and the semaphore would never pass).
        TestBuffer seen = p.Exporter.NewBuffer();
        DmaFence r = p.Exporter.Submit(new BatchBuilder().SemaphoreWait(p.Shared.At(1), CompareOp.Equal, 0x77).StoreDword(seen.At(0), 1).End());
        Assert.True(r.Wait(Bound.Long));
        Assert.Equal(1u, seen[0]);
    }

    /// <summary>
    /// The move awaits the importer's work too (every fence of the shared reservation): a spinner of the importer on
    /// the buffer keeps the move from copying, and no page is freed under it; the memory of the old pages comes back
    /// once the move is done.
    /// </summary>
    [Fact]
    public void Move_WaitsForTheImportersWork()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        using var user = Spinner.Start(p.Importer.Dev, p.Importer.Client, new SpinnerOptions { Objects = [p.Imported.Handle] });
        Assert.True(user.WaitStarted(Bound.Long));
        long used = p.Exporter.Dev.Gt.Memory.UsedPages;

        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        Assert.False(move!.Wait(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(used + 1, p.Exporter.Dev.Gt.Memory.UsedPages);

        user.End();
        Assert.True(move.Wait(Bound.Long));
        Assert.True(move.SignalTimestamp >= user.Fence.SignalTimestamp);
        Assert.Equal(used, p.Exporter.Dev.Gt.Memory.UsedPages);
    }

    /// <summary>Records how <see cref="IDmaBufImporter.MoveNotify"/> is called.</summary>
    private sealed class LockProbe : IDmaBufImporter
    {
        public int Calls { get; private set; }

        public int CallsUnderLock { get; private set; }

        public bool SawNoKernelFence { get; private set; } = true;

        public void MoveNotify(DmaBufAttachment attachment)
        {
            Calls++;
            if (attachment.Buf.Resv.Lock.IsHeldByCurrentThread)
            {
                CallsUnderLock++;
            }

            if (!attachment.Buf.Resv.TestSignaled(DmaResvUsage.Kernel))
            {
                SawNoKernelFence = false;
            }
        }

        public void MoveCompleted(DmaBufAttachment attachment, PageList placement)
        {
        }
    }
}
