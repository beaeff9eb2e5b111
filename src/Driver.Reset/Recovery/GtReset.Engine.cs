using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Reset.Events;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset
{
    /// <summary>
    /// Per-engine reset (__intel_engine_reset_bh): engine->reset.prepare (the engine stops at a safe point) → hardware
    /// reset of this engine only, one try → engine->reset.rewind (the started active request is guilty) →
    /// engine->reset.finish. The caller holds the
    /// engine's RESET_ENGINE bit (<see cref="HandleError"/>, or a selftest under <see cref="EngineResetLock"/>).
    /// Returns false when the reset failed and must escalate.
    /// </summary>
    internal bool ResetEngine(Engine engine, string reason)
    {
        // __intel_engine_reset_bh: GEM_BUG_ON(!test_bit(I915_RESET_ENGINE + engine->id, &gt->reset.flags)).
        System.Diagnostics.Debug.Assert(TestBit(ResetFlags.ResetEngine + (int)engine.Id),
            $"ResetEngine({engine.Name}) without its RESET_ENGINE bit: take EngineResetLock() first");
        if (!CanResetEngine)
        {
            return false;
        }

        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!engine.ResetPrepare(Config.StopTimeout))
        {
            ResetFailed(engine.Id.Mask(), $"{engine.Name} did not stop for its reset");
            return false;
        }
        try
        {
            _log.Information("Resetting {Engine} for {Reason}", engine.Name, reason);
            Interlocked.Increment(ref _engineResets[(int)engine.Id.Class()]);
            if (Faults.TakeEngineResetFailure())
            {
                ResetFailed(engine.Id.Mask(), $"failed to reset {engine.Name} (injected)");
                return false;
            }
            // amdgpu's rule: the recovery re-validates shared buffers under their reservation locks before the hung
            // request's fence is signalled (null under i915's: nothing here takes a reservation lock).
            EvictResources?.Invoke(engine.Id.Mask());
            engine.ResetRewind(stalled: true, this);
        }
        finally
        {
            // Resume + finish: the engine continues with the rewound requests ahead of newer submissions.
            engine.ResetFinish();
        }
        Events.Raise(GpuEventKind.EngineReset, engine.Id.Mask(), reason, start);
        return true;
    }

    private void ResetFailed(uint mask, string message)
    {
        Interlocked.Increment(ref _failedResets);
        _log.Error("{Message}", message);
        Events.Raise(GpuEventKind.ResetFailed, mask, message);
    }
}
