using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Isa;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// An exported object's pages live as long as the dma-buf has importers: drm_gem_prime_export takes a reference on
/// the GEM object that only drm_gem_dmabuf_release drops, so the exporter closing its last handle releases its handle,
/// binding and mappings, not the pages another device still maps and writes.
/// </summary>
public class ExporterReleaseTests
{
    [Fact]
    public void ExporterClose_WhileImported_KeepsThePagesUntilTheLastImporterDetaches()
    {
        using var p = new PrimeTestPair(TestDevice.WithoutHeartbeat(), TestDevice.WithoutHeartbeat());
        long used = p.Exporter.Dev.Gt.Memory.UsedPages;
        Assert.Equal(0, p.Exporter.Dev.CloseBuffer(p.Exporter.Client, p.Shared.Handle));
        Assert.Equal(used, p.Exporter.Dev.Gt.Memory.UsedPages);

        // The importer still writes the pages; a new object of the exporter does not get them.
        TestBuffer other = p.Exporter.NewBuffer();
        DmaFence w = PrimeTestPair.Exec(p.Importer, EngineId.Rcs0, new BatchBuilder().StoreDword(p.Imported.At(0), 0x66).End(),
            p.Imported, write: true);
        Assert.True(w.Wait(Bound.Long));
        Assert.Equal(1, w.Status);
        Assert.Equal(0u, other[0]);
        Assert.Equal(0x66u, p.Imported[0]);

        // The importer lets go: its release (once its work is done) detaches, and the exporter's pages go with that.
        long withOther = p.Exporter.Dev.Gt.Memory.UsedPages;
        Assert.Equal(0, p.Importer.Dev.CloseBuffer(p.Importer.Client, p.Imported.Handle));
        Poll.Until(() => p.Exporter.Dev.Gt.Memory.UsedPages < withOther,
            "the exporter's pages to be freed once the last importer detached", bound: Bound.Long);
    }
}
