using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// Hangs, resets and wedges on one device of a shared buffer leave the other working, and the fences shared between
/// them always signal: each device's recovery ends its own requests (error before signal), the other device awaits
/// them as foreign fences (i915_request_await_dma_fence with I915_FENCE_TIMEOUT, GtConfig.ForeignFenceTimeout) and
/// never resets for them.
/// </summary>
public class PrimeResetTests
{
    /// <summary>
    /// A hang on the exporter: its heartbeat resets the hung reader (-EIO); the importer's writer, held on it through
    /// the shared reservation, is released with the error passed on (i915_sw_fence_set_error_once), and the importer
    /// neither resets nor stops working; the import stays usable.
    /// </summary>
    [Fact]
    public void ExporterHang_ReleasesTheImportersWaiter_AndTheImporterKeepsWorking()
    {
        using var p = new PrimeTestPair(TestDevice.Fast(), TestDevice.Fast());
        using var hang = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Shared.Handle] });
        var w = (Request)PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(0), 1).End(), p.Imported, write: true);
        Assert.Contains(hang.Fence, w.InFences);

        Assert.True(w.Wait(Bound.Long), "the importer's waiter was never released");
        Assert.Equal(-Errno.EIO, hang.Fence.Status);
        Assert.Equal(hang.Fence.Status, w.Status);
        AssertUntouchedAndWorking(p.Importer);
        AssertImportUsable(p, 0x11);
        p.Exporter.AssertWorks();
    }

    /// <summary>The mirror image: a hang on the importer releases the exporter's waiter, and the exporter keeps working.</summary>
    [Fact]
    public void ImporterHang_ReleasesTheExportersWaiter_AndTheExporterKeepsWorking()
    {
        using var p = new PrimeTestPair(TestDevice.Fast(), TestDevice.Fast());
        using var hang = Spinner.Start(p.Importer.Dev, p.Importer.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Imported.Handle] });
        var w = (Request)PrimeTestPair.Exec(p.Exporter, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Shared.At(0), 1).End(), p.Shared, write: true);
        Assert.Contains(hang.Fence, w.InFences);

        Assert.True(w.Wait(Bound.Long), "the exporter's waiter was never released");
        Assert.Equal(-Errno.EIO, hang.Fence.Status);
        Assert.Equal(hang.Fence.Status, w.Status);
        AssertUntouchedAndWorking(p.Exporter);
        DmaFence again = PrimeTestPair.Exec(p.Exporter, EngineId.Bcs0, new BatchBuilder().StoreDword(p.Shared.At(2), 0x22).End(), p.Shared, write: true);
        Assert.True(again.Wait(Bound.Long));
        Assert.Equal(1, again.Status);
        Assert.Equal(0x22u, p.Shared[2]);
        p.Importer.AssertWorks();
    }

    /// <summary>
    /// The exporter wedges (i915_gem_set_wedged) with a reader in flight: its fences all signal with -EIO, the
    /// importer's waiter is released, and the importer — not wedged — keeps using the import; the exporter refuses
    /// new work (-EIO) but its buffer lives on for the importer.
    /// </summary>
    [Fact]
    public void ExporterWedged_TheImporterKeepsWorkingOnTheImport()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        using var reader = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { Objects = [p.Shared.Handle] });
        Assert.True(reader.WaitStarted(Bound.Long));
        DmaFence w = PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(0), 1).End(), p.Imported, write: true);

        p.Exporter.Dev.Wedge("test: exporter wedged");
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, reader.Fence.Status);
        Assert.False(p.Importer.Dev.IsWedged);
        AssertUntouchedAndWorking(p.Importer);
        AssertImportUsable(p, 0x33);
        TestBuffer bb = p.Exporter.NewBuffer();
        bb.Write(new BatchBuilder().End());
        Assert.Equal(-Errno.EIO, p.Exporter.Execbuf(bb, EngineId.Rcs0, 0, null, out _));
    }

    /// <summary>The importer wedges with a reader of the import in flight: the exporter's waiter is released and the exporter keeps working.</summary>
    [Fact]
    public void ImporterWedged_TheExporterKeepsWorking()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        using var reader = Spinner.Start(p.Importer.Dev, p.Importer.Client, new SpinnerOptions { Objects = [p.Imported.Handle] });
        Assert.True(reader.WaitStarted(Bound.Long));
        DmaFence w = PrimeTestPair.Exec(p.Exporter, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Shared.At(0), 1).End(), p.Shared, write: true);

        p.Importer.Dev.Wedge("test: importer wedged");
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, reader.Fence.Status);
        Assert.False(p.Exporter.Dev.IsWedged);
        AssertUntouchedAndWorking(p.Exporter);
        DmaFence again = PrimeTestPair.Exec(p.Exporter, EngineId.Bcs0, new BatchBuilder().StoreDword(p.Shared.At(2), 0x44).End(), p.Shared, write: true);
        Assert.True(again.Wait(Bound.Long));
        Assert.Equal(1, again.Status);
        Assert.Equal(0x44u, p.Shared[2]);
    }

    /// <summary>
    /// i915_request_await_dma_fence: the exporter's request is foreign to the importer, awaited at most
    /// GtConfig.ForeignFenceTimeout (I915_FENCE_TIMEOUT). An exporter whose reader never ends (no heartbeat, no
    /// preemption) holds the importer's writer only that long: it then runs with -ETIMEDOUT (not fatal) and its store
    /// lands, while the exporter's reader still runs.
    /// </summary>
    [Fact]
    public void ExportersNeverEndingReader_HoldsTheImporterOnlyForTheForeignFenceTimeout()
    {
        var config = DeviceConfig.Fast();
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(),
            TestDevice.With(config with { Gt = config.Gt with { ForeignFenceTimeout = TimeSpan.FromMilliseconds(100) } }));
        using var reader = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Shared.Handle] });
        Assert.True(reader.WaitStarted(Bound.Long));
        DmaFence w = PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(0), 0x55).End(), p.Imported, write: true);

        Assert.True(w.Wait(Bound.Long), "the wait on the exporter's fence was not bounded");
        Assert.Equal(-Errno.ETIMEDOUT, w.Status);
        Assert.Equal(0x55u, p.Shared[0]);
        Assert.False(reader.Fence.IsSignaled);
        reader.End();
        Assert.True(reader.Fence.Wait(Bound.Long));
        Assert.Equal(1, reader.Fence.Status);
        AssertUntouchedAndWorking(p.Importer);
    }

    /// <summary>
    /// A move over a hang: the exporter moves the buffer while a hung reader holds it; the move's copy waits for the
    /// reset to end the reader, then the KERNEL fence signals (a move never fails for a user's error), and the
    /// importer's reader, held on the KERNEL fence only, runs on the new mapping with status 1.
    /// </summary>
    [Fact]
    public void MoveOverAHangOnTheExporter_CompletesAndTheImportersNextUseRuns()
    {
        using var p = new PrimeTestPair(TestDevice.Fast(), TestDevice.Fast());
        p.Shared[0] = 9;
        using var hang = Spinner.Start(p.Exporter.Dev, p.Exporter.Client, new SpinnerOptions { NoPreemption = true, Objects = [p.Shared.Handle] });
        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        TestBuffer seen = p.Importer.NewBuffer();
        var r = (Request)Exec(p.Importer, new BatchBuilder().SemaphoreWait(p.Imported.At(0), CompareOp.Equal, 9).StoreDword(seen.At(0), 1).End(),
            read: p.Imported, written: seen);
        Assert.Contains(move!, r.InFences);
        Assert.DoesNotContain(hang.Fence, r.InFences);

        Assert.True(r.Wait(Bound.Long));
        Assert.Equal(-Errno.EIO, hang.Fence.Status);
        Assert.Equal(1, move!.Status);
        Assert.Equal(1, r.Status);
        Assert.Equal(1u, seen[0]);
        Assert.Same(p.Shared.Object.Pages, p.Imported.Object.Pages);
        AssertUntouchedAndWorking(p.Importer);
    }

    private static void AssertUntouchedAndWorking(TestDevice t)
    {
        Assert.Equal(0, t.Dev.Reset.ResetCount);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
        Assert.False(t.Dev.IsWedged);
        t.AssertWorks();
    }

    private static void AssertImportUsable(PrimeTestPair p, uint value)
    {
        DmaFence f = PrimeTestPair.Exec(p.Importer, EngineId.Bcs0, new BatchBuilder().StoreDword(p.Imported.At(2), value).End(), p.Imported, write: true);
        Assert.True(f.Wait(Bound.Long));
        Assert.Equal(1, f.Status);
        Assert.Equal(value, p.Shared[2]);
    }

    private static DmaFence Exec(TestDevice t, BatchBuilder batch, TestBuffer read, TestBuffer written)
    {
        TestBuffer bb = t.NewBuffer();
        bb.Write(batch);
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs
        {
            Client = t.Client,
            Engine = (int)EngineId.Vcs0,
            BatchHandle = bb.Handle,
            InFences = [],
            Objects = [read.Handle],
            WriteObjects = [written.Handle],
        }, out DmaFence? fence));
        return fence!;
    }
}
