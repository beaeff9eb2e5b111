using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// An exported object lives as long as its dma-buf: drm_gem_prime_export takes a reference on the GEM object (and
/// drm_gem_prime_handle_to_fd keeps obj->dma_buf), dropped only by drm_gem_dmabuf_release when the dma-buf's last fd
/// closes. Closing the exporter's last handle before anyone imported the buffer must not free the pages the dma-buf
/// still names: a later import would map pages the exporter has since handed to another object.
/// </summary>
public class ExportedBufferLifetimeTests
{
    [Fact]
    public void ExporterClosesBeforeAnyImport_ALaterImportStillGetsTheBuffersOwnPages()
    {
        using var exporter = TestDevice.WithoutHeartbeat();
        using var importer = TestDevice.WithoutHeartbeat();
        Assert.Equal(0, exporter.Dev.CreateBuffer(exporter.Client, 4096, out int handle));
        Assert.Equal(0, exporter.Dev.Map(exporter.Client, handle, out BufferMapping? map));
        map![0] = 0x5eed;
        Assert.Equal(0, exporter.Dev.PrimeHandleToFd(exporter.Client, handle, out DmaBuf? buf));

        // The exporter lets go of its handle; the dma-buf (an open fd) still holds the object.
        Assert.Equal(0, exporter.Dev.CloseBuffer(exporter.Client, handle));
        TestBuffer other = exporter.NewBuffer();
        other[0] = 0x0dd;

        Assert.Equal(0, importer.Dev.PrimeFdToHandle(importer.Client, buf, out int imported));
        Assert.Equal(0, importer.Dev.Map(importer.Client, imported, out BufferMapping? importedMap));
        Assert.False(buf!.Object.IsFreed, "the dma-buf's object was freed while the dma-buf was still open");
        Assert.Equal(0x5eedu, importedMap![0]);
        importedMap[0] = 0x66;
        Assert.Equal(0x0ddu, other[0]);
    }
}
