using System.Collections.Concurrent;
using System.Diagnostics;
using Driver.Core.Requests;
using Driver.Reset.Events;
using Driver.Sim.Results;
using Driver.Uapi;

namespace Driver.Sim.Tracing;

/// <summary>
/// Records a device's activity for a trace: every request created (through <see cref="Engines.Gt.IntelGt.RequestCreated"/>,
/// one enqueue under the timeline mutex, nothing on the engines' paths) and every device event (hangs, resets,
/// wedges, bans). The slices are built after the run, from the requests' own timestamps, by <see cref="Build"/>.
/// Usage: <c>using var rec = TraceRecorder.Attach(device); … run … ; ChromeTraceWriter.Write(rec.Build("name"), file)</c>.
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    /// <summary>Requests kept by default; later ones are counted as dropped (a long soak would otherwise hold them all).</summary>
    public const int DefaultMaxRequests = 500_000;

    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentQueue<GpuEvent> _events = new();
    private readonly Action<Request> _onRequest;
    private readonly int _maxRequests;
    private long _created;
    private GpuDevice? _device;
    private IDisposable? _subscription;
    private long _start;
    private long _stop;
    private ResetCounts _resetsAtStart = new(0, 0, 0);
    private ResetCounts? _resetsAtStop;

    /// <summary>A recorder not yet attached; see <see cref="AttachTo"/>.</summary>
    public TraceRecorder(int maxRequests = DefaultMaxRequests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRequests);
        _maxRequests = maxRequests;
        _onRequest = OnRequestCreated;
    }

    /// <summary>Starts recording <paramref name="device"/> now; dispose (or <see cref="Detach"/>) to stop.</summary>
    public static TraceRecorder Attach(GpuDevice device, int maxRequests = DefaultMaxRequests)
    {
        var recorder = new TraceRecorder(maxRequests);
        recorder.AttachTo(device);
        return recorder;
    }

    /// <summary>Stopwatch timestamp the trace starts at (the attach), 0 before.</summary>
    public long StartTimestamp => Volatile.Read(ref _start);

    /// <summary>Requests recorded so far (pulses included).</summary>
    public int RecordedRequests => _requests.Count;

    /// <summary>
    /// Starts recording <paramref name="device"/>. Call before submitting work (from the thread that will run it):
    /// the hook is installed with a plain property write, and submitters started afterwards see it.
    /// </summary>
    public void AttachTo(GpuDevice device)
    {
        if (_device is not null)
        {
            throw new InvalidOperationException("the recorder is already attached to a device");
        }

        _device = device;
        _resetsAtStart = ResetsOf(device);
        Volatile.Write(ref _start, Stopwatch.GetTimestamp());
        device.Gt.RequestCreated += _onRequest;
        _subscription = device.Reset.Events.Subscribe(_events.Enqueue);
    }

    /// <summary>Stops recording (idempotent); the trace ends here.</summary>
    public void Detach()
    {
        if (_device is null || _stop != 0)
        {
            return;
        }

        _device.Gt.RequestCreated -= _onRequest;
        _subscription?.Dispose();
        _resetsAtStop = ResetsOf(_device);
        _stop = Stopwatch.GetTimestamp();
    }

    /// <summary>The device's reset counters, the ones the results JSON reports.</summary>
    private static ResetCounts ResetsOf(GpuDevice device) =>
        new(device.Reset.TotalEngineResets, device.Reset.ResetCount, device.Reset.FailedResets);

    /// <summary>
    /// Builds the trace from what was recorded: call after the run's drain, when the requests' timestamps and
    /// statuses are final. Ends at <see cref="Detach"/>, or now when still attached.
    /// </summary>
    public TraceModel Build(string title, int? seed = null)
    {
        if (_device is null)
        {
            throw new InvalidOperationException("the recorder was never attached");
        }

        long end = _stop != 0 ? _stop : Stopwatch.GetTimestamp();
        long dropped = Math.Max(0, Interlocked.Read(ref _created) - _maxRequests);
        ResetCounts now = _resetsAtStop ?? ResetsOf(_device);
        var resets = new ResetCounts(now.Engine - _resetsAtStart.Engine, now.Full - _resetsAtStart.Full, now.Failed - _resetsAtStart.Failed);
        return new TraceBuilder(_start, end).Build(title, seed, _requests.ToArray(), _events.ToArray(), dropped) with { Resets = resets };
    }

    /// <summary>Runs under the timeline mutex of the request: counting and one enqueue, nothing more.</summary>
    private void OnRequestCreated(Request rq)
    {
        if (Interlocked.Increment(ref _created) <= _maxRequests)
        {
            _requests.Enqueue(rq);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Detach();
}
