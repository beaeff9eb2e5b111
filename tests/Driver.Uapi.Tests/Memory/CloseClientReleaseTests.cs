using Driver.Core.Fences;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>
/// Closing a client drops every handle it still had, as drm_gem_release does: idle objects are freed at once, busy
/// ones when their work completes. (Found by the soak: closed clients kept their objects' pages and GGTT ranges.)
/// </summary>
public class CloseClientReleaseTests
{
    /// <summary>
    /// An ioctl that looked its client up just before the file was closed must not add to the closed client's
    /// tables: the close has already released them, so an object added then was never freed. (Found by the uAPI
    /// fuzzer: GEM_CREATE of 256 MiB racing CLOSE leaked the whole device memory; the next create got ENOMEM.)
    /// </summary>
    [Fact]
    public void AClosedClientTakesNoNewObjectOrContext()
    {
        using var t = TestDevice.Fast();
        int id = t.Client;
        Core.Contexts.Client client = t.Dev.Clients.Single(c => c.Id == id);
        long basePages = t.Dev.Gt.Memory.UsedPages;
        Assert.Equal(0, t.Dev.CloseClient(id));
        var bo = new Core.Memory.BufferObject(t.Dev.Gt.Memory, 4096, Core.Memory.BoFlags.None);

        Core.Errors.DriverException objectRefused = Assert.Throws<Core.Errors.DriverException>(() => client.AddObject(bo));
        Core.Errors.DriverException contextRefused = Assert.Throws<Core.Errors.DriverException>(() => client.CreateContext());

        Assert.Equal(Core.Errors.Errno.ENOENT, objectRefused.Errno);
        Assert.Equal(Core.Errors.Errno.ENOENT, contextRefused.Errno);
        Assert.Empty(client.Objects);
        bo.Free();
        Assert.Equal(basePages, t.Dev.Gt.Memory.UsedPages);
    }

    [Fact]
    public void AClosedClientsObjectsAreFreedIdleOrBusy()
    {
        using var t = TestDevice.Fast();
        t.AssertWorks();
        long basePages = t.Dev.Gt.Memory.UsedPages;
        int baseNodes = t.Dev.Gt.Ggtt.NodeCount;
        Assert.Equal(0, t.Dev.OpenClient(out int client, name: "closing"));
        Assert.Equal(0, t.Dev.CreateBuffer(client, 4 * 4096, out int idle));
        Assert.Equal(0, t.Dev.Bind(client, idle, out _));
        Assert.Equal(0, t.Dev.CreateBuffer(client, 4096, out int batch));
        Assert.Equal(0, t.Dev.Write(client, batch, 0, new BatchBuilder().Work(2_000_000).End().ToArray()));
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = client, Engine = 0, BatchHandle = batch, Objects = [idle] }, out DmaFence? fence));

        Assert.Equal(0, t.Dev.CloseClient(client));

        Assert.True(fence!.Wait(Bound.Long));
        // The busy objects are released in the fence's callback, which may still be running when IsSignaled reads true.
        Poll.Until(() => t.Dev.Gt.Memory.UsedPages <= basePages + NewStatusPage, "the closed client's pages freed",
            () => $"{t.Dev.Gt.Memory.UsedPages - basePages} pages left");
        Poll.Until(() => t.Dev.Gt.Ggtt.NodeCount <= baseNodes + NewStatusPage, "the closed client's GGTT nodes removed",
            () => $"{t.Dev.Gt.Ggtt.NodeCount - baseNodes} GGTT nodes left");
    }

    // The client's contexts took status-page slots (HWSP), from a page that may be new: at most one, never freed.
    private const int NewStatusPage = 1;
}
