using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Testing.Devices;
using Driver.Testing.Gt;

namespace Driver.Uapi.Tests.Memory;

/// <summary>Buffer-object creation: zeroed pages, page-rounded sizes, EINVAL for bad sizes and flags.</summary>
public class BufferObjectTests
{
    [Theory]
    [InlineData(1, 4096)]
    [InlineData(4095, 4096)]
    [InlineData(4096, 4096)]
    [InlineData(4097, 8192)]
    [InlineData(3 * 4096 + 1, 4 * 4096)]
    public void SizeIsRoundedUpToWholePages(long size, long expected)
    {
        var memory = new DeviceMemory(64 * 4096);
        var bo = new BufferObject(memory, size, BoFlags.None);
        Assert.Equal(expected, bo.Size);
        Assert.Equal(expected / 4096, memory.UsedPages);
        Assert.True(bo.IsValidDwordOffset(expected - 4));
        Assert.False(bo.IsValidDwordOffset(expected));
    }

    [Fact]
    public void NewObjectsReadZerosEvenAfterMemoryWasReused()
    {
        using var t = TestDevice.Fast();
        TestBuffer first = t.NewBuffer(8192);
        for (int i = 0; i < 2048; i++)
        {
            first[i] = 0xffffffff;
        }

        Assert.Equal(0, t.Dev.CloseBuffer(t.Client, first.Handle));
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 8192, out int h));
        uint[] read = new uint[2048];
        Assert.Equal(0, t.Dev.Read(t.Client, h, 0, read));
        Assert.All(read, v => Assert.Equal(0u, v));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-4096)]
    [InlineData(long.MinValue)]
    [InlineData((1L << 30) + 1)]
    [InlineData(long.MaxValue)]
    public void BadSizeIsEinval(long size)
    {
        var memory = new DeviceMemory(16 * 4096);
        DriverException e = Assert.Throws<DriverException>(() => new BufferObject(memory, size, BoFlags.None));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(0, memory.UsedPages);

        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.CreateBuffer(t.Client, size, out _));
        t.AssertWorks();
    }

    [Theory]
    [InlineData((BoFlags)4)]
    [InlineData((BoFlags)0x80000000)]
    [InlineData(BoFlags.Capture | (BoFlags)8)]
    public void UnknownFlagsAreEinval(BoFlags flags)
    {
        var memory = new DeviceMemory(16 * 4096);
        DriverException e = Assert.Throws<DriverException>(() => new BufferObject(memory, 4096, flags));
        Assert.Equal(Errno.EINVAL, e.Errno);

        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.CreateBuffer(t.Client, 4096, out _, flags));
        t.AssertWorks();
    }

    [Fact]
    public void ClientsCannotCreateKernelObjects()
    {
        using var t = TestDevice.Fast();
        Assert.Equal(-Errno.EINVAL, t.Dev.CreateBuffer(t.Client, 4096, out _, BoFlags.Kernel));
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out _, BoFlags.Capture));
    }

    [Fact]
    public void OneGibibyteIsTheLargestSizeAccepted()
    {
        // 1 GiB passes the size check and only fails for lack of memory (allocating it for real would take a GiB of
        // this shared machine's RAM); one byte more is invalid whatever the memory.
        var memory = new DeviceMemory(16 * 4096);
        Assert.Equal(Errno.ENOMEM, Assert.Throws<DriverException>(() => new BufferObject(memory, 1L << 30, BoFlags.None)).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => new BufferObject(memory, (1L << 30) + 1, BoFlags.None)).Errno);
        Assert.Equal(0, memory.UsedPages);
    }
}
