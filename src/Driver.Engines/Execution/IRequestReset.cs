using Driver.Core.Requests;

namespace Driver.Engines.Execution;

/// <summary>
/// The reset core's half of a rewind (__i915_request_reset): an engine's <see cref="Engine.ResetRewind"/> hands it
/// the request that was executing when the engine was reset, and the core decides that request's fate — guilty
/// (-EIO, payload skipped, the context marked guilty and perhaps banned) or innocent (-EAGAIN, replayed). The engine
/// owns the queues; the core owns the policy.
/// </summary>
public interface IRequestReset
{
    /// <summary>
    /// Decides the fate of <paramref name="rq"/>, a request that had started when its engine was reset.
    /// <paramref name="guilty"/>: the engine was the one that hung. Called on a prepared engine, inside the reset's
    /// signalling section: must neither block nor wait on a fence.
    /// </summary>
    void ResetRequest(Request rq, bool guilty);
}
