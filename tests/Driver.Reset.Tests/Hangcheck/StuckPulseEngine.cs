using System.Collections.Concurrent;
using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Reset.Tests.Hangcheck;

/// <summary>
/// An engine that never runs anything: the heartbeat's pulses queue here and never get in, so the heartbeat climbs
/// its ladder and declares the engine hung, as it does with a batch that will not yield. It makes progress at every
/// look (<see cref="SafePoints"/>), so the heartbeat counts it as refusing the pulse rather than descheduled. Its
/// <see cref="Active"/> hands out, once, the request a test loaded, then runs <see cref="AfterLoad"/>: what happens on
/// a real engine between a reader's load of the active pointer and its next look at the request (the request
/// completes, is retired, freed and recycled by the slab). Read again, it runs nothing.
/// </summary>
internal sealed class StuckPulseEngine(EngineId id) : Engine(id)
{
    private readonly ConcurrentQueue<Request> _queued = new();
    private Request? _loaded;
    private long _safePoints;

    /// <summary>The request the next read of <see cref="Active"/> returns.</summary>
    public Request? Loaded { set => _loaded = value; }

    /// <summary>Runs right after <see cref="Active"/> handed out the loaded request, on the reader's thread.</summary>
    public Action? AfterLoad { get; set; }

    /// <summary>Reads of <see cref="Active"/> that handed out the loaded request.</summary>
    public int Loads => Volatile.Read(ref _loads);
    private int _loads;

    /// <inheritdoc/>
    public override Request? Active
    {
        get
        {
            Request? rq = Interlocked.Exchange(ref _loaded, null);
            if (rq is not null)
            {
                AfterLoad?.Invoke();
                Interlocked.Increment(ref _loads);
            }

            return rq;
        }
    }

    /// <inheritdoc/>
    public override bool IsBusy => true;

    /// <inheritdoc/>
    public override long Submitted => 0;

    /// <inheritdoc/>
    public override long Completed => 0;

    /// <inheritdoc/>
    public override bool IsParked => true;

    /// <inheritdoc/>
    public override long ResetGeneration => 0;

    /// <inheritdoc/>
    public override long SafePoints => Interlocked.Add(ref _safePoints, 4);

    /// <inheritdoc/>
    public override Request? PreemptTarget => null;

    /// <inheritdoc/>
    public override bool IsCancelPending => false;

    /// <inheritdoc/>
    public override void Queue(Request rq) => _queued.Enqueue(rq);

    /// <inheritdoc/>
    public override void Schedule(Request rq, int priority) => rq.RaisePriority(priority);

    /// <inheritdoc/>
    public override void SkipBannedQueued()
    {
    }

    /// <inheritdoc/>
    public override void RequestPark()
    {
    }

    /// <inheritdoc/>
    public override bool WaitParked(TimeSpan timeout) => true;

    /// <inheritdoc/>
    public override void Unpark()
    {
    }

    /// <inheritdoc/>
    public override void ResetRewind(bool stalled, IRequestReset reset)
    {
    }

    /// <inheritdoc/>
    public override void ResetCancel() => CancelQueued();

    /// <inheritdoc/>
    public override void ResetCancelWhenStopped() => CancelQueued();

    /// <summary>Every fence signals: the pulses that never got in end with -EIO.</summary>
    public override void Dispose() => CancelQueued();

    private void CancelQueued()
    {
        while (_queued.TryDequeue(out Request? rq))
        {
            CancelOnCpu(rq);
        }
    }
}
