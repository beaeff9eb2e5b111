using Driver.Sim.Progress;
using Driver.Uapi;

namespace Driver.Sim.Runner;

/// <summary>
/// Where a scenario run stands, for <see cref="ProgressDisplay"/>: the runner announces the device and the planned
/// request count, then each phase; the display reads the device's counters. Safe to read from any thread.
/// </summary>
public sealed class RunProgress : IProgressSource
{
    private volatile GpuDevice? _device;
    private volatile string _label = "preparing";
    private long _planned;

    /// <summary>Called by the runner once the device is up and the steps prepared.</summary>
    public void Begin(GpuDevice device, long plannedRequests)
    {
        Interlocked.Exchange(ref _planned, plannedRequests);
        _device = device;
    }

    /// <summary>Names what the run is doing now (a phase, "drain", "verify").</summary>
    public void SetLabel(string label) => _label = label;

    /// <inheritdoc/>
    public ProgressSnapshot Read()
    {
        GpuDevice? device = _device;
        long planned = Interlocked.Read(ref _planned);
        if (device is null)
        {
            return new ProgressSnapshot(_label, 0, planned, 0, 0);
        }

        return new ProgressSnapshot(_label, Math.Min(DeviceCounters.RequestsDone(device), planned), planned,
            DeviceCounters.Resets(device), DeviceCounters.Wedges(device));
    }
}
