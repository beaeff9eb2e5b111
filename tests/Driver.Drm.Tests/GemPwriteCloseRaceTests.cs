using Driver.Core.Memory;
using Driver.Drm.Tests.Support;

namespace Driver.Drm.Tests;

/// <summary>
/// The binary PWRITE holds the object it looked up until it returns (i915_gem_object_lookup's reference, put when the
/// ioctl ends): a GEM_CLOSE of the last handle from another thread meanwhile drops only the handle, and the pages go
/// after the write. Found by review (review5, on the in-process path; the binary one had the same unheld lookup).
/// </summary>
public class GemPwriteCloseRaceTests
{
    private const int Bytes = 1 << 20;

    [Fact]
    public void APwriteRacingGemCloseNeverStoresIntoTheNextObjectsPages()
    {
        using var h = DrmHarness.Fast();
        int other = h.T.OpenClient();
        byte[] pattern = new byte[Bytes];
        Array.Fill(pattern, (byte)0xef);
        uint ha = h.Create(Bytes);
        ulong data = h.Caller.Put(pattern);

        // The write stops after its first chunk of user memory, until the close and the other client's create are done.
        using var midway = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        h.Caller.OnRead = address =>
        {
            if (address > data && address < data + Bytes && !midway.IsSet)
            {
                midway.Set();
                Assert.True(proceed.Wait(Bound.Long), "the test never let the pwrite go on");
            }
        };
        int err = int.MinValue;
        var writer = TestThread.Start("pwrite", () => err = h.PwriteAt(ha, 0, data, Bytes));
        Assert.True(midway.Wait(Bound.Long), "the pwrite never reached its second chunk");

        Assert.Equal(0, h.Dev.CloseBuffer(h.File.ClientId, (int)ha));
        Assert.Equal(0, h.Dev.CreateBuffer(other, Bytes, out int hb));
        Assert.Equal(0, h.Dev.LookupObject(other, hb, out BufferObject? b));
        proceed.Set();
        writer.Join();
        Assert.Equal(0, err);

        // The other client's new object reads zero everywhere: no store of the pwrite reached it.
        for (long off = 0; off < Bytes; off += 4096)
        {
            Assert.True(b!.ReadDword(off) == 0, $"the pwrite stored into the other client's object at 0x{off:x}");
        }
    }
}
