using Driver.Core.Memory;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>
/// An ioctl holds the object it looked up until it returns (i915_gem_object_lookup takes a reference, the ioctl puts
/// it): a GEM_CLOSE of the last handle from another thread meanwhile only drops the handle, and the pages are freed
/// after the ioctl is done. GpuDevice.Write (PWRITE) looked the object up without a reference, so a close in the
/// middle of a long write freed the pages under it, and the rest of the write landed in whichever object got them.
/// </summary>
public class PwriteCloseRaceTests
{
    private const int Bytes = 32 << 20;

    [Fact]
    public void APwriteRacingGemCloseNeverStoresIntoTheNextObjectsPages()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int owner = t.Client;
        int other = t.OpenClient();
        uint[] pattern = new uint[Bytes / 4];
        Array.Fill(pattern, 0xdeadbeefu);
        // A few rounds at most: the close must come while the write is still going, which a loaded machine may miss.
        for (int round = 0; round < 4; round++)
        {
            Assert.Equal(0, dev.CreateBuffer(owner, Bytes, out int ha));
            Assert.Equal(0, dev.LookupObject(owner, ha, out BufferObject? a));
            int err = int.MinValue;
            var writer = TestThread.Start("pwrite", () => err = dev.Write(owner, ha, 0, pattern));
            Poll.Until(() => a!.ReadDword(0) == 0xdeadbeefu, "the pwrite to start");
            Assert.Equal(0, dev.CloseBuffer(owner, ha)); // idle: the object is released now (or after the pwrite)
            Assert.Equal(0, dev.CreateBuffer(other, Bytes, out int hb));
            Assert.Equal(0, dev.LookupObject(other, hb, out BufferObject? b));
            bool raced = writer.Thread.IsAlive;
            writer.Join();
            Assert.Equal(0, err);

            // The other client's new object reads zero everywhere: no store of the pwrite reached it.
            for (long off = 0; off < Bytes; off += 4096)
            {
                Assert.True(b!.ReadDword(off) == 0, $"round {round}: the pwrite stored into the other client's object at 0x{off:x}");
            }

            Assert.Equal(0, dev.CloseBuffer(other, hb));
            if (raced)
            {
                return;
            }
        }
    }
}
