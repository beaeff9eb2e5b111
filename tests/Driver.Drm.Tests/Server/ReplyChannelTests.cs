using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// The channel's signal_pending per request: INTERRUPT names a request by its seq and may overtake it (it travels on
/// the channel, the request on the DRM fd); an interrupt for a request already answered touches no later one.
/// </summary>
public sealed class ReplyChannelTests
{
    [Fact]
    public void Interrupt_fires_the_running_requests_signal()
    {
        using var channel = new ReplyChannel(-1, 1, Environment.ProcessId);
        CancellationToken signal = channel.Begin(5);
        Assert.False(signal.IsCancellationRequested);
        channel.Interrupt(5);
        Assert.True(signal.IsCancellationRequested);
        channel.End();
    }

    [Fact]
    public void An_interrupt_that_overtook_its_request_is_pending_when_it_starts()
    {
        using var channel = new ReplyChannel(-1, 1, Environment.ProcessId);
        channel.Interrupt(7);
        Assert.True(channel.Begin(7).IsCancellationRequested);
        channel.End();
    }

    [Fact]
    public void A_stale_interrupt_leaves_later_requests_alone()
    {
        using var channel = new ReplyChannel(-1, 1, Environment.ProcessId);
        channel.Begin(3);
        channel.End();
        channel.Interrupt(3); // its reply is already on its way: nothing to interrupt
        CancellationToken next = channel.Begin(4);
        Assert.False(next.IsCancellationRequested);
        channel.Interrupt(2); // older still
        Assert.False(next.IsCancellationRequested);
        channel.End();
    }
}
