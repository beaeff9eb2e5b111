using Driver.Drm.Server;

namespace Driver.Drm.Tests.Server;

/// <summary>The server's file lifecycle and request routing, driven from C# sockets (no shim, no compiler needed).</summary>
public sealed class DrmServerTests : IDisposable
{
    private readonly FakeDrmDriver _driver = new();
    private readonly DrmServer _server;

    public DrmServerTests()
    {
        _server = new DrmServer(_driver, new DrmServerOptions { ArenaFd = _driver.ArenaFd });
    }

    public void Dispose()
    {
        _server.Dispose();
        _driver.Dispose();
    }

    private TestSocket OpenFile()
    {
        var file = new TestSocket(_server.SocketPath);
        file.Send(TestSocket.Request(ShimProtocol.OpFile));
        Assert.Equal(0, file.Receive().Status);
        return file;
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
    public void AServerThatCannotListenLeavesNoDirectoryBehind()
    {
        // Bad input at the door (a socket path where the user's own file is): a clear error, and nothing left over,
        // neither the server's directory nor its tree.
        string root = Directory.CreateTempSubdirectory("gpusim-test-").FullName;
        try
        {
            string occupied = Path.Combine(root, "not-a-socket");
            File.WriteAllText(occupied, "the user's file");
            IOException e = Assert.Throws<IOException>(() => new DrmServer(_driver, new DrmServerOptions
            {
                ArenaFd = _driver.ArenaFd,
                SocketPath = occupied,
                DirectoryRoot = root,
            }));
            Assert.Contains("exists and is not a socket", e.Message, StringComparison.Ordinal);
            Assert.Equal([occupied], Directory.GetFileSystemEntries(root));
            Assert.Equal("the user's file", File.ReadAllText(occupied));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_client_that_dropped_root_can_still_connect()
    {
        // IGT's igt_drop_root (gem_reset_stats@reset-count-*) setuid()s a fork child that keeps using the inherited
        // device fd; its thread's first request connects a reply channel, so the socket must be writable by any uid
        // and its directory searchable (capable() then says no, as it would in the kernel).
        UnixFileMode dir = File.GetUnixFileMode(Path.GetDirectoryName(_server.SocketPath)!);
        Assert.True(dir.HasFlag(UnixFileMode.OtherExecute), $"socket directory mode {dir}");
        UnixFileMode socket = File.GetUnixFileMode(_server.SocketPath);
        Assert.True(socket.HasFlag(UnixFileMode.OtherWrite), $"socket mode {socket}");
    }

    [Fact]
    public void Open_on_connect_release_at_eof()
    {
        // drm_open per open(); drm_release when the last reference goes (here: the only socket closes).
        TestSocket file = OpenFile();
        Assert.Equal(1, _driver.Opens);
        Assert.Equal(1, _server.OpenFiles);
        file.Dispose();
        Poll.Until(() => _driver.Releases == 1 && _server.OpenFiles == 0, "file released at EOF", () => $"{_driver.Releases} released", Bound.Long);
    }

    [Fact]
    public void Ioctl_is_answered_on_the_callers_channel()
    {
        using TestSocket file = OpenFile();
        (TestSocket channel, ulong token) = OpenChannel();
        using (channel)
        {
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, FakeDrmDriver.WhoAmI));
            Assert.Equal(1, channel.Receive().Status); // the first client's id
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, 0x64ee));
            Assert.Equal(-25, channel.Receive().Status); // the driver's -ENOTTY comes back as it is
        }
    }

    [Fact]
    public void Release_waits_for_a_request_in_flight()
    {
        // drm_release runs after the last fput, and an ioctl in flight holds a reference: closing the socket under a
        // blocked ioctl releases the file only once that ioctl has answered.
        TestSocket file = OpenFile();
        (TestSocket blocked, ulong blockedToken) = OpenChannel();
        (TestSocket other, ulong otherToken) = OpenChannel();
        using (blocked)
        using (other)
        {
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, blockedToken, FakeDrmDriver.Block));
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, otherToken, FakeDrmDriver.ReleaseCount));
            Assert.Equal(0, other.Receive().Status); // answered while the first ioctl still blocks
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, otherToken, FakeDrmDriver.Unblock));
            Assert.Equal(0, other.Receive().Status);
            file.Dispose();
            Assert.Equal(0, blocked.Receive().Status);
            Poll.Until(() => _driver.Releases == 1, "released after the blocked ioctl answered", () => $"{_driver.Releases} released", Bound.Long);
        }
    }

    [Fact]
    public void A_request_for_a_closed_channel_is_dropped_and_the_file_still_released()
    {
        TestSocket file = OpenFile();
        file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token: 999_999, request: FakeDrmDriver.WhoAmI));
        file.Dispose();
        Poll.Until(() => _driver.Releases == 1, "released", () => $"{_driver.Releases} released", Bound.Long);
    }

    [Fact]
    public void An_empty_message_on_a_file_socket_is_not_its_last_close()
    {
        // drm_release runs only at the last fput of the file: nothing a holder of the fd sends can release it under
        // the other holders (a copy passed to another process by SCM_RIGHTS, a fork child). A zero-length
        // SOCK_SEQPACKET message reads as 0 bytes, as EOF does, but the peer is still there: it is a malformed
        // request, not the last close.
        using TestSocket file = OpenFile();
        (TestSocket channel, ulong token) = OpenChannel();
        using (channel)
        {
            file.Send([]);
            int? status = null;
            try
            {
                file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, FakeDrmDriver.WhoAmI));
                status = channel.Receive().Status;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // the server closed the file's socket (EPIPE) or never answered
            }
            Assert.True(_driver.Releases == 0, $"the file was released by an empty message ({_driver.Releases} releases)");
            Assert.Equal(1, status); // the file still answers: the first client's id
            Assert.Equal(1, _server.OpenFiles);
        }
    }

    [Fact]
    public void A_file_and_its_requests_belong_to_the_connecting_process_not_to_the_pid_it_claims()
    {
        // drm_file_alloc: file->pid is the opener's (task_tgid(current)); an ioctl's copy_from_user/copy_to_user and
        // capable() act on the calling task. The socket is open to every uid (a client that dropped root), so a
        // client naming another process in its messages (pid 1 here) must not have the server read, write or vouch
        // for that process: the pid is the peer's (SO_PEERCRED), whatever the message says.
        const int Claimed = 1;
        using var file = new TestSocket(_server.SocketPath);
        file.Send(TestSocket.Request(ShimProtocol.OpFile, pid: Claimed));
        Assert.Equal(0, file.Receive().Status);
        Assert.Equal(Environment.ProcessId, _driver.LastOpenPid);
        using var channel = new TestSocket(_server.SocketPath);
        channel.Send(TestSocket.Request(ShimProtocol.OpChannel, pid: Claimed));
        (int status, ulong token) = channel.Receive();
        Assert.Equal(0, status);
        file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, FakeDrmDriver.CallerPid, pid: Claimed));
        Assert.Equal(Environment.ProcessId, channel.Receive().Status);
    }

    [ShimFact]
    public void A_request_naming_another_processs_channel_is_not_run_for_it()
    {
        // An ioctl runs for the task that made it and returns to it (drm_ioctl: copy_from_user/copy_to_user on
        // current's memory): no process can make one run as another or put an answer into another's wait. A request
        // on a DRM file names its thread's channel by token; one naming a channel that another process connected
        // (here a file request from this process with the token of channel_owner's channel) must not run there.
        string dir = Directory.CreateTempSubdirectory("gpusim-channel-owner-").FullName;
        string binary = Path.Combine(dir, "channel_owner");
        (int cc, string ccOutput) = ShimClient.RunTool("cc", ["-std=c11", "-Wall", "-Wextra", "-Werror", "-o", binary,
            Path.Combine(AppContext.BaseDirectory, "Native", "channel_owner.c")]);
        Assert.True(cc == 0, $"cc failed: {ccOutput}");
        var psi = new System.Diagnostics.ProcessStartInfo(binary, [_server.SocketPath])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using System.Diagnostics.Process owner = System.Diagnostics.Process.Start(psi)!;
        try
        {
            string? line = owner.StandardOutput.ReadLine();
            Assert.True(line is not null && line.StartsWith("token ", StringComparison.Ordinal), $"channel_owner said {line}");
            ulong token = ulong.Parse(line["token ".Length..], System.Globalization.CultureInfo.InvariantCulture);

            using TestSocket file = OpenFile();
            file.Send(TestSocket.Request(ShimProtocol.OpIoctl, token, FakeDrmDriver.WhoAmI));
            Assert.True(owner.WaitForExit(Bound.Long), "channel_owner did not finish");
            string rest = owner.StandardOutput.ReadToEnd().Trim();
            Assert.True(rest == "none", $"another process's request was answered on channel_owner's channel: {rest}");
        }
        finally
        {
            if (!owner.HasExited)
            {
                owner.Kill();
            }
        }
    }

    [Fact]
    public void Malformed_first_message_closes_the_connection_without_a_file()
    {
        using var bad = new TestSocket(_server.SocketPath);
        bad.Send([1, 2, 3]);
        using TestSocket file = OpenFile(); // the server is still serving
        Assert.Equal(1, _driver.Opens);
    }

    [Fact]
    public void Virtual_file_write_and_open_on_the_channel()
    {
        (TestSocket channel, ulong token) = OpenChannel();
        using (channel)
        {
            channel.Send(TestSocket.Request(ShimProtocol.OpVfileOpen, token, request: 0, path: "debugfs/i915_wedged"));
            Assert.Equal(0, channel.Receive().Status);
            Assert.Equal("0\n", File.ReadAllText(Path.Combine(_server.TreeRoot, "debug", "dri", "0", "i915_wedged")));
            channel.Send(TestSocket.Request(ShimProtocol.OpVfileOpen, token, request: 0, path: "debugfs/missing"));
            Assert.Equal(0, channel.Receive().Status); // not a driver file: the file system decides
            channel.Send(TestSocket.Request(ShimProtocol.OpVfileWrite, token, arg: 0, length: 1u << 21, path: "debugfs/i915_wedged"));
            Assert.Equal(-22, channel.Receive().Status); // over the write limit: -EINVAL
        }
    }

    [Fact]
    public void Dispose_releases_open_files_and_removes_the_socket()
    {
        using TestSocket file = OpenFile();
        string socket = _server.SocketPath;
        _server.Dispose();
        Assert.Equal(1, _driver.Releases);
        Assert.False(File.Exists(socket));
    }
}
