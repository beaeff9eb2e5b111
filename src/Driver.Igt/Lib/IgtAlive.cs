using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Uapi;

namespace Driver.Igt.Lib;

/// <summary>i915_hangman's check_alive: every engine still executes a store after the hang.</summary>
public static class IgtAlive
{
    /// <summary>Where the stores start in the scratch page (so engine 0 cannot pass with a zero).</summary>
    private const int OffsetAlive = 10;

    /// <summary>Stores index+10 from every engine into a fresh client's scratch page and checks each landed.</summary>
    public static void Check(IgtContext t, GpuDevice dev)
    {
        int fd = t.OpenClient(dev);
        int scratch = IgtGem.Create(t, dev, fd);
        uint address = IgtGem.Offset(t, dev, fd, scratch);
        t.AssertEq(dev.Map(fd, scratch, out BufferMapping? map), 0);
        for (int i = 0; i < EngineIds.Count; i++)
        {
            t.AssertEqU32(map![i + OffsetAlive], 0);
        }

        int n = 0;
        foreach (EngineId e in EngineIds.All)
        {
            IgtGem.StoreWord(t, dev, fd, 0, e, null, scratch, address, n + OffsetAlive, (uint)(n + OffsetAlive));
            n++;
        }
        IgtGem.Sync(t, dev, fd, scratch);
        while (n-- > 0)
        {
            t.AssertEqU32(map![n + OffsetAlive], (uint)(n + OffsetAlive));
        }

        IgtGem.Close(t, dev, fd, scratch);
        IgtGem.Quiescent(t, dev);
        t.AssertEq(dev.CloseClient(fd), 0);
    }
}
