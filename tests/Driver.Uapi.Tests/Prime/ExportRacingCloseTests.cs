using Driver.Core.Memory;
using Driver.Core.Prime;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Prime;

/// <summary>
/// drm_gem_prime_handle_to_fd looks the handle up with drm_gem_object_lookup, which returns a reference taken under
/// the handle table's lock: a GEM_CLOSE of the last handle from another thread between the lookup and the dma-buf's
/// fd only drops the handle, and the object lives on in the dma-buf.
/// </summary>
public class ExportRacingCloseTests
{
    [Fact]
    public void GemCloseBetweenTheLookupAndTheDmaBufsOpen_TheDmaBufStillHoldsTheObject()
    {
        using var t = TestDevice.WithoutHeartbeat();
        long basePages = t.Dev.Gt.Memory.UsedPages;
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int handle));
        Assert.Equal(0, t.Dev.LookupObject(t.Client, handle, out BufferObject? bo));
        bo!.WriteDwords(0, [0x5eed]);
        int closes = 0;
        t.Dev.PrimeExportAfterLookup = _ =>
        {
            t.Dev.PrimeExportAfterLookup = null;
            closes++;
            Assert.Equal(0, t.Dev.CloseBuffer(t.Client, handle));
        };

        Assert.Equal(0, t.Dev.PrimeHandleToFd(t.Client, handle, out DmaBuf? buf));
        Assert.Equal(1, closes);
        Assert.False(bo.IsFreed, "the object was freed under the export: the dma-buf names freed pages");
        Assert.Equal(0x5eedu, buf!.Object.ReadDword(0));

        // drm_gem_dmabuf_release: the dma-buf's last file drops the object.
        buf.Close();
        Assert.True(bo.IsFreed, "the dma-buf's last close did not release the object");
        Assert.Equal(basePages, t.Dev.Gt.Memory.UsedPages);
    }
}
