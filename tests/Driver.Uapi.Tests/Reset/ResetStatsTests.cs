using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// GET_RESET_STATS (gem_reset_stats@reset-stats-ctx, @reset-count, @params): exact batch_active / batch_pending for
/// every context of several clients, the global reset count for privileged clients only, and argument checks.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class ResetStatsTests
{
    private const int Clients = 4;
    private const int ContextsPerClient = 4;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OnlyTheHungContextIsGuiltyAcrossFourClientsOfFourContexts(bool engineReset)
    {
        using var t = TestDevice.Fast(reset: r => r with { EngineResetEnabled = engineReset });
        GpuDevice dev = t.Dev;
        // Client 0 is privileged (sees reset_count); every client has its default context and three more.
        int[] clients = Enumerable.Range(0, Clients).Select(i => OpenClient(dev, privileged: i == 0)).ToArray();
        int[][] contexts = clients.Select(c => new[] { 0 }.Concat(Enumerable.Range(0, ContextsPerClient - 1).Select(_ => CreateContext(dev, c))).ToArray()).ToArray();
        var target = new TargetBuffer(dev, clients[3]);
        var stores = new StoreBatches(dev, clients[3]);

        // Running innocents on the other engines, from different clients and contexts.
        (int Client, int Ctx, EngineId Engine)[] running =
        [
            (0, 1, EngineId.Bcs0), (2, 3, EngineId.Vcs0), (3, 0, EngineId.Vecs0), (1, 1, EngineId.Ccs0),
        ];
        Spinner[] spinners = running.Select(r => StartSpinner(dev, clients[r.Client], new SpinnerOptions
        {
            Context = contexts[r.Client][r.Ctx],
            Engine = r.Engine,
        })).ToArray();
        using Spinner hang = StartSpinner(dev, clients[1], new SpinnerOptions { Context = contexts[1][2], Engine = EngineId.Rcs0, NoPreemption = true });
        // Queued but never started: not a victim either way.
        DmaFence queued = stores.Store(contexts[3][2], EngineId.Rcs0, target.Slot(0), 0x42);

        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        AssertStatus(1, queued, "queued store");
        WaitRecoveryIdle(dev);
        foreach (Spinner? s in spinners)
        {
            s.End();
        }

        int innocentStatus = engineReset ? 1 : -Errno.EAGAIN;
        foreach (Spinner? s in spinners)
        {
            AssertStatus(innocentStatus, s.Fence, "running innocent spinner");
        }

        int resets = engineReset ? 0 : 1;
        Assert.Equal(resets, dev.Reset.ResetCount);
        for (int ci = 0; ci < Clients; ci++)
        {
            for (int xi = 0; xi < ContextsPerClient; xi++)
            {
                int active = ci == 1 && xi == 2 ? 1 : 0;
                int pending = !engineReset && running.Any(r => r.Client == ci && r.Ctx == xi) ? 1 : 0;
                var expected = new ResetStats(ci == 0 ? resets : 0, active, pending);
                Assert.True(expected == Stats(dev, clients[ci], contexts[ci][xi]),
                    $"client {ci} context {xi}: expected {expected}, got {Stats(dev, clients[ci], contexts[ci][xi])}");
            }
        }
        foreach (Spinner? s in spinners)
        {
            s.Dispose();
        }
    }

    [Fact]
    public void OneFullResetCountsOnceAndOnlyPrivilegedClientsSeeIt()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int admin = OpenClient(dev, privileged: true);
        int user = OpenClient(dev);
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, admin, 0));

        dev.ForceFullReset();

        Assert.Equal(1, dev.Reset.ResetCount);
        Assert.Equal(new ResetStats(1, 0, 0), Stats(dev, admin, 0));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, user, 0));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);

        Assert.Equal(-Errno.ENOENT, dev.GetResetStats(c, ctx + 100, out _));
        Assert.Equal(-Errno.ENOENT, dev.GetResetStats(c + 100, 0, out _));
        Assert.Equal(-Errno.EINVAL, dev.GetResetStats(c, ctx, out _, flags: 1));
        Assert.Equal(-Errno.EINVAL, dev.GetResetStats(c, ctx, out _, flags: 0x80000000));
        Assert.Equal(-Errno.EINVAL, dev.GetResetStats(c, ctx, out _, pad: 1));
        Assert.Equal(0, dev.DestroyContext(c, ctx));
        Assert.Equal(-Errno.ENOENT, dev.GetResetStats(c, ctx, out _));
        Assert.Equal(0, dev.GetResetStats(c, 0, out ResetStats stats));
        Assert.Equal(new ResetStats(0, 0, 0), stats);
    }
}
