using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// An importer's mapping across the exporter's move. In the kernel, i915_gem_dmabuf_move_notify unbinds the import
/// only once its active work is done (i915_gem_object_unbind with I915_GEM_OBJECT_UNBIND_ACTIVE waits for it), and
/// CPU access of a dma-buf goes to the exporter's object: work submitted before a move finishes on the old pages, and
/// nothing reaches the old pages once they are freed. GpuSim switches the importer when the move's copy is made
/// (PrimeImport.MoveCompleted). Found by review (branch review4).
/// </summary>
public class ImportDuringMoveTests
{
    /// <summary>
    /// The importer's writer R1 is submitted, the exporter moves (the copy awaits R1), the importer submits R2 on the
    /// import (which maps the destination), then R1 stores. The store must land in the old pages, which the copy
    /// carries over; had R2's mapping redirected R1's binding, the copy of the old pages would overwrite it.
    /// </summary>
    [Fact]
    public void ARemapForALaterRequest_DoesNotRedirectAnEarlierRequestStillUsingTheOldPages()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        TestBuffer ctl = p.Importer.NewBuffer();
        DmaFence r1 = PrimeTestPair.Exec(p.Importer, EngineId.Rcs0,
            new BatchBuilder().SemaphoreWait(ctl.At(0), CompareOp.Equal, 1).StoreDword(p.Imported.At(2), 0x55).End(),
            p.Imported, write: true);

        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        var r2 = (Request)PrimeTestPair.Exec(p.Importer, EngineId.Bcs0, new BatchBuilder().End(), p.Imported, write: false);
        Assert.Equal(2, p.Import.Maps);
        Assert.False(move!.IsSignaled);
        Assert.Contains(move, r2.InFences);

        ctl[0] = 1;
        Assert.True(r1.Wait(Bound.Long));
        Assert.True(move.Wait(Bound.Long));
        Assert.True(r2.Wait(Bound.Long));
        Assert.Equal(1, r1.Status);
        Assert.Equal(1, r2.Status);
        // R1 wrote 0x55 through its binding; the object holds it after the move, and both sides read it.
        Assert.Equal(0x55u, p.Shared[2]);
        Assert.Equal(0x55u, p.Imported[2]);
        Assert.Same(p.Shared.Object.Pages, p.Imported.Object.Pages);
    }

    /// <summary>
    /// After the exporter's move completes (its old pages freed), the importer's CPU access — with no execbuf since —
    /// reaches the exporter's new pages, both ways.
    /// </summary>
    [Fact]
    public void TheImportersCpuAccessAfterAMove_ReachesTheExportersNewPages()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        p.Shared[1] = 3;
        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        Assert.True(move!.Wait(Bound.Long));

        p.Imported[0] = 7;
        Assert.Equal(7u, p.Shared[0]);
        Assert.Equal(3u, p.Imported[1]);
    }

    /// <summary>
    /// The same after a move, on the GPU: the importer's binding, with no execbuf since the move, is already on the
    /// new pages, so its next batch writes what the exporter reads (the remap at that execbuf finds nothing to do).
    /// </summary>
    [Fact]
    public void TheImportersNextBatchAfterAMove_WritesTheExportersNewPages()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        Assert.Equal(0, p.Exporter.Dev.MoveBuffer(p.Exporter.Client, p.Shared.Handle, out DmaFence? move));
        Assert.True(move!.Wait(Bound.Long));

        DmaFence w = PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(3), 0x99).End(), p.Imported, write: true);
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(1, w.Status);
        Assert.Equal(0x99u, p.Shared[3]);
    }
}
