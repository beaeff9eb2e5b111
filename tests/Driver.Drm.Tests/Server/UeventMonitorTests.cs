using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Driver.Drm.I915;
using Driver.Drm.Server;
using Driver.Testing.Devices;

namespace Driver.Drm.Tests.Server;

/// <summary>
/// udev monitors through the server: a monitor connection gets each of the device's uevents in the kernel's netlink
/// format, raised by the real reset path of an <see cref="I915Driver"/>; and, end to end, a C program using libudev
/// under the shim sees i915's ERROR=1 on card0 as IGT's hang detector reads it.
/// </summary>
public sealed class UeventMonitorTests : IDisposable
{
    private readonly TestDevice _device = TestDevice.Fast();
    private readonly I915Driver _driver;
    private readonly DrmServer _server;

    public UeventMonitorTests()
    {
        _driver = new I915Driver(_device.Dev);
        _server = new DrmServer(_driver);
        // igt_fork_hang_detector sets i915.reset=1: a hang is then a full reset, which is what sends uevents.
        Assert.Equal(1, _driver.WriteVirtualFile("module/reset", "1"u8));
    }

    public void Dispose()
    {
        _server.Dispose();
        _driver.Dispose();
        _device.Dispose();
    }

    private static string[] Fields(byte[] message, int length) =>
        Encoding.UTF8.GetString(message, 0, length).TrimEnd('\0').Split('\0');

    [Fact]
    public void Monitor_gets_the_reset_uevents_in_netlink_format()
    {
        using var monitor = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        monitor.Connect(new UnixDomainSocketEndPoint(_server.SocketPath));
        monitor.ReceiveTimeout = (int)Bound.Long.TotalMilliseconds;
        monitor.Send(TestSocket.Request(ShimProtocol.OpUeventMonitor));
        byte[] buffer = new byte[4096];
        Assert.True(monitor.Receive(buffer) >= ShimProtocol.ReplySize); // acknowledged: registered from now on
        Assert.Equal(1, _server.UeventMonitors);

        _device.Dev.ForceReset(1, "test hang"); // intel_gt_handle_error with only full resets allowed

        // kobject_uevent_env's buffer: "ACTION@DEVPATH", then ACTION, DEVPATH, SUBSYSTEM, the device's and the
        // driver's variables, SEQNUM; one message per uevent, in the order intel_gt_reset_global sends them.
        string[] first = Fields(buffer, monitor.Receive(buffer));
        Assert.Equal("change@" + I915Driver.CardDevPath, first[0]);
        Assert.Contains("ACTION=change", first);
        Assert.Contains("SUBSYSTEM=drm", first);
        Assert.Contains("MAJOR=226", first);
        Assert.Contains("MINOR=0", first);
        Assert.Contains("ERROR=1", first);
        Assert.Equal("SEQNUM=1", first[^1]);
        Assert.Contains("RESET=1", Fields(buffer, monitor.Receive(buffer)));
        string[] done = Fields(buffer, monitor.Receive(buffer));
        Assert.Contains("ERROR=0", done);
        Assert.Equal("SEQNUM=3", done[^1]);
        Assert.Equal(3, _server.UeventsSent);

        monitor.Close();
        Poll.Until(() => _server.UeventMonitors == 0, "monitor forgotten at EOF", () => $"{_server.UeventMonitors} monitors", Bound.Long);
    }

    [UdevFact]
    public void A_libudev_monitor_under_the_shim_sees_the_error_uevent()
    {
        // The hang detector's use of libudev (igt_aux.c): a "kernel" monitor filtered on subsystem drm, polled; each
        // device's devnum compared with the DRM fd's st_rdev, ERROR read with udev_device_get_property_value.
        string exe = UdevClient.Binary;
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["LD_PRELOAD"] = ShimClient.ShimPath;
        psi.Environment["GPUSIM_DRM_SOCKET"] = _server.SocketPath;
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            Poll.Until(() => _server.UeventMonitors == 1 || p.HasExited, "the client's monitor is enabled",
                () => $"{_server.UeventMonitors} monitors", Bound.Long);
            if (p.HasExited) // the output's Result waits for the end of the process: read it only once it ended
            {
                Assert.Fail($"the client exited early: {stdout.Result}{stderr.Result}");
            }
            _device.Dev.ForceReset(1, "test hang");
            Assert.True(p.WaitForExit(Bound.Long * 2), "the client did not see the uevents");
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill();
                p.WaitForExit();
            }
        }

        string output = stdout.Result + stderr.Result;
        Assert.True(p.ExitCode == 0, $"exit {p.ExitCode} ({_server.UeventsSent} uevents sent, {_device.Dev.Reset.ResetCount} resets): {output}");
        Assert.Contains("change /devices/pci0000:00/0000:00:02.0/drm/card0 drm 226:0 ERROR=1 /dev/dri/card0 card0", output, StringComparison.Ordinal);
        Assert.Contains("ERROR=0", output, StringComparison.Ordinal);
        Assert.Contains("ok udev", output, StringComparison.Ordinal);
    }
}
