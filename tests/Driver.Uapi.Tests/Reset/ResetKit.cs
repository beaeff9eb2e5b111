using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Core.Hw;
using Driver.Engines.Gt;
using Driver.Reset.Recovery;

namespace Driver.Uapi.Tests.Reset;

/// <summary>Shared helpers of the hang-recovery tests: configuration, bounded waits, fence and stats assertions.</summary>
internal static class ResetKit
{
    /// <summary>Upper bound for anything the tests wait for; never a timing target.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <see cref="DeviceConfig.Fast"/> (40 ms heartbeat, 10 ms preempt timeout), optionally changed by
    /// <paramref name="reset"/>.
    /// </summary>
    public static DeviceConfig Config(WedgeStrategy strategy = WedgeStrategy.Epoch, Func<ResetConfig, ResetConfig>? reset = null)
    {
        var fast = DeviceConfig.Fast(strategy);
        return reset is null ? fast : fast with { Reset = reset(fast.Reset) };
    }

    /// <summary>Opens a client, asserting success.</summary>
    public static int OpenClient(GpuDevice dev, bool privileged = false)
    {
        Assert.Equal(0, dev.OpenClient(out int client, privileged));
        return client;
    }

    /// <summary>Creates a context, asserting success.</summary>
    public static int CreateContext(GpuDevice dev, int client)
    {
        Assert.Equal(0, dev.CreateContext(client, out int ctx));
        return ctx;
    }

    /// <summary>Starts a spinner and waits (bounded) until it runs on its engine.</summary>
    public static Spinner StartSpinner(GpuDevice dev, int client, SpinnerOptions options)
    {
        var spin = Spinner.Start(dev, client, options);
        Assert.True(spin.WaitStarted(Bound), $"spinner on {options.Engine.Name()} did not start within {Bound}");
        return spin;
    }

    /// <summary>Waits (bounded) for <paramref name="fence"/> and asserts its final status.</summary>
    public static void AssertStatus(int expected, DmaFence fence, string? what = null)
    {
        Assert.True(fence.Wait(Bound), $"{what ?? fence.ToString()} did not signal within {Bound}");
        Assert.True(expected == fence.Status, $"{what ?? fence.ToString()}: expected status {expected}, got {fence.Status}");
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds; fails after <see cref="Bound"/>, with <paramref name="state"/>
    /// in the message when given.
    /// </summary>
    public static void WaitUntil(Func<bool> condition, string what, Func<string>? state = null)
    {
        var sw = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            if (sw.Elapsed >= Bound)
            {
                Assert.Fail($"timed out after {Bound} waiting for {what}{(state is null ? "" : $" ({state()})")}");
            }

            if (spin.NextSpinWillYield)
            {
                Thread.Sleep(1);
            }
            else
            {
                spin.SpinOnce();
            }
        }
    }

    /// <summary>
    /// Waits until the reset worker has no report queued or running: every recovery started so far has returned
    /// (counters and events final).
    /// </summary>
    public static void WaitRecoveryIdle(GpuDevice dev) => WaitUntil(() => dev.Worker.Pending == 0, "the reset worker to go idle");

    /// <summary>GET_RESET_STATS of one context, asserting success.</summary>
    public static ResetStats Stats(GpuDevice dev, int client, int context)
    {
        Assert.Equal(0, dev.GetResetStats(client, context, out ResetStats stats));
        return stats;
    }

    /// <summary>Engine resets of every class but <paramref name="except"/>.</summary>
    public static int OtherEngineResets(GpuDevice dev, EngineClass except) =>
        Enum.GetValues<EngineClass>().Where(c => c != except).Sum(dev.Reset.EngineResetCount);
}
