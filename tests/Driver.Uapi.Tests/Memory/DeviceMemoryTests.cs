using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Engines.Gt;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>The page budget: ENOMEM when exhausted, nothing leaked by a failed allocation, pages come back on free.</summary>
public class DeviceMemoryTests
{
    [Fact]
    public void ExhaustedMemoryIsEnomemAndLeaksNothing()
    {
        var memory = new DeviceMemory(4 * 4096);
        var a = new BufferObject(memory, 3 * 4096, BoFlags.None);
        DriverException e = Assert.Throws<DriverException>(() => new BufferObject(memory, 2 * 4096, BoFlags.None));
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.Equal(3, memory.UsedPages);
        var b = new BufferObject(memory, 4096, BoFlags.None);
        Assert.Equal(4, memory.UsedPages);
        a.Free();
        a.Free();
        Assert.Equal(1, memory.UsedPages);
        var c = new BufferObject(memory, 3 * 4096, BoFlags.None);
        Assert.Equal(4, memory.UsedPages);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
    }

    [Fact]
    public void DeviceReportsEnomemAndStaysUsable()
    {
        // Small device memory: the status pages and a few objects fit, a large object does not.
        DeviceConfig config = DeviceConfig.Fast() with { Gt = new GtConfig { MemoryBytes = 1 << 20, GgttBytes = 16 << 20 } };
        using var t = TestDevice.With(config);
        Assert.Equal(-Errno.ENOMEM, t.Dev.CreateBuffer(t.Client, 2 << 20, out _));
        DeviceMemory memory = t.Dev.Gt.Memory;
        long used = memory.UsedPages;
        long free = memory.TotalPages - used;
        Assert.Equal(-Errno.ENOMEM, t.Dev.CreateBuffer(t.Client, (free + 1) * 4096, out _));
        Assert.Equal(used, memory.UsedPages);
        // Exactly what is left fits; then nothing more does.
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, free * 4096, out int all));
        Assert.Equal(-Errno.ENOMEM, t.Dev.CreateBuffer(t.Client, 1, out _));
        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, all));
        Assert.Equal(used, memory.UsedPages);
        t.AssertWorks();
    }

    [Fact]
    public void ClosingAnIdleObjectReturnsItsPages()
    {
        using var t = TestDevice.Fast();
        long before = t.Dev.Gt.Memory.UsedPages;
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 5 * 4096, out int h));
        Assert.Equal(before + 5, t.Dev.Gt.Memory.UsedPages);
        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, h));
        Assert.Equal(before, t.Dev.Gt.Memory.UsedPages);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4096)]
    [InlineData(4095)]
    public void MemorySizeMustBeWholePages(long size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceMemory(size));
}
