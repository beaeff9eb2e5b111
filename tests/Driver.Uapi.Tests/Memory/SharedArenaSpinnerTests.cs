using Driver.Core.Memory;
using Driver.Engines.Isa;
using Driver.Testing.Devices;

namespace Driver.Uapi.Tests.Memory;

/// <summary>
/// Issue 19 through the uAPI: a client maps the device's arena fd and ends a <see cref="Spinner"/> the way
/// igt_spin_end does, with a CPU store through its own mapping — into the loop head (BATCH_BUFFER_END) or into the
/// condition dword (which the conditional end compares) — and sees the spinner's "started" store there.
/// </summary>
public sealed class SharedArenaSpinnerTests
{
    [Theory]
    [InlineData(Spinner.LoopOffset)]
    [InlineData(Spinner.ConditionOffset)]
    public void SpinnerEndsOnAStoreThroughTheClientMapping(int offset)
    {
        using var t = TestDevice.WithoutHeartbeat();
        DeviceMemory memory = t.Dev.Gt.Memory;
        if (memory.ArenaFd < 0)
        {
            return; // not Linux: no memfd (Core's SharedArenaTests.ArenaIsAMemfdOnLinux checks it is only off Linux)
        }

        using var client = new SharedMapping(memory.ArenaFd, memory.ArenaSize);
        using var spin = Spinner.Start(t.Dev, t.Client);
        Assert.Equal(0, t.Dev.Map(t.Client, spin.Handle, out BufferMapping? map));
        PageRun run = Assert.Single(map!.Object.ArenaRuns());
        Poll.Until(() => client.Read(run.ArenaOffset + Spinner.PollOffset) == 1, "the spinner's started store, seen by the client",
            () => $"poll={client.Read(run.ArenaOffset + Spinner.PollOffset)}", Bound.Long);
        Assert.False(spin.Fence.IsSignaled);

        client.Write(run.ArenaOffset + offset, Mi.BatchBufferEnd);
        Assert.True(spin.Fence.Wait(Bound.Long));
        Assert.Equal(1, spin.Fence.Status);
        Assert.Equal(0, t.Dev.Reset.TotalEngineResets);
    }
}
