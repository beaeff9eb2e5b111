using Driver.Core.Hw;
using Driver.Engines.Execution;
using Driver.Reset.Capture;
using Driver.Reset.Events;

namespace Driver.Reset.Recovery;

public sealed partial class GtReset
{
    /// <summary>
    /// Per-engine reset (__intel_engine_reset_bh): engine->reset.prepare (the engine stops at a safe point) → hardware
    /// reset of this engine's reset domain, one try → engine->reset.rewind (the started active request is guilty) →
    /// engine->reset.finish. The caller holds the engine's RESET_ENGINE bit (<see cref="HandleError"/>, or a selftest
    /// under <see cref="EngineResetLock"/>). Returns false when the reset failed and must escalate.
    /// </summary>
    internal bool ResetEngine(Engine engine, string reason) => ResetEngine(engine, reason, out _);

    /// <summary>
    /// <see cref="ResetEngine(Engine, string)"/>, telling which engines the reset covered: the engine itself and, on a
    /// part whose engines share a reset domain (<see cref="ResetConfig.SharedResetDomain"/>), every sibling of that
    /// domain whose RESET_ENGINE bit it could take.
    /// </summary>
    internal bool ResetEngine(Engine engine, string reason, out uint domainMask, PendingErrorState? capture = null)
    {
        // __intel_engine_reset_bh: GEM_BUG_ON(!test_bit(I915_RESET_ENGINE + engine->id, &gt->reset.flags)).
        System.Diagnostics.Debug.Assert(TestBit(ResetFlags.ResetEngine + (int)engine.Id),
            $"ResetEngine({engine.Name}) without its RESET_ENGINE bit: take EngineResetLock() first");
        domainMask = engine.Id.Mask();
        if (!CanResetEngine)
        {
            return false;
        }

        // intel_engine_pm_get_if_awake: an engine asleep has nothing that could hang; it is neither stopped nor
        // counted, and the error counts as handled (a forced reset of every engine, debugfs i915_wedged -1, resets
        // and counts only the busy ones).
        if (!engine.IsAwake)
        {
            return true;
        }

        // The siblings' bits keep a concurrent reset of a sibling (its own hang, a selftest) off the engines this
        // reset stops and rewinds. A sibling whose bit is already held is being reset by its holder right now, and
        // that reset covers the whole domain, ours included: it is left to its holder, not waited for (a reset
        // waiting on another reset's bit could wait on a reset that waits on it).
        uint victims = TakeDomainSiblings(engine.Id);
        try
        {
            domainMask |= victims;
            return ResetDomain(engine, victims, reason, capture);
        }
        finally
        {
            foreach (EngineId id in EngineIds.All)
            {
                if ((victims & id.Mask()) != 0)
                {
                    ClearBitAndWake(ResetFlags.ResetEngine + (int)id);
                }
            }
        }
    }

    /// <summary>
    /// get_reset_domain: from gen 12.50 the compute engines (CCS) sit in the render engine's reset domain
    /// (GEN11_GRDOM_RENDER), so an engine reset of one is, in hardware, a reset of all of them. Takes the
    /// RESET_ENGINE bit of each sibling of <paramref name="id"/> whose bit is free and returns their mask; zero on a
    /// part where every engine is a domain of its own.
    /// </summary>
    private uint TakeDomainSiblings(EngineId id)
    {
        uint domain = Config.SharedResetDomain & EngineIds.AllMask;
        if ((domain & id.Mask()) == 0)
        {
            return 0;
        }

        uint taken = 0;
        foreach (EngineId sibling in EngineIds.All)
        {
            if (sibling != id && (domain & sibling.Mask()) != 0 && !TestAndSetBit(ResetFlags.ResetEngine + (int)sibling))
            {
                taken |= sibling.Mask();
            }
        }

        return taken;
    }

