using Driver.Uapi;

namespace Driver.Sim.Progress;

/// <summary>Progress figures read off a device's counters (no per-request work).</summary>
public static class DeviceCounters
{
    /// <summary>Requests the engines have finished, heartbeat pulses left out.</summary>
    public static long RequestsDone(GpuDevice device) =>
        Math.Max(0, device.Gt.Engines.Sum(e => e.Completed) - device.Heartbeat.Pulses);

    /// <summary>Engine and full resets so far.</summary>
    public static long Resets(GpuDevice device) => device.Reset.TotalEngineResets + device.Reset.ResetCount;

    /// <summary>Times the device was wedged.</summary>
    public static long Wedges(GpuDevice device) => device.Reset.WedgeCount;
}
