using Driver.Core.Contexts;
using Driver.Core.Errors;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Reset.Events;
using Driver.Testing.Devices;
using static Driver.Uapi.Tests.Reset.ResetKit;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Hang accounting and bans (gem_eio@banned, gem_reset_stats@ban, gem_ctx_exec@basic-norecovery): which contexts are
/// banned after which hangs, what a ban refuses, and the client's ban score.
/// </summary>
[Collection(ResetCollection.Name)]
public sealed class BanTests
{
    [Fact]
    public void BannableContextIsBannedOnItsSecondHangAndItsClientCarriesOn()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int bad = CreateContext(dev, c);
        int good = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);

        HeartbeatHang(dev, c, bad);
        AssertStatus(1, stores.Store(bad, EngineId.Rcs0, target.Slot(0), 1), "store after the first hang");
        Assert.False(Context(dev, c, bad).IsBanned);

        HeartbeatHang(dev, c, bad);
        Assert.True(Context(dev, c, bad).IsBanned);
        Assert.Equal(-Errno.EIO, stores.TrySubmit(bad, EngineId.Rcs0, target.Slot(1), 2, out _));
        Assert.Equal(-Errno.EIO, Spinner.Create(dev, c, new SpinnerOptions { Context = bad }, out _));
        AssertStatus(1, stores.Store(good, EngineId.Rcs0, target.Slot(2), 3), "store by another context of the client");
        Assert.Equal(0, dev.CreateContext(c, out int fresh));
        AssertStatus(1, stores.Store(fresh, EngineId.Bcs0, target.Slot(3), 4), "store by a new context of the client");
        Assert.Equal([1u, 0u, 3u, 4u], new[] { target[0], target[1], target[2], target[3] });

        Assert.Equal(new ResetStats(0, 2, 0), Stats(dev, c, bad));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, good));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
        // +3 for the banned context, +1 for a hang within the fast-hang window of the previous one.
        Assert.Equal(4, Client(dev, c).BanScore);
        Assert.False(Client(dev, c).IsBanned);
    }

    [Fact]
    public void NonRecoverableContextIsBannedOnItsFirstHangWithItsQueuedWork()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        int good = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);
        Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Recoverable, 0));

        using Spinner spin = StartSpinner(dev, c, new SpinnerOptions { Context = ctx, Engine = EngineId.Bcs0 });
        DmaFence queued = stores.Store(ctx, EngineId.Bcs0, target.Slot(0), 1);
        DmaFence innocent = stores.Store(good, EngineId.Bcs0, target.Slot(1), 2);
        dev.ForceReset(EngineId.Bcs0.Mask());

        AssertStatus(-Errno.EIO, spin.Fence, "hung spinner");
        AssertStatus(-Errno.EIO, queued, "queued work of the banned context");
        AssertStatus(1, innocent, "queued work of another context");
        Assert.Equal(0u, target[0]);
        Assert.Equal(2u, target[1]);
        Assert.True(Context(dev, c, ctx).IsBanned);
        Assert.Equal(-Errno.EIO, stores.TrySubmit(ctx, EngineId.Bcs0, target.Slot(2), 3, out _));
        Assert.Equal(new ResetStats(0, 1, 0), Stats(dev, c, ctx));
        Assert.Equal(3, Client(dev, c).BanScore);
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
    }

    [Fact]
    public void NonBannableContextIsNeverBanned()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int admin = OpenClient(dev, privileged: true);
        int user = OpenClient(dev);
        int ctx = CreateContext(dev, admin);
        var target = new TargetBuffer(dev, admin);
        var stores = new StoreBatches(dev, admin);
        // Only a privileged client may opt out of bans.
        Assert.Equal(-Errno.EPERM, dev.SetContextParam(user, 0, ContextParam.Bannable, 0));
        Assert.Equal(0, dev.SetContextParam(admin, ctx, ContextParam.Bannable, 0));
        Assert.Equal(0, dev.GetContextParam(admin, ctx, ContextParam.Bannable, out long bannable));
        Assert.Equal(0, bannable);

        for (int hang = 0; hang < 3; hang++)
        {
            ForcedHang(dev, admin, ctx, EngineId.Vcs0);
            AssertStatus(1, stores.Store(ctx, EngineId.Vcs0, target.Slot(hang), (uint)hang + 1), $"store after hang {hang + 1}");
        }

        Assert.False(Context(dev, admin, ctx).IsBanned);
        Assert.Equal([1u, 2u, 3u], new[] { target[0], target[1], target[2] });
        Assert.Equal(3, Stats(dev, admin, ctx).BatchActive);
        Assert.Equal(0, Client(dev, admin).BanScore);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
    }

    [Fact]
    public void RepeatedBansBanTheClient()
    {
        using var t = TestDevice.Fast();
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int[] expectedScores = [3, 7, 11];
        foreach (int expected in expectedScores)
        {
            int ctx = CreateContext(dev, c);
            Assert.Equal(0, dev.SetContextParam(c, ctx, ContextParam.Recoverable, 0));
            ForcedHang(dev, c, ctx, EngineId.Rcs0);
            Assert.True(Context(dev, c, ctx).IsBanned);
            Assert.Equal(expected, Client(dev, c).BanScore);
        }

        Assert.True(Client(dev, c).IsBanned);
        Assert.Equal(-Errno.EIO, dev.CreateContext(c, out _));
        Assert.Equal(3, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ClientBanned));
        // Another client is not affected.
        Assert.Equal(0, dev.CreateContext(OpenClient(dev), out _));
    }

    [Fact]
    public void HangsFartherApartThanTheBanWindowDoNotBan()
    {
        var window = TimeSpan.FromTicks(10); // one microsecond: any two hangs are farther apart
        using var t = TestDevice.Fast(reset: r => r with { BanWindow = window });
        GpuDevice dev = t.Dev;
        int c = OpenClient(dev);
        int ctx = CreateContext(dev, c);
        var target = new TargetBuffer(dev, c);
        var stores = new StoreBatches(dev, c);

        ForcedHang(dev, c, ctx, EngineId.Ccs0);
        long first = Context(dev, c, ctx).LastGuiltyTimestamp;
        ForcedHang(dev, c, ctx, EngineId.Ccs0);
        long second = Context(dev, c, ctx).LastGuiltyTimestamp;

        Assert.True(TimeSpan.FromSeconds((second - first) / (double)System.Diagnostics.Stopwatch.Frequency) > window);
        Assert.False(Context(dev, c, ctx).IsBanned);
        Assert.Equal(2, Stats(dev, c, ctx).BatchActive);
        AssertStatus(1, stores.Store(ctx, EngineId.Ccs0, target.Slot(0), 5), "store after two hangs");
        Assert.Equal(5u, target[0]);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
        // Not banned, but still a fast hang for the client's score.
        Assert.Equal(1, Client(dev, c).BanScore);
    }

    /// <summary>A non-preemptible spinner on rcs0 found by the heartbeat; returns once recovery is done.</summary>
    private static void HeartbeatHang(GpuDevice dev, int client, int ctx)
    {
        using Spinner hang = StartSpinner(dev, client, new SpinnerOptions { Context = ctx, Engine = EngineId.Rcs0, NoPreemption = true });
        AssertStatus(-Errno.EIO, hang.Fence, "hung spinner");
        WaitRecoveryIdle(dev);
    }

    /// <summary>A running spinner blamed by a forced reset of its engine (synchronous).</summary>
    private static void ForcedHang(GpuDevice dev, int client, int ctx, EngineId engine)
    {
        using Spinner spin = StartSpinner(dev, client, new SpinnerOptions { Context = ctx, Engine = engine });
        dev.ForceReset(engine.Mask());
        AssertStatus(-Errno.EIO, spin.Fence, "spinner blamed by the forced reset");
    }

    private static Client Client(GpuDevice dev, int client) => dev.Clients.Single(x => x.Id == client);

    private static GpuContext Context(GpuDevice dev, int client, int ctx) => Client(dev, client).GetContext(ctx);
}
