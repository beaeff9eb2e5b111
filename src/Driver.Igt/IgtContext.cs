using Driver.Uapi;
using Serilog;

namespace Driver.Igt;

/// <summary>
/// What a subtest (or one dynamic subtest) runs with: fresh simulated devices with its configuration, whose log is
/// its kernel log; its console and debug log; the assertion helpers (IgtContext.Asserts.cs); and
/// <see cref="Dynamic"/> for per-engine dynamic subtests.
/// </summary>
public sealed partial class IgtContext : IDisposable
{
    private readonly IgtSession _session;
    private readonly List<GpuDevice> _devices = new();
    private readonly ILogger _logger;
    private readonly Serilog.Core.Logger _loggerOwner;
    private GpuDevice? _device;
    private int? _fd;

    internal IgtContext(IgtSession session, IgtSubtest subtest, IgtContext? parent, string? dynamicName)
    {
        _session = session;
        Subtest = subtest;
        Parent = parent;
        DynamicName = dynamicName;
        Prefix = IgtSession.Prefix(subtest.Binary);
        Ring = new IgtDebugRing(parent?.Ring);
        KernelLog = new IgtKernelLog(subtest.Expect, session.Start, Ring, Prefix);
        _loggerOwner = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Sink(KernelLog).CreateLogger();
        _logger = _loggerOwner;
    }

    /// <summary>The subtest.</summary>
    public IgtSubtest Subtest { get; }

    /// <summary>The subtest this dynamic subtest belongs to; null for a subtest.</summary>
    public IgtContext? Parent { get; }

    /// <summary>The dynamic subtest's name; null for a subtest.</summary>
    public string? DynamicName { get; }

    /// <summary>The name this context reports under (the dynamic name, else the subtest's).</summary>
    public string Name => DynamicName ?? Subtest.Name;

    /// <summary>The configuration of the devices this context opens.</summary>
    public DeviceConfig Config => Subtest.Config?.Invoke() ?? DefaultConfig;

    /// <summary>The configuration subtests get unless they ask for another: <see cref="DeviceConfig.Fast"/>.</summary>
    public static DeviceConfig DefaultConfig => DeviceConfig.Fast();

    /// <summary>The device (opened on first use, like drm_open_driver in the fixture).</summary>
    public GpuDevice Device => _device ??= OpenDevice();

    /// <summary>A privileged client on <see cref="Device"/> (the test's fd), opened on first use.</summary>
    public int Fd => _fd ??= OpenClient(Device);

    internal string Prefix { get; }

    internal IgtDebugRing Ring { get; }

    internal IgtKernelLog KernelLog { get; }

    internal IgtSession Session => _session;

    /// <summary>Records of the dynamic subtests run so far (on a subtest's context).</summary>
    internal List<IgtTestRecord> DynamicRecords { get; } = new();

    /// <summary>Opens another device; <paramref name="config"/> defaults to <see cref="Config"/>. Closed with the context.</summary>
    public GpuDevice OpenDevice(DeviceConfig? config = null)
    {
        var device = new GpuDevice(config ?? Config, _logger);
        _session.Options.Trace?.Attach(device, $"igt@{Subtest.Binary}@{Subtest.Name}" + (DynamicName is null ? "" : $"@{DynamicName}"));
        lock (_devices)
        {
            _devices.Add(device);
        }

        return device;
    }

    /// <summary>Opens a client (drm_open_driver / drm_reopen_driver); privileged, like IGT running as root, unless asked.</summary>
    public int OpenClient(GpuDevice? device = null, bool privileged = true)
    {
        int err = (device ?? Device).OpenClient(out int client, privileged);
        AssertEq(err, 0);
        return client;
    }

    /// <summary>
    /// Runs a dynamic subtest (igt_dynamic) of a container (<see cref="IgtSubtest.WithDynamic"/>): <paramref name="body"/>
    /// gets a context of its own with fresh devices; a failure or skip there is reported for it alone and the subtest
    /// goes on with the next.
    /// </summary>
    public void Dynamic(string name, Action<IgtContext> body)
    {
        if (DynamicName is not null)
        {
            throw new InvalidOperationException("dynamic subtests cannot be nested");
        }

        // igt_core's internal_assert in __igt_run_dynamic_subtest: only a container may hold dynamic subtests, so
        // that one that ran none of them is known to have tested nothing (it is skipped, see IgtRunner.Aggregate).
        if (!Subtest.WithDynamic)
        {
            throw new InvalidOperationException("igt_dynamic is allowed only inside igt_subtest_with_dynamic");
        }

        IgtBinaryBuilder.CheckName(name);
        if (_session.Options.DynamicFilter is { } filter && !IgtGlob.IsMatch(filter, name))
        {
            return;
        }

        _session.RunDynamic(this, name, body);
    }

    /// <summary>Logs an informational line (igt_info): printed on stdout and kept in the debug log.</summary>
    public void Info(string message)
    {
        foreach (string line in message.Split('\n'))
        {
            _session.Output.Out(line);
            Ring.Add($"{Prefix} INFO: {line}");
        }
    }

    /// <summary>Logs a debug line (igt_debug): kept in the debug log, printed only with --debug.</summary>
    public void Debug(string message)
    {
        foreach (string line in message.Split('\n'))
        {
            Ring.Add($"{Prefix} DEBUG: {line}");
            if (_session.Options.Debug)
            {
                _session.Output.Out($"{Prefix} DEBUG: {line}");
            }
        }
    }

    /// <summary>Logs a warning (igt_warn): printed on stderr, which makes a passing result "warn".</summary>
    public void Warn(string message)
    {
        foreach (string line in message.Split('\n'))
        {
            _session.Output.Err($"{Prefix} WARNING: {line}");
            Ring.Add($"{Prefix} WARNING: {line}");
        }
    }

    /// <summary>Stops the kernel log and closes every device (in-flight work is cancelled by the device).</summary>
    public void Dispose()
    {
        KernelLog.Stop();
        GpuDevice[] devices;
        lock (_devices)
        {
            devices = _devices.ToArray();
        }

        foreach (GpuDevice d in devices)
        {
            d.Dispose();
        }

        _loggerOwner.Dispose();
    }
}
