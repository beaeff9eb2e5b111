using System.Globalization;
using System.Text;
using Driver.Core.Errors;
using Driver.Core.Hw;
using Driver.Core.Memory;
using Driver.Engines.Execution;

namespace Driver.Drm.I915;

public sealed partial class I915Driver
{
    /// <summary>i915_drop_caches_get: DROP_ALL, every bit i915_gem_drop_caches knows.</summary>
    public const ulong DropAll = 0x3ff;

    /// <summary>DROP_ACTIVE: wait for the GT to idle.</summary>
    public const ulong DropActive = 0x8;

    /// <summary>DROP_IDLE: wait for the GT to idle (and park).</summary>
    public const ulong DropIdle = 0x40;

    /// <summary>DROP_RESET_ACTIVE: wedge what does not idle in 200 ms, then reset a wedged GT back.</summary>
    public const ulong DropResetActive = 0x80;

    /// <summary>How long DROP_RESET_ACTIVE lets the engines idle before wedging (gt_drop_caches' wait_for(..., 200)).</summary>
    public static readonly TimeSpan DropResetActiveWait = TimeSpan.FromMilliseconds(200);

    private static readonly string[] s_engineFiles =
        ["heartbeat_interval_ms", "preempt_timeout_ms", "stop_timeout_ms", "timeslice_duration_ms", "max_busywait_duration_ns"];

    private static readonly string[] s_params = ["reset", "enable_hangcheck", "request_timeout_ms", "enable_guc"];

    private readonly object _filesLock = new();
    private readonly Dictionary<(EngineId, string), long> _engineDefaults = new();
    private readonly Dictionary<EngineId, long> _stopTimeoutMs = new();
    private uint _resetParam;
    private uint _requestTimeoutMs = 20_000;

    /// <inheritdoc/>
    public IReadOnlyList<string> VirtualFiles
    {
        get
        {
            var files = new List<string>
            {
                "debugfs/name", "debugfs/i915_wedged", "debugfs/i915_gem_drop_caches", "debugfs/i915_engine_info",
                "sysfs/dev", "sysfs/error",
            };
            foreach (string p in s_params)
            {
                files.Add("debugfs/i915_params/" + p);
                files.Add("module/" + p);
            }

            foreach (EngineId e in Options.Engines)
            {
                string dir = "sysfs/engine/" + e.Name() + "/";
                files.AddRange(new[] { "name", "class", "instance", "mmio_base", "capabilities", "known_capabilities" }.Select(f => dir + f));
                files.AddRange(s_engineFiles.Select(f => dir + f));
                files.AddRange(s_engineFiles.Select(f => dir + ".defaults/" + f));
            }

            return files;
        }
    }

    /// <inheritdoc/>
    public int ReadVirtualFile(string path, out byte[] content)
    {
        ArgumentNullException.ThrowIfNull(path);
        content = [];
        string? text = path switch
        {
            "debugfs/name" => $"{DriverName} dev=0000:00:02.0 unique=0000:00:02.0\n",
            // i915_wedged_get: intel_gt_terminally_wedged as 1 or 0.
            "debugfs/i915_wedged" => Device.IsWedged ? "1\n" : "0\n",
            "debugfs/i915_gem_drop_caches" => $"0x{DropAll:x8}\n",
            "debugfs/i915_engine_info" => EngineInfo(),
            "sysfs/dev" => $"226:{Options.Minor}\n",
            "sysfs/error" => Device.ReadErrorFile(),
            _ => null,
        };
        if (text is null && ParamName(path) is { } param)
        {
            text = ReadParam(param);
        }

        if (text is null && EngineFile(path, out EngineId engine, out string? attr, out bool defaults))
        {
            text = ReadEngineFile(engine, attr!, defaults);
        }

        if (text is null)
        {
            return -Errno.ENOENT;
        }

        content = Encoding.ASCII.GetBytes(text);
        return 0;
    }

