using Driver.Core.Memory;

namespace Driver.Core.Tests.Memory;

/// <summary>
/// Issue 19: GEM memory is one memfd both the simulator and a client process map. A store through a second mapping
/// of <see cref="DeviceMemory.ArenaFd"/> at an object's run offset is what the object reads, and the other way round.
/// </summary>
public sealed class SharedArenaTests
{
    [Fact]
    public void ArenaIsAMemfdOnLinux()
    {
        var memory = new DeviceMemory(64 * DeviceMemory.PageSize);
        Assert.Equal(OperatingSystem.IsLinux(), memory.ArenaFd >= 0);
        Assert.Equal(64L * DeviceMemory.PageSize, memory.ArenaSize);
    }

    [Fact]
    public void StoresCrossBetweenTheObjectAndASecondMapping()
    {
        var memory = new DeviceMemory(64 * DeviceMemory.PageSize);
        if (memory.ArenaFd < 0)
        {
            return; // not Linux: no memfd to map (ArenaIsAMemfdOnLinux checks this is only off Linux)
        }

        _ = new BufferObject(memory, 3 * DeviceMemory.PageSize, BoFlags.None); // so the object does not start at 0
        var bo = new BufferObject(memory, 2 * DeviceMemory.PageSize, BoFlags.None);
        using var client = new SharedMapping(memory.ArenaFd, memory.ArenaSize);
        PageRun run = Assert.Single(bo.ArenaRuns());
        Assert.Equal(3L * DeviceMemory.PageSize, run.ArenaOffset);

        client.Write(run.ArenaOffset + 0x1004, 0xc0ffee);
        Assert.Equal(0xc0ffeeu, bo.ReadDword(0x1004));

        bo.WriteDword(0x10, 0xfeed);
        Assert.Equal(0xfeedu, client.Read(run.ArenaOffset + 0x10));
    }

    /// <summary>Pages punched back on free read zero through the client's mapping too.</summary>
    [Fact]
    public void FreedObjectReadsZeroThroughTheClientMappingWhenReused()
    {
        var memory = new DeviceMemory(4 * DeviceMemory.PageSize);
        if (memory.ArenaFd < 0)
        {
            return;
        }

        using var client = new SharedMapping(memory.ArenaFd, memory.ArenaSize);
        var a = new BufferObject(memory, 4 * DeviceMemory.PageSize, BoFlags.None);
        client.Write(0x2000, 5);
        Assert.Equal(5u, a.ReadDword(0x2000));
        a.Free();
        var b = new BufferObject(memory, 4 * DeviceMemory.PageSize, BoFlags.None);
        Assert.Equal(0u, client.Read(0x2000));
        Assert.Equal(0u, b.ReadDword(0x2000));
    }
}
