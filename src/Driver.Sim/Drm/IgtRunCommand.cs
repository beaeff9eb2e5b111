using System.CommandLine;
using System.Diagnostics;
using Driver.Drm.Server;
using Driver.Igt;
using Driver.Sim.Cli;
using Driver.Sim.Logging;
using Serilog.Core;

namespace Driver.Sim.Drm;

/// <summary>
/// <c>gpusim igt-run BINARY [IGT ARGS...]</c>: runs an unmodified IGT binary against a simulated device. Starts a
/// <see cref="DrmServer"/> in this process, runs the binary with the DRM shim preloaded (in an IPC namespace with a
/// raised msgmnb where this process may make one), streams its output, and with <c>--results DIR</c> writes
/// igt_runner's results.json from the subtest lines, as <c>gpusim igt</c> does. The exit code is the binary's (0
/// pass, 77 skip, 98 fail; 78 when gpusim stopped it at <c>--timeout</c>), 2 for a bad command line.
/// </summary>
public static class IgtRunCommand
{
    /// <summary>IGT's exit code for a timeout (lib/igt_core.h).</summary>
    public const int TimeoutExitCode = 78;

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var binary = new Argument<string>("BINARY") { Description = "The IGT test binary (e.g. build/tests/gem_exec_fence); the arguments after it that gpusim does not know go to it (e.g. --run-subtest basic-busy)" };
        var results = new Option<string?>("--results") { Description = "Write igt_runner's results.json into this directory (created when missing)", HelpName = "DIR" };
        var name = new Option<string?>("--name") { Description = "Name of the run in results.json" };
        var driver = new Option<string>("--driver") { Description = $"The device behind the shim: {string.Join(", ", DrmDrivers.Names)} (default {DrmDrivers.Default})", DefaultValueFactory = _ => DrmDrivers.Default };
        var serverLog = new Option<string?>("--server-log") { Description = "Log every DRM file, ioctl and virtual-file write the server handles into FILE", HelpName = "FILE" };
        Option<int?> memory = DrmDrivers.MemoryOption();
        Option<int?> timeout = NumberOptions.Int("--timeout", 0, Igt.IgtCommand.MaxPerTestTimeoutSeconds,
            "Stop the binary after this many seconds (default 900; 0 for no limit)", "S");
        var cmd = new Command("igt-run", "Run an unmodified IGT binary against a simulated i915 through the DRM shim (LD_PRELOAD)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        cmd.Arguments.Add(binary);
        foreach (Option o in new Option[] { results, name, driver, memory, serverLog, timeout })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(pr => Run(new IgtRunSettings
        {
            Binary = pr.GetValue(binary)!,
            Arguments = [.. pr.UnmatchedTokens],
            ResultsDirectory = pr.GetValue(results),
            Name = pr.GetValue(name),
            Driver = pr.GetValue(driver) ?? DrmDrivers.Default,
            MemoryMb = pr.GetValue(memory) ?? DrmDrivers.DefaultMemoryMb,
            ServerLog = pr.GetValue(serverLog),
            Timeout = pr.GetValue(timeout) is int s and > 0 ? TimeSpan.FromSeconds(s) : pr.GetValue(timeout) == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(900),
        }, pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error));
        return cmd;
    }

    /// <summary>Runs the binary as <paramref name="settings"/> say; returns the exit code.</summary>
    public static int Run(IgtRunSettings settings, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(settings.Binary))
        {
            return CliMessages.Usage(stderr, "igt-run", $"no such IGT binary: {settings.Binary}");
        }
        if (!File.Exists(ShimLauncher.ShimPath))
        {
            CliMessages.Error(stderr, $"the DRM shim is missing ({ShimLauncher.ShimPath}): gpusim was built without a C compiler; install cc (e.g. apt-get install gcc) and rebuild");
            return ExitCodes.Usage;
        }
        Outputs outputs = new Outputs().Directory("--results", "results", settings.ResultsDirectory).File("--server-log", "log", settings.ServerLog);
        if (!outputs.Check(stderr))
        {
            return ExitCodes.Usage;
        }
        using Logger log = LogSetup.Create(stderr, new LogOptions { File = settings.ServerLog, ConsoleLevel = Serilog.Events.LogEventLevel.Error });
        using DrmDriverInstance? driver = DrmDrivers.Create(settings.Driver, settings.MemoryMb, log, out string? error);
        if (driver is null)
        {
            return CliMessages.Usage(stderr, "igt-run", error!);
        }
        using var server = new DrmServer(driver.Driver, new DrmServerOptions { ArenaFd = driver.ArenaFd, MinorDrivers = driver.MinorDrivers, Log = log });
        bool ipc = ShimLauncher.CanUseIpcNamespace;
        if (!ipc && ShimLauncher.HostMsgMnb() is int mnb && mnb < ShimLauncher.MsgMnb)
        {
            CliMessages.Warning(stderr, $"cannot make an IPC namespace here and kernel.msgmnb is {mnb}: IGT's multiprocess allocator may abort; run as root or set `sysctl kernel.msgmnb={ShimLauncher.MsgMnb}`");
        }
        string binaryName = Path.GetFileName(settings.Binary);
        var parser = new IgtOutputParser(binaryName);
        double start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        using Process process = Process.Start(ShimLauncher.StartInfo(Path.GetFullPath(settings.Binary), settings.Arguments, server.SocketPath, ipc))!;
        process.StandardInput.Close();
        var pump = Task.WhenAll(Pump(process.StandardOutput, stdout, parser, false), Pump(process.StandardError, stderr, parser, true));
        bool timedOut = false;
        using (Interrupt.Current.Graceful())
        {
            if (!process.WaitForExit(settings.Timeout) || Interrupt.Current.Token.IsCancellationRequested)
            {
                timedOut = true;
                CliMessages.Error(stderr, $"{binaryName} still running after {settings.Timeout.TotalSeconds:0} s: stopped");
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
        pump.Wait(TimeSpan.FromSeconds(10));
        double end = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        int code = timedOut ? TimeoutExitCode : process.ExitCode;
        IReadOnlyList<IgtTestRecord> records = parser.Records(timedOut ? IgtResult.Timeout : IgtResult.Crash);
        if (settings.ResultsDirectory is { } dir)
        {
            string path = Path.Combine(dir, "results.json");
            string json = IgtResultsWriter.ToJson(new IgtRunResult(records, start, end), settings.Name ?? $"gpusim-igt-run-{binaryName}");
            OutputFile.WriteAllText(path, json, stdout);
            stdout.WriteLine($"Results written to {path}");
        }
        return code;
    }

    private static async Task Pump(StreamReader from, TextWriter to, IgtOutputParser parser, bool isError)
    {
        while (await from.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            parser.Line(line, isError);
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }
}