    /// <inheritdoc/>
    public int WriteVirtualFile(string path, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text = Encoding.ASCII.GetString(data);
        int ret;
        if (path == "debugfs/i915_wedged")
        {
            ret = WriteWedged(text);
        }
        else if (path == "debugfs/i915_gem_drop_caches")
        {
            ret = WriteDropCaches(text);
        }
        else if (path == "sysfs/error")
        {
            Device.WriteErrorFile(text);
            ret = 0;
        }
        else if (ParamName(path) is { } param)
        {
            ret = WriteParam(param, text);
        }
        else if (EngineFile(path, out EngineId engine, out string? attr, out bool defaults))
        {
            ret = defaults || !s_engineFiles.Contains(attr) ? -Errno.EACCES : WriteEngineFile(engine, attr!, text);
        }
        else
        {
            ret = VirtualFiles.Contains(path) ? -Errno.EACCES : -Errno.ENOENT;
        }

        return ret != 0 ? ret : data.Length;
    }

    /// <summary>
    /// i915_wedged_set (intel_gt_debugfs_reset_store): the value is an engine mask (kstrtoull, -EINVAL otherwise);
    /// intel_gt_handle_error on those engines: engine resets, a full reset for the rest, which unwedges a wedged GT
    /// or, with resets off, wedges it. Returns once done.
    /// </summary>
    private int WriteWedged(string text)
    {
        int ret = KernelParse.ToULong(text, out ulong mask);
        if (ret != 0)
        {
            return ret;
        }

        Device.ForceReset((uint)(mask & EngineIds.AllMask), $"Manually reset engine mask to {mask:x}");
        return 0;
    }

    /// <summary>
    /// i915_drop_caches_set (gt_drop_caches): DROP_RESET_ACTIVE wedges the GT if it does not idle within 200 ms;
    /// DROP_ACTIVE / DROP_IDLE wait for idle; DROP_RESET_ACTIVE then resets a wedged GT back (intel_gt_handle_error
    /// on every engine). The rest (shrinking, freeing) has nothing to do in GpuSim.
    /// </summary>
    private int WriteDropCaches(string text)
    {
        int ret = KernelParse.ToULong(text, out ulong val);
        if (ret != 0)
        {
            return ret;
        }

        if ((val & DropResetActive) != 0 && !WaitIdle(DropResetActiveWait))
        {
            Device.Wedge("DROP_RESET_ACTIVE: engines did not idle");
        }

        if ((val & (DropIdle | DropActive)) != 0)
        {
            WaitIdle(Timeout.InfiniteTimeSpan);
        }

        if ((val & DropResetActive) != 0 && Device.IsWedged)
        {
            Device.ForceReset(EngineIds.AllMask, "DROP_RESET_ACTIVE");
        }

        return 0;
    }

