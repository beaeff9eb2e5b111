using Driver.Core.Hw;
using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Reset.Tests.Capture;

/// <summary>
/// An engine that does nothing but hand out, once, the request a test loaded into it as <see cref="Active"/>, and
/// then runs <see cref="AfterLoad"/>: what happens on the real engine's thread between a reader's load of the active
/// pointer and its next look at the request (the request completes, is retired, freed and recycled by the slab).
/// Read again, it is idle.
/// </summary>
internal sealed class LoadedActiveEngine(EngineId id) : Engine(id)
{
    private Request? _loaded;

    /// <summary>The request the next read of <see cref="Active"/> returns.</summary>
    public Request? Loaded { set => _loaded = value; }

    /// <summary>Runs right after <see cref="Active"/> handed out the loaded request.</summary>
    public Action? AfterLoad { get; set; }

    /// <summary>A request every read of <see cref="Active"/> returns while no <see cref="Loaded"/> one is pending.</summary>
    public Request? Running { get; set; }

    /// <summary>Runs when <see cref="Head"/> is read (ACTHD, which the capture reads before the batch).</summary>
    public Action? OnHeadRead { get; set; }

    /// <inheritdoc/>
    public override uint Head
    {
        get
        {
            OnHeadRead?.Invoke();
            return 0;
        }
    }

    /// <inheritdoc/>
    public override Request? Active
    {
        get
        {
            Request? rq = Interlocked.Exchange(ref _loaded, null) ?? Running;
            if (rq is not null && rq != Running)
            {
                AfterLoad?.Invoke();
            }

            return rq;
        }
    }

    /// <inheritdoc/>
    public override long Submitted => 0;

    /// <inheritdoc/>
    public override long Completed => 0;

    /// <inheritdoc/>
    public override bool IsParked => true;

    /// <inheritdoc/>
    public override long ResetGeneration => 0;

    /// <inheritdoc/>
    public override long SafePoints => 0;

    /// <inheritdoc/>
    public override Request? PreemptTarget => null;

    /// <inheritdoc/>
    public override bool IsCancelPending => false;

    /// <inheritdoc/>
    public override void Queue(Request rq) => throw new NotSupportedException("nothing is submitted to this engine");

    /// <inheritdoc/>
    public override void Schedule(Request rq, int priority)
    {
    }

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
    public override void ResetCancel()
    {
    }

    /// <inheritdoc/>
    public override void ResetCancelWhenStopped()
    {
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
    }
}
