using System.Diagnostics;
using Driver.Core.Fences;
using Driver.Core.Hw;

namespace Driver.Uapi.Tests.Reset;

/// <summary>
/// Shared helpers of the hang-recovery tests (their devices come from <see cref="Driver.Testing.Devices.TestDevice"/>):
/// clients, contexts, spinners, bounded waits, fence and stats assertions.
/// </summary>
internal static class ResetKit
{
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
        Assert.True(spin.WaitStarted(Bound.Long), $"spinner on {options.Engine.Name()} did not start within {Bound.Long}");
        return spin;
    }

    /// <summary>Waits (bounded) for <paramref name="fence"/> and asserts its final status.</summary>
    public static void AssertStatus(int expected, DmaFence fence, string? what = null)
    {
        Assert.True(fence.Wait(Bound.Long), $"{what ?? fence.ToString()} did not signal within {Bound.Long}");
        Assert.True(expected == fence.Status, $"{what ?? fence.ToString()}: expected status {expected}, got {fence.Status}");
    }

    /// <summary>
    /// Waits until the reset worker has no report queued or running: every recovery started so far has returned
    /// (counters and events final).
    /// </summary>
    public static void WaitRecoveryIdle(GpuDevice dev) => Poll.Until(() => dev.Worker.Pending == 0, "the reset worker to go idle");

    /// <summary>
    /// A condition for holds and polls that holds once <paramref name="span"/> has passed since its first evaluation
    /// and the heartbeat has since completed two sweeps (<see cref="Driver.Reset.Hangcheck.Heartbeat.Sweeps"/>): by
    /// then the heartbeat has acted on anything due within <paramref name="span"/>, however late a loaded machine ran
    /// its thread. For checks that the heartbeat does not do something.
    /// </summary>
    public static Func<bool> HeartbeatSweptAfter(GpuDevice dev, TimeSpan span)
    {
        Stopwatch? clock = null;
        long sweeps = -1;
        return () =>
        {
            clock ??= Stopwatch.StartNew();
            if (clock.Elapsed < span)
            {
                return false;
            }

            if (sweeps < 0)
            {
                sweeps = dev.Heartbeat.Sweeps;
            }

            return dev.Heartbeat.Sweeps >= sweeps + 2;
        };
    }

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
