using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Core.Memory;
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

    [Fact]
    public void AnObjectStaysBoundUntilEveryRequestThatUsedItSignalsNotJustTheLast()
    {
        // i915 releases an object's pages once every fence of its reservation signalled (shared fences included). The
        // last execbuf's fence alone is not enough: here it runs on another engine and signals first, while the
        // earlier request still waits behind a spinner and will store into the object. Found by the soak: a closed
        // client's target range was reused by the next round while an orphaned batch still wrote there (stray stores).
        // Heartbeat on: the closed client's persistent work keeps running (without one it would be cancelled).
        using var t = TestDevice.StarvationTolerant();
        // The earlier request must stay queued behind the spinner: no timeslice lets it in.
        Assert.Equal(0, t.Dev.SetTimesliceDuration(EngineId.Vcs0, TimeSpan.Zero));
        using var spin = Spinner.Start(t.Dev, t.Client, new SpinnerOptions { Engine = EngineId.Vcs0 });
        Assert.True(spin.WaitStarted(Bound.Long));
        Assert.Equal(0, t.Dev.OpenClient(out int client, name: "closing"));
        Assert.Equal(0, t.Dev.CreateBuffer(client, 4096, out int target));
        Assert.Equal(0, t.Dev.Bind(client, target, out uint targetAddress));
        Assert.Equal(0, t.Dev.Map(client, target, out BufferMapping? map));
        // The witness belongs to the client that stays open: the target's pages go back to device memory (zeroed) the
        // moment the queued request signals, so after that only the witness can show that the batch ran its stores.
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int witness));
        Assert.Equal(0, t.Dev.Bind(t.Client, witness, out uint witnessAddress));
        Assert.Equal(0, t.Dev.CreateBuffer(client, 4096, out int store));
        Assert.Equal(0, t.Dev.Write(client, store, 0,
            new BatchBuilder().StoreDword(targetAddress, 7).StoreDword(witnessAddress, 7).End().ToArray()));
        Assert.Equal(0, t.Dev.CreateBuffer(client, 4096, out int nop));
        Assert.Equal(0, t.Dev.Write(client, nop, 0, new BatchBuilder().End().ToArray()));
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = client, Engine = (int)EngineId.Vcs0, BatchHandle = store, Objects = [target] }, out DmaFence? queued));
        Assert.Equal(0, t.Dev.Execbuf(new ExecbufArgs { Client = client, Engine = (int)EngineId.Rcs0, BatchHandle = nop, Objects = [target] }, out DmaFence? last));
        Assert.True(last!.Wait(Bound.Long));

        Assert.Equal(0, t.Dev.CloseClient(client));

        Assert.False(queued!.IsSignaled);
        Assert.NotNull(map!.Object.Binding);
        spin.End();
        Assert.True(queued.Wait(Bound.Long));
        Assert.Equal(1, queued.Status);
        Span<uint> seen = stackalloc uint[1];
        Assert.Equal(0, t.Dev.Read(t.Client, witness, 0, seen));
        Assert.Equal(7u, seen[0]);
        Poll.Until(() => map.Object.Binding is null, "the object released once its last pending request signalled");
    }

    // The client's contexts took status-page slots (HWSP), from a page that may be new: at most one, kept for reuse
    // when its slots are freed.
    private const int NewStatusPage = 1;
}
