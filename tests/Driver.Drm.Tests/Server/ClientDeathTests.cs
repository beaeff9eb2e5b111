using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// A client process that dies while one of its threads sits in an interruptible ioctl. In the kernel
/// the SIGKILL ends the wait (fatal_signal_pending), the ioctl returns, and the last fput releases the file
/// (drm_release: contexts closed, non-persistent work killed). Here the thread's channel reaching EOF must end the
/// request's interruptible waits the same way; otherwise the worker stays blocked and the file is never released.
/// </summary>
public sealed class ClientDeathTests : IDisposable
{
    private readonly FakeDrmDriver _driver = new();
    private readonly DrmServer _server;

    public ClientDeathTests()
    {
        _server = new DrmServer(_driver, new DrmServerOptions { ArenaFd = _driver.ArenaFd });
    }

    public void Dispose()
    {
        _server.Dispose();
        _driver.Dispose();
    }

    private (TestSocket Channel, ulong Token) OpenChannel()
    {
        var channel = new TestSocket(_server.SocketPath);
        channel.Send(TestSocket.Request(ShimProtocol.OpChannel));
        (int status, ulong token) = channel.Receive();
        Assert.Equal(0, status);
        return (channel, token);
    }

    [Fact]
    public void A_client_dying_in_an_interruptible_ioctl_ends_the_wait_and_releases_its_file()
    {
        var file = new TestSocket(_server.SocketPath);
        file.Send(TestSocket.Request(ShimProtocol.OpFile));
        Assert.Equal(0, file.Receive().Status);
        (TestSocket channel, ulong token) = OpenChannel();
        (TestSocket other, ulong otherToken) = OpenChannel();

        file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, FakeDrmDriver.BlockInterruptible, seq: 1));
        // The file's requests are routed in order: once another thread's ioctl on it has answered, the blocking one
        // is queued on its channel (and a channel drains what was queued even after its EOF).
        file.Send(TestSocket.Request(ShimProtocol.OpIoctl, otherToken, FakeDrmDriver.WhoAmI));
        Assert.Equal(1, other.Receive().Status);
        // The process dies: the kernel closes every socket it had; no INTERRUPT message can be sent for a SIGKILL.
        channel.Dispose();
        other.Dispose();
        file.Dispose();

        // Well inside the fake's own 10 s bound (Bound.Long), after which it would give up with -ETIMEDOUT anyway.
        var bound = TimeSpan.FromSeconds(3);
        Poll.Until(() => _driver.Interrupted == 1, "the dead client's interruptible wait to be interrupted",
            () => $"{_driver.Interrupted} interrupted", bound);
        Poll.Until(() => _driver.Releases == 1 && _server.OpenFiles == 0, "the dead client's file to be released",
            () => $"{_driver.Releases} released, {_server.OpenFiles} open", bound);
    }
}
