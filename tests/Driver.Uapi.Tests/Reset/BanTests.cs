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
    /// <summary>
    /// mark_guilty: a bannable, recoverable context is banned when this hang comes within 120 s of the hang two
    /// before it (hang_timestamp[2]), i.e. on its 3rd fast hang; client_mark_guilty scores +1 for each hang within
    /// 60 s of the previous one (or of i915_gem_open) and +3 for the ban.
    /// </summary>
    [Fact]
    public void BannableContextIsBannedOnItsThirdHangAndItsClientCarriesOn()
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
        Assert.False(Context(dev, c, bad).IsBanned);

        HeartbeatHang(dev, c, bad);
        Assert.True(Context(dev, c, bad).IsBanned);
        Assert.Equal(-Errno.EIO, stores.TrySubmit(bad, EngineId.Rcs0, target.Slot(1), 2, out _));
        Assert.Equal(-Errno.EIO, Spinner.Create(dev, c, new SpinnerOptions { Context = bad }, out _));
        AssertStatus(1, stores.Store(good, EngineId.Rcs0, target.Slot(2), 3), "store by another context of the client");
        Assert.Equal(0, dev.CreateContext(c, out int fresh));
        AssertStatus(1, stores.Store(fresh, EngineId.Bcs0, target.Slot(3), 4), "store by a new context of the client");
        Assert.Equal([1u, 0u, 3u, 4u], new[] { target[0], target[1], target[2], target[3] });

        Assert.Equal(new ResetStats(0, 3, 0), Stats(dev, c, bad));
        Assert.Equal(new ResetStats(0, 0, 0), Stats(dev, c, good));
        Assert.Equal(1, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
        // +1 for each of the three hangs (each within 60 s of the previous one, the first of the open), +3 for the ban.
        Assert.Equal(6, Client(dev, c).BanScore);
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
        // Timeslicing off (timeslice_duration_ms = 0): the other context's store waits behind the spinner, which is
        // still the active request when the reset comes.
        Assert.Equal(0, dev.SetTimesliceDuration(EngineId.Bcs0, TimeSpan.Zero));

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
        // +3 for the ban, +1 because the hang came within 60 s of the client's open (i915_gem_open's hang_timestamp).
        Assert.Equal(4, Client(dev, c).BanScore);
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
        // Each non-recoverable context is banned on its first hang: +3, and +1 for a hang within 60 s of the last.
        int[] expectedScores = [4, 8, 12];
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
        ForcedHang(dev, c, ctx, EngineId.Ccs0);
        long third = Context(dev, c, ctx).LastGuiltyTimestamp;

        Assert.True(TimeSpan.FromSeconds((third - first) / (double)System.Diagnostics.Stopwatch.Frequency) > window);
        Assert.False(Context(dev, c, ctx).IsBanned);
        Assert.Equal(3, Stats(dev, c, ctx).BatchActive);
        AssertStatus(1, stores.Store(ctx, EngineId.Ccs0, target.Slot(0), 5), "store after three hangs");
        Assert.Equal(5u, target[0]);
        Assert.Equal(0, dev.Reset.Events.Count(GpuEventKind.ContextBanned));
        // Not banned, but each is still a fast hang for the client's score (the client's window is its own, 60 s).
        Assert.Equal(3, Client(dev, c).BanScore);
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
