using Driver.Core.Ggtt;
using Driver.Core.Memory;
using Driver.Reset.Mmap;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Mmap;

/// <summary>
/// munmap returns only after the TLB flush of the range it unmapped (vm_munmap → unmap_region → tlb_finish_mmu): an
/// access another thread had in flight through the mapping has completed by then, and every later one faults. So a
/// GEM_CLOSE after the munmap, and the release of the object's pages it leads to, can never be overtaken by a store
/// through the old mapping.
/// </summary>
public class GttMunmapShootdownTests
{
    [Fact]
    public void AnAccessInFlightAcrossMunmapAndCloseNeverStoresIntoTheNextObjectsPages()
    {
        using var t = TestDevice.Mmap(MmapResetPolicy.Revoke);
        GpuDevice dev = t.Dev;
        dev.OpenClient(out int owner);
        dev.OpenClient(out int other);
        Assert.Equal(0, dev.CreateBuffer(owner, 8192, out int ha));
        Assert.Equal(0, dev.MapGtt(owner, ha, TilingMode.X, 512, out GttMapping? m));
        Assert.Equal(0, m!.Write(0, 1)); // faults: bound, fenced, PTEs present
        long firstPage = m.Object.Pages.Numbers[0];

        using var inFlight = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        dev.Mmaps.AccessHook = mapping =>
        {
            if (ReferenceEquals(mapping, m) && !inFlight.IsSet)
            {
                inFlight.Set();
                go.Wait(Bound.Long);
            }
        };
        var accessor = TestThread.Start("accessor", () => Assert.Equal(0, m.Write(0, 0xdeadbeef)));
        Assert.True(inFlight.Wait(Bound.Long), "the access reached its PTE");

        int hb = 0;
        var closer = TestThread.Start("munmap + close + create", () =>
        {
            m.Dispose();
            Assert.Equal(0, dev.CloseBuffer(owner, ha)); // idle: released (pages freed) at once
            Assert.Equal(0, dev.CreateBuffer(other, 8192, out hb));
        });
        // Either the munmap waits for the access in flight (the shootdown), or it does not and the close and the
        // create run at once; let the access go on in both cases.
        Poll.Until(() => !closer.Thread.IsAlive || closer.IsBlocked, "the munmap to return or wait for the access");
        go.Set();
        TestThread.JoinAll([accessor, closer]);
        dev.Mmaps.AccessHook = null;

        Assert.Equal(0, dev.LookupObject(other, hb, out BufferObject? b));
        Assert.Equal(firstPage, b!.Pages.Numbers[0]); // the freed pages went to the other client's new object
        // A new object reads zero: the old mapping's store must have landed before its pages were freed.
        Assert.Equal(0u, b.ReadDword(0));
    }
}
