using Driver.Core.Requests;
using Driver.Engines.Execution;

namespace Driver.Reset.Capture;

/// <summary>
/// An error state captured up to its EXEC_OBJECT_CAPTURE contents (execlists_capture's first half: the registers, the
/// request, the batch, taken while the engine is stopped), and the requests whose objects are still to be copied,
/// each with a counted reference so it cannot be recycled meanwhile. <see cref="ErrorCapture.Publish"/> copies them
/// and stores the state (execlists_capture_work → i915_error_state_store), once.
/// </summary>
public sealed class PendingErrorState : IDisposable
{
    internal PendingErrorState(DateTime time, long timestamp, long jiffies, string reason, uint engineMask)
    {
        Time = time;
        Timestamp = timestamp;
        Jiffies = jiffies;
        Reason = reason;
        EngineMask = engineMask;
        Epoch = jiffies;
    }

    internal DateTime Time { get; }

    internal long Timestamp { get; }

    internal long Jiffies { get; }

    internal string Reason { get; }

    internal uint EngineMask { get; }

    internal long Epoch { get; set; }

    internal string? Guilty { get; set; }

    internal bool Simulated { get; set; }

    internal List<EngineErrorState> Engines { get; } = [];

    /// <summary>Index into <see cref="Engines"/> and the request whose objects that engine's part still needs.</summary>
    internal List<(int Engine, Request Request)> Deferred { get; } = [];

    internal bool Published { get; set; }

    /// <summary>The engine that holds <see cref="DeferredRequest"/> until the objects are copied; null while none does.</summary>
    public Engine? Holder { get; internal set; }

    /// <summary>
    /// The request whose objects are still to be copied (the first, if several engines hung at once), for the engine
    /// to hold meanwhile; null when nothing was deferred and the state can be published at once.
    /// </summary>
    public Request? DeferredRequest => Deferred.Count == 0 ? null : Deferred[0].Request;

    /// <summary>Drops the references on the deferred requests (after <see cref="ErrorCapture.Publish"/>, or instead of it).</summary>
    public void Dispose()
    {
        foreach ((int _, Request rq) in Deferred)
        {
            rq.Put();
        }

        Deferred.Clear();
    }
}
