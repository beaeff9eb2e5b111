using System.Diagnostics;
using Driver.Sim.Progress;
using Driver.Uapi;

namespace Driver.Sim.Soak;

/// <summary>Where a soak stands, for <see cref="ProgressDisplay"/>: seconds elapsed of the planned, requests done, resets, wedges.</summary>
public sealed class SoakProgress(TimeSpan duration) : IProgressSource
{
    private volatile GpuDevice? _device;
    private volatile string _label = "starting";
    private long _started;

    /// <summary>Called when the soak starts on <paramref name="device"/>.</summary>
    public void Begin(GpuDevice device)
    {
        Interlocked.Exchange(ref _started, Stopwatch.GetTimestamp());
        _device = device;
    }

    /// <summary>Names what the soak is doing ("soak", "drain", "verify").</summary>
    public void SetLabel(string label) => _label = label;

    /// <inheritdoc/>
    public ProgressSnapshot Read()
    {
        GpuDevice? device = _device;
        long total = (long)Math.Ceiling(duration.TotalSeconds);
        if (device is null)
        {
            return new ProgressSnapshot(_label, 0, total, 0, 0) { Unit = "s" };
        }

        long elapsed = (long)Stopwatch.GetElapsedTime(Interlocked.Read(ref _started)).TotalSeconds;
        return new ProgressSnapshot(_label, Math.Min(elapsed, total), total, DeviceCounters.Resets(device), DeviceCounters.Wedges(device))
        {
            Unit = "s",
            Detail = $"{DeviceCounters.RequestsDone(device):N0} requests done",
        };
    }
}
