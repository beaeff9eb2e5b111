using Driver.Igt;
using Driver.Sim.Tracing;
using Driver.Uapi;

namespace Driver.Sim.Igt;

/// <summary>
/// <c>gpusim igt --trace FILE</c>: records every device a subtest opens and writes them all into one Chrome trace,
/// one process per device named after its subtest.
/// </summary>
public sealed class IgtTraceCollector : IIgtDeviceObserver
{
    private readonly List<(string Name, TraceRecorder Recorder)> _recorders = new();

    /// <summary>Starts recording <paramref name="device"/> for the subtest <paramref name="name"/>.</summary>
    public void Attach(GpuDevice device, string name)
    {
        var recorder = TraceRecorder.Attach(device);
        lock (_recorders)
        {
            _recorders.Add((name, recorder));
        }
    }

    /// <summary>Devices recorded so far.</summary>
    public int Count { get { lock (_recorders) { return _recorders.Count; } } }

    /// <summary>The trace of every recorded device, in the order they were opened.</summary>
    public IReadOnlyList<TraceModel> Build()
    {
        lock (_recorders)
        {
            return _recorders.Select(r => r.Recorder.Build(r.Name)).ToList();
        }
    }

    /// <summary>Writes the trace of every recorded device.</summary>
    public void WriteFile(string path, string title) => ChromeTraceWriter.WriteFile(Build(), title, path);
}