    /// <summary>
    /// One hardware reset of <paramref name="engine"/> and the <paramref name="victims"/> of its domain: all of them
    /// stop first (the domain is reset at once: a sibling still running would be cut mid-batch without its rewind),
    /// then each is rewound and resumed.
    /// </summary>
    /// <remarks>
    /// What happens to a victim's active request follows the GuC backend, the one i915 uses on the parts with a
    /// shared render/compute domain: the GuC resets the domain and sends a context-reset notification for each
    /// context it was running there, and guc_handle_context_reset → guc_context_replay → __guc_reset_context(ce,
    /// stalled = true) judges that context's active request as a hang: guilty when it had started (-EIO, payload
    /// skipped, the context's guilty count raised and the ban rules applied), its later requests replayed; and
    /// capture_error_state counts an engine reset of the victim's class. A victim with nothing running gets no
    /// notification, so it is stopped and resumed without a count, and nothing of it is judged.
    /// </remarks>
    private bool ResetDomain(Engine engine, uint victims, string reason, PendingErrorState? capture)
    {
        List<Engine> engines = [engine, .. _gt.Engines.Where(e => (victims & e.Id.Mask()) != 0)];
        uint mask = engines.Aggregate(0u, (m, e) => m | e.Id.Mask());
        long start = System.Diagnostics.Stopwatch.GetTimestamp();

        // Park requests to every engine of the domain before waiting on any, so they stop in parallel.
        foreach (Engine e in engines)
        {
            e.ResetPrepareBegin();
        }

        // Every engine is waited on, so each ends either prepared or with its park request withdrawn (a timed-out
        // ResetPrepareWait withdraws it): a domain that cannot stop whole is not reset, and the engines that did stop
        // resume at once; the hung engine then escalates to the full reset like a lone engine that did not stop.
        var stopped = engines.Where(e => e.ResetPrepareWait(Config.StopTimeout)).ToList();
        if (stopped.Count != engines.Count)
        {
            foreach (Engine e in stopped)
            {
                e.ResetFinish();
            }

            string names = string.Join(",", engines.Except(stopped).Select(e => e.Name));
            ResetFailed(mask, $"{names} did not stop for its reset");
            return false;
        }

        try
        {
            _log.Information("Resetting {Engine} for {Reason}", engine.Name, reason);
            Interlocked.Increment(ref _engineResets[(int)engine.Id.Class()]);
            foreach (Engine victim in engines.Skip(1).Where(e => e.Active is not null))
            {
                _log.Information("Resetting {Engine}: it shares {Hung}'s reset domain", victim.Name, engine.Name);
                Interlocked.Increment(ref _engineResets[(int)victim.Id.Class()]);
            }

            if (Faults.TakeEngineResetFailure())
            {
                ResetFailed(mask, $"failed to reset {engine.Name} (injected)");
                return false;
            }
            // amdgpu's rule: the recovery re-validates shared buffers under their reservation locks before the hung
            // request's fence is signalled (null under i915's: nothing here takes a reservation lock).
            EvictResources?.Invoke(mask);
            foreach (Engine e in engines)
            {
                e.ResetRewind(stalled: true, this);
            }

            // execlists_capture's hold, while the engine is still stopped: the rewound (guilty, skipped) request and
            // its timeline's later work wait off the engine until the capture has copied its objects.
            if (capture?.DeferredRequest is { } held && engines.Find(e => e.Id == held.Engine) is { } holder
                && holder.Hold(held))
            {
                capture.Holder = holder;
            }
        }
        finally
        {
            // Resume + finish: each engine continues with its rewound requests ahead of newer submissions.
            foreach (Engine e in engines)
            {
                e.ResetFinish();
            }
        }
        Events.Raise(GpuEventKind.EngineReset, mask, reason, start);
        return true;
    }

    private void ResetFailed(uint mask, string message)
    {
        Interlocked.Increment(ref _failedResets);
        _log.Error("{Message}", message);
        Events.Raise(GpuEventKind.ResetFailed, mask, message);
    }
}