    /// <summary>intel_gt_wait_for_idle: polls the engines until none is busy; false when <paramref name="timeout"/> passes first.</summary>
    private bool WaitIdle(TimeSpan timeout)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        // Bounded by the condition (and by timeout when finite): a wedged or reset GT drains its engines.
        while (Device.Gt.Engines.Any(e => e.IsBusy))
        {
            if (timeout != Timeout.InfiniteTimeSpan && System.Diagnostics.Stopwatch.GetElapsedTime(start) > timeout)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    private static string? ParamName(string path)
    {
        string? name = path.StartsWith("debugfs/i915_params/", StringComparison.Ordinal) ? path["debugfs/i915_params/".Length..]
            : path.StartsWith("module/", StringComparison.Ordinal) ? path["module/".Length..] : null;
        return name is not null && s_params.Contains(name) ? name : null;
    }

    /// <summary>The module parameters: reset (uint), enable_hangcheck (bool: Y/N), request_timeout_ms, enable_guc (0: execlists).</summary>
    private string ReadParam(string name)
    {
        switch (name)
        {
            case "reset":
                lock (_filesLock)
                {
                    return _resetParam.ToString(CultureInfo.InvariantCulture) + "\n";
                }

            case "enable_hangcheck":
                // param_get_bool and debugfs_create_bool's read both print Y or N.
                return Device.EnableHangcheck ? "Y\n" : "N\n";
            case "request_timeout_ms":
                lock (_filesLock)
                {
                    return _requestTimeoutMs.ToString(CultureInfo.InvariantCulture) + "\n";
                }

            default:
                return "0\n";
        }
    }

    /// <summary>
    /// i915_param_uint_write / i915_param_bool_write: uint params take kstrtouint, or a boolean; bool params
    /// kstrtobool; -EINVAL otherwise. reset changes the live reset method (GpuDevice.SetResetParam, clamped to 2),
    /// enable_hangcheck the device's. enable_guc is read-only (-EACCES).
    /// </summary>
    private int WriteParam(string name, string text)
    {
        string value = text.TrimEnd('\n');
        if (name == "enable_hangcheck")
        {
            int r = KernelParse.ToBool(value, out bool on);
            if (r == 0)
            {
                Device.EnableHangcheck = on;
            }

            return r;
        }

        if (name == "enable_guc")
        {
            return -Errno.EACCES;
        }

        int ret = KernelParse.ToUInt(value, out uint v);
        if (ret != 0)
        {
            if (KernelParse.ToBool(value, out bool b) != 0)
            {
                return -Errno.EINVAL;
            }

            v = b ? 1u : 0u;
        }

        lock (_filesLock)
        {
            if (name == "reset")
            {
                _resetParam = v;
                Device.SetResetParam((int)Math.Min(v, 2u));
            }
            else
            {
                _requestTimeoutMs = v;
            }
        }

        return 0;
    }

    /// <summary>Parses sysfs/engine/NAME/[.defaults/]ATTR; false for an engine the part does not have.</summary>
    private bool EngineFile(string path, out EngineId engine, out string? attr, out bool defaults)
    {
        engine = EngineId.Rcs0;
        attr = null;
        defaults = false;
        if (!path.StartsWith("sysfs/engine/", StringComparison.Ordinal))
        {
            return false;
        }

        string[] parts = path["sysfs/engine/".Length..].Split('/');
        if (parts.Length is < 2 or > 3 || !EngineIds.TryParse(parts[0], out engine) || !Options.Engines.Contains(engine))
        {
            return false;
        }

        defaults = parts.Length == 3;
        if (defaults && parts[1] != ".defaults")
        {
            return false;
        }

        attr = parts[^1];
        return true;
    }

    private string? ReadEngineFile(EngineId e, string attr, bool defaults)
    {
        if (defaults || s_engineFiles.Contains(attr))
        {
            if (!s_engineFiles.Contains(attr))
            {
                return null;
            }

            long v = defaults ? EngineDefault(e, attr) : EngineValue(e, attr);
            return v.ToString(CultureInfo.InvariantCulture) + "\n";
        }

        return attr switch
        {
            "name" => e.Name() + "\n",
            "class" => ((int)e.Class()).ToString(CultureInfo.InvariantCulture) + "\n",
            "instance" => "0\n",
            "mmio_base" => "0x" + MmioBase(e).ToString("x", CultureInfo.InvariantCulture) + "\n",
            "capabilities" or "known_capabilities" => "\n",
            _ => null,
        };
    }

    // The command streamer decodes register addresses against the same bases.
    private static uint MmioBase(EngineId e) => EngineMmio.MmioBase(e);

    private long EngineValue(EngineId e, string attr) => attr switch
    {
        "heartbeat_interval_ms" => (long)Device.GetHeartbeatInterval(e).TotalMilliseconds,
        "preempt_timeout_ms" => (long)Device.GetPreemptTimeout(e).TotalMilliseconds,
        "timeslice_duration_ms" => (long)Device.GetTimesliceDuration(e).TotalMilliseconds,
        "max_busywait_duration_ns" => Device.GetMaxBusywaitDuration(e),
        _ => StopTimeoutMs(e),
    };

    private long StopTimeoutMs(EngineId e)
    {
        lock (_filesLock)
        {
            return _stopTimeoutMs.TryGetValue(e, out long v) ? v : (long)Device.Config.Reset.StopTimeout.TotalMilliseconds;
        }
    }

    /// <summary>The value each engine attribute had when the driver started (the engine's .defaults/).</summary>
    private long EngineDefault(EngineId e, string attr)
    {
        lock (_filesLock)
        {
            if (_engineDefaults.Count == 0)
            {
                foreach (EngineId id in Options.Engines)
                {
                    foreach (string a in s_engineFiles)
                    {
                        _engineDefaults[(id, a)] = a == "stop_timeout_ms"
                            ? (long)Device.Config.Reset.StopTimeout.TotalMilliseconds
                            : a == "heartbeat_interval_ms" ? (long)Device.Config.Reset.HeartbeatInterval.TotalMilliseconds
                            : a == "preempt_timeout_ms" ? (long)Device.Config.Reset.PreemptTimeout.TotalMilliseconds
                            : EngineValue(id, a);
                    }
                }
            }

            return _engineDefaults[(e, attr)];
        }
    }

    /// <summary>
    /// The engine stores (intel_engine_sysfs.c): kstrtoull (-EINVAL), a value past what jiffies hold -EINVAL; the
    /// heartbeat through GpuDevice.SetHeartbeatInterval (0 without engine reset: -ENODEV), max busywait past two
    /// jiffies -EINVAL.
    /// </summary>
    private int WriteEngineFile(EngineId e, string attr, string text)
    {
        // Capture .defaults before the first change.
        EngineDefault(e, attr);
        int ret = KernelParse.ToULong(text, out ulong v);
        if (ret != 0)
        {
            return ret;
        }

        const ulong MaxMs = 0xfffffffc;
        switch (attr)
        {
            case "heartbeat_interval_ms":
                return v >= MaxMs ? -Errno.EINVAL : Device.SetHeartbeatInterval(e, TimeSpan.FromMilliseconds(v));
            case "preempt_timeout_ms":
                return v > MaxMs ? -Errno.EINVAL : Device.SetPreemptTimeout(e, TimeSpan.FromMilliseconds(v));
            case "timeslice_duration_ms":
                return v > MaxMs ? -Errno.EINVAL : Device.SetTimesliceDuration(e, TimeSpan.FromMilliseconds(v));
            case "max_busywait_duration_ns":
                return v > long.MaxValue ? -Errno.EINVAL : Device.SetMaxBusywaitDuration(e, (long)v);
            default:
                if (v > MaxMs)
                {
                    return -Errno.EINVAL;
                }

                lock (_filesLock)
                {
                    _stopTimeoutMs[e] = (long)v;
                }

                return 0;
        }
    }

    /// <summary>debugfs i915_engine_info: a short per-engine report (GpuSim's own format; IGT only dumps it).</summary>
    private string EngineInfo()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"GT awake? {(Device.Gt.Engines.Any(e => e.IsBusy) ? "yes" : "no")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Wedged? {(Device.IsWedged ? "yes" : "no")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Reset count: {Device.Reset.ResetCount}\n");
        foreach (EngineId id in Options.Engines)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{id.Name()}\n\tBusy? {(Device.Gt[id].IsBusy ? "yes" : "no")}\n");
            sb.Append(CultureInfo.InvariantCulture, $"\tHeartbeat: {(long)Device.GetHeartbeatInterval(id).TotalMilliseconds} ms\n");
            sb.Append(CultureInfo.InvariantCulture, $"\tReset count: {Device.Reset.EngineResetCount(id.Class())}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"GGTT: {Device.Gt.Ggtt.Size} bytes, {Device.Gt.Memory.UsedPages * DeviceMemory.PageSize} bytes of memory in use\n");
        return sb.ToString();
    }
}
