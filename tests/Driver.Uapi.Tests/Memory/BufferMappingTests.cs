using Driver.Core.Errors;
using Driver.Core.Memory;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>CPU mappings and PREAD/PWRITE: bad offsets are -EINVAL, never an exception or a stray access.</summary>
public class BufferMappingTests
{
    public static TheoryData<long> BadOffsets => new() { -4, -1, 1, 2, 3, 4094, 8192, 8190, 8196, 1L << 40, long.MaxValue, long.MaxValue - 3, long.MinValue };

    private static BufferMapping NewMapping()
    {
        var bo = new BufferObject(new DeviceMemory(16 * 4096), 8192, BoFlags.None);
        return new BufferMapping(bo);
    }

    [Fact]
    public void ReadsBackWhatWasWritten()
    {
        BufferMapping map = NewMapping();
        Assert.Equal(8192, map.Size);
        Assert.Equal(0, map.Write(0, 1));
        Assert.Equal(0, map.Write(4096, 2));
        Assert.Equal(0, map.Write(8188, 3));
        Assert.Equal(0, map.Read(8188, out uint v));
        Assert.Equal(3u, v);
        Assert.Equal(2u, map[1024]);
        map[5] = 9;
        Assert.Equal(9u, map.Object.ReadDword(20));
    }

    [Theory]
    [MemberData(nameof(BadOffsets))]
    public void BadOffsetIsEinval(long offset)
    {
        BufferMapping map = NewMapping();
        Assert.Equal(-Errno.EINVAL, map.Read(offset, out uint v));
        Assert.Equal(0u, v);
        Assert.Equal(-Errno.EINVAL, map.Write(offset, 0xbad));
        Assert.False(map.Object.IsValidDwordOffset(offset));
        for (long i = 0; i < 8192; i += 4)
        {
            Assert.Equal(0u, map.Object.ReadDword(i));
        }
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(2048L)]
    [InlineData(long.MaxValue / 4)]
    public void IndexerThrowsEinvalOutsideTheObject(long index)
    {
        BufferMapping map = NewMapping();
        Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => map[index]).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DriverException>(() => map[index] = 1).Errno);
    }

    [Theory]
    [MemberData(nameof(BadOffsets))]
    public void UapiReadWriteRejectBadOffsets(long offset)
    {
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 8192, out int h));
        Assert.Equal(-Errno.EINVAL, t.Dev.Write(t.Client, h, offset, [1u]));
        Assert.Equal(-Errno.EINVAL, t.Dev.Read(t.Client, h, offset, new uint[1]));
        t.AssertWorks();
    }

    [Fact]
    public void UapiRangesMustFitEntirely()
    {
        using var t = TestDevice.Fast();
        Assert.Equal(0, t.Dev.CreateBuffer(t.Client, 4096, out int h));
        Assert.Equal(-Errno.EINVAL, t.Dev.Write(t.Client, h, 4088, [1u, 2u, 3u]));
        Assert.Equal(-Errno.EINVAL, t.Dev.Read(t.Client, h, 4088, new uint[3]));
        Assert.Equal(0, t.Dev.Write(t.Client, h, 4088, [1u, 2u]));
        uint[] back = new uint[2];
        Assert.Equal(0, t.Dev.Read(t.Client, h, 4088, back));
        Assert.Equal([1u, 2u], back);
    }
}
