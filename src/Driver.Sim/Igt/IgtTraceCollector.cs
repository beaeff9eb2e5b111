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

    /// <summary>Writes the trace of every recorded device.</summary>
    public void WriteFile(string path, string title)
    {
        List<TraceModel> models;
        lock (_recorders)
        {
            models = _recorders.Select(r => r.Recorder.Build(r.Name)).ToList();
        }

        ChromeTraceWriter.WriteFile(models, title, path);
    }
}
