using System.CommandLine;
using Driver.Drm.Server;
using Driver.Sim.Cli;
using Driver.Sim.Logging;
using Serilog.Core;

namespace Driver.Sim.Drm;

/// <summary>
/// <c>gpusim serve</c>: one simulated device on a unix socket, until Ctrl-C. Any program run with the printed
/// LD_PRELOAD and GPUSIM_DRM_SOCKET sees it as /dev/dri/card0 (and its debugfs/sysfs files).
/// </summary>
public static class ServeCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var socket = new Option<string?>("--socket") { Description = "The socket's path (default: one in a new temporary directory)", HelpName = "PATH" };
        var driver = new Option<string>("--driver") { Description = $"The device: {string.Join(", ", DrmDrivers.Names)} (default {DrmDrivers.Default})", DefaultValueFactory = _ => DrmDrivers.Default };
        Option<int?> memory = DrmDrivers.MemoryOption();
        var log = new Option<string?>("--log") { Description = "Log every DRM file, ioctl and virtual-file write into FILE", HelpName = "FILE" };
        var cmd = new Command("serve", "Serve a simulated i915 on a unix socket for programs run under the DRM shim (LD_PRELOAD)");
        foreach (Option o in new Option[] { socket, driver, memory, log })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(pr => Run(pr.GetValue(socket), pr.GetValue(driver) ?? DrmDrivers.Default, pr.GetValue(memory) ?? DrmDrivers.DefaultMemoryMb, pr.GetValue(log), pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error, Interrupt.Current.Token));
        return cmd;
    }

    /// <summary>Serves until <paramref name="stop"/> is cancelled; returns the exit code.</summary>
    public static int Run(string? socketPath, string driverName, int memoryMb, string? logFile, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        if (!File.Exists(ShimLauncher.ShimPath))
        {
            CliMessages.Warning(stderr, $"the DRM shim is missing ({ShimLauncher.ShimPath}): gpusim was built without a C compiler, so no client can reach this server");
        }
        if (socketPath is not null && Path.GetDirectoryName(Path.GetFullPath(socketPath)) is { } dir && !Directory.Exists(dir))
        {
            return CliMessages.Usage(stderr, "serve", $"--socket: no such directory: {dir}");
        }
        Outputs outputs = new Outputs().File("--log", "log", logFile);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        using Logger log = LogSetup.Create(stderr, new LogOptions { File = logFile, ConsoleLevel = Serilog.Events.LogEventLevel.Error });
        using DrmDriverInstance? driver = DrmDrivers.Create(driverName, memoryMb, log, out string? error);
        if (driver is null)
        {
            return CliMessages.Usage(stderr, "serve", error!);
        }
        DrmServer server;
        try
        {
            server = new DrmServer(driver.Driver, new DrmServerOptions { SocketPath = socketPath, ArenaFd = driver.ArenaFd, MinorDrivers = driver.MinorDrivers, Log = log });
        }
        catch (IOException e)
        {
            CliMessages.Error(stderr, socketPath is null ? e.Message : $"--socket: {e.Message}");
            return ExitCodes.Usage;
        }
        using (server)
        using (Interrupt.Current.Graceful())
        {
            stdout.WriteLine($"gpusim: serving a simulated i915 ({driverName}) on {server.SocketPath}; debugfs/sysfs in {server.TreeRoot}");
            stdout.WriteLine($"run a client with: LD_PRELOAD={ShimLauncher.ShimPath} {ShimLauncher.SocketVariable}={server.SocketPath} PROGRAM");
            stdout.WriteLine("Ctrl-C to stop");
            stdout.Flush();
            stop.WaitHandle.WaitOne();
        }
        return ExitCodes.Ok;
    }
}
